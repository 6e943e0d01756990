use weakref_core::Weakrefable;

#[derive(Weakrefable)]
#[weakref(crate = "weakref core")]
struct Node {
    name: String,
}

fn main() {}
