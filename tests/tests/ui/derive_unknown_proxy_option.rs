use weakref_core::Weakrefable;

#[derive(Weakrefable)]
#[weakref(proxy_name = "NodeRef")]
struct Node {
    name: String,
}

fn main() {}
