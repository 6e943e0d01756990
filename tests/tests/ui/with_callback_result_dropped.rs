#![deny(unused_must_use)]

use weakref_core::{Obj, WeakRef, Weakrefable};

#[derive(Weakrefable)]
struct Node;

fn main() {
    let node = Obj::new(Node);
    // Dropped at once: the callback is unregistered before the node could die.
    WeakRef::with_callback(&node, |_| println!("node died"));
}
