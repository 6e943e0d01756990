use weakref_core::{coerce, Obj, Weakrefable};

trait Observer: Weakrefable {}

#[derive(Weakrefable)]
struct Printer;

impl Observer for Printer {}

fn main() {
    let printer = Obj::new(Printer);
    let _observer: Obj<dyn Observer> = coerce!(&printer);
}
