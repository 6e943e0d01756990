use weakref_core::{WeakValueDictionary, Weakrefable};

#[derive(Weakrefable)]
struct Image;

struct Point(f64, f64);

fn main() {
    let _cache: WeakValueDictionary<Point, Image> = WeakValueDictionary::new();
}
