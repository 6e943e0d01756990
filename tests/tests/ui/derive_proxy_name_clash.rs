use weakref_core::Weakrefable;

/// A type of the user's that happens to have the name the derive gives `Counter`'s wrapper.
struct CounterProxy;

#[derive(Weakrefable)]
#[weakref(proxy)]
struct Counter {
    count: u32,
}

fn main() {
    let _ = CounterProxy;
}
