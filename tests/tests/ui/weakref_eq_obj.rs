use weakref_core::{Obj, WeakRef, Weakrefable};

#[derive(PartialEq, Weakrefable)]
struct Node;

fn main() {
    let node = Obj::new(Node);
    let weak = WeakRef::new(&node);
    let _ = weak == node;
}
