use weakref_core::{coerce, Obj, Weakrefable};

trait Observer: Weakrefable {}

#[derive(Weakrefable)]
struct Stranger;

fn main() {
    let _observer: Obj<dyn Observer> = coerce!(Obj::new(Stranger));
}
