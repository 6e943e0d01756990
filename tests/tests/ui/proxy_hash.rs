use std::hash::{DefaultHasher, Hash};

use weakref_core::{Obj, WeakProxy, Weakrefable};

#[derive(Hash, Weakrefable)]
struct Key(u32);

fn hash<H: Hash>(value: &H) {
    value.hash(&mut DefaultHasher::new());
}

// Proxies are not hashable, even to a hashable object (CPython: TypeError).
fn main() {
    let key = Obj::new(Key(1));
    hash(&WeakProxy::new(&key));
}
