use weakref_core::{Obj, getweakrefcount};

fn main() {
    let five = Obj::new(5_i32);
    let _count = getweakrefcount(&five);
}
