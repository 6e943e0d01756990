use weakref_core::{Obj, WeakRef};

struct Plain {
    value: u8,
}

fn main() {
    let plain = Obj::new(Plain { value: 1 });
    assert_eq!(plain.value, 1);
    let _weak = WeakRef::new(&plain);
}
