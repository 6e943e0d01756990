use weakref_core::unsync::{Obj, WeakRef, Weakrefable};

#[derive(PartialEq, PartialOrd, Weakrefable)]
struct Rank(u32);

fn main() {
    let low = Obj::new(Rank(1));
    let high = Obj::new(Rank(2));
    assert!(*low < *high); // the referents are ordered, their weak references are not
    let _ = WeakRef::new(&low) <= WeakRef::new(&high);
}
