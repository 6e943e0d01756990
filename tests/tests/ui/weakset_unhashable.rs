use weakref_core::{WeakSet, Weakrefable};

#[derive(Weakrefable)]
struct Observer;

fn main() {
    let _set: WeakSet<Observer> = WeakSet::new();
}
