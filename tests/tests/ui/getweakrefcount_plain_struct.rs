use weakref_core::{Obj, getweakrefcount};

struct Plain {
    value: u8,
}

fn main() {
    let plain = Obj::new(Plain { value: 1 });
    assert_eq!(plain.value, 1);
    let _count = getweakrefcount(&plain);
}
