use weakref_core::Weakrefable;

#[derive(Weakrefable)]
struct Node {
    #[weakref(crate = "weakref_core")]
    name: String,
}

fn main() {}
