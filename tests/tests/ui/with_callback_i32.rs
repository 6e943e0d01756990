use weakref_core::{Obj, WeakRef};

fn main() {
    let five = Obj::new(5_i32);
    let _weak = WeakRef::with_callback(&five, |_: &WeakRef<i32>| {});
}
