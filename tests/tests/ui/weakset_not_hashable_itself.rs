use std::hash::Hash;

use weakref_core::{WeakSet, Weakrefable};

#[derive(Hash, PartialEq, Eq, Weakrefable)]
struct Tag;

fn needs_hash<T: Hash>() {}

fn main() {
    // Python: `TypeError: unhashable type: 'WeakSet'` (checklist item 138).
    needs_hash::<WeakSet<Tag>>();
}
