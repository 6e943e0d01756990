use weakref_core::unsync::{WeakKeyDictionary, Weakrefable};

#[derive(Weakrefable)]
struct Node;

fn main() {
    let _meta: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
}
