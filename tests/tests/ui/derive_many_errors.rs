use weakref_core::Weakrefable;

#[derive(Weakrefable)]
#[weakref(foo, crate = "weakref_core")]
#[weakref(bar = 1, crate = "weakref_core")]
struct Node {
    name: String,
}

fn main() {}
