use weakref_core::unsync::{Obj, WeakRef, Weakrefable};

#[derive(Weakrefable)]
struct Node;

fn main() {
    let node = Obj::new(Node);
    let weak = WeakRef::new(&node);
    std::thread::spawn(move || {
        let _weak = weak;
    });
}
