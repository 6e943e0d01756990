use weakref_core::WeakValueDictionary;

fn main() {
    // Python: `TypeError: cannot create weak reference to 'int' object` (checklist item 90).
    let _d: WeakValueDictionary<u32, i32> = WeakValueDictionary::new();
}
