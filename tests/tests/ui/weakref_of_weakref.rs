use weakref_core::{Obj, WeakRef, Weakrefable};

#[derive(Weakrefable)]
struct Node;

fn main() {
    let node = Obj::new(Node);
    let weak = Obj::new(WeakRef::new(&node));
    let _weak_of_weak = WeakRef::new(&weak);
}
