use weakref_core::unsync::{Obj, Weakrefable};

#[derive(Weakrefable)]
struct Node;

fn main() {
    let node = Obj::new(Node);
    std::thread::spawn(move || {
        let _node = node;
    });
}
