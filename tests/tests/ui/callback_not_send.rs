use std::rc::Rc;

use weakref_core::{Obj, WeakRef, Weakrefable};

#[derive(Weakrefable)]
struct Node;

fn main() {
    let node = Obj::new(Node);
    let local = Rc::new(0);
    let _weak = WeakRef::with_callback(&node, move |_| {
        let _captured = &local;
    });
}
