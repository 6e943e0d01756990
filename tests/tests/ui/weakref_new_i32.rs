use weakref_core::{Obj, WeakRef};

fn main() {
    let five = Obj::new(5_i32);
    let _weak = WeakRef::new(&five);
}
