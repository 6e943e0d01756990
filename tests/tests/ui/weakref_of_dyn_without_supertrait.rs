use weakref_core::{coerce, Obj, WeakRef, Weakrefable};

// `Weakrefable` is not a supertrait, so `dyn Observer` does not implement it.
trait Observer {
    fn notify(&self);
}

#[derive(Weakrefable)]
struct Printer;

impl Observer for Printer {
    fn notify(&self) {}
}

fn main() {
    let observer: Obj<dyn Observer> = coerce!(Obj::new(Printer));
    observer.notify();
    let _weak = WeakRef::new(&observer);
}
