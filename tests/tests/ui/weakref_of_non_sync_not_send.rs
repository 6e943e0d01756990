use std::cell::Cell;

use weakref_core::{Obj, WeakRef, Weakrefable};

#[derive(Weakrefable)]
struct Counter {
    hits: Cell<u32>,
}

fn main() {
    let counter = Obj::new(Counter { hits: Cell::new(0) });
    let weak = WeakRef::new(&counter);
    std::thread::spawn(move || {
        let _weak = weak;
    });
    counter.hits.set(1);
}
