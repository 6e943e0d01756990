use weakref_core::Weakrefable;

#[derive(Weakrefable)]
#[weakref(krate = "weakref_core")]
struct Node {
    name: String,
}

fn main() {}
