use weakref_core::{Obj, WeakSet, Weakrefable};

#[derive(Hash, PartialEq, Eq, Weakrefable)]
struct Tag(u8);

fn main() {
    let tag = Obj::new(Tag(1));
    let set: WeakSet<Tag> = [&tag].into_iter().collect();
    // Python raises `TypeError` for elements that cannot be weakly referenced (checklist
    // item 132); here only `Obj<Tag>` or `&Obj<Tag>` are accepted.
    let _ = set.union(vec![Tag(2)]);
}
