use weakref_core::Obj;

// CPython: `weakref.proxy(5)` raises TypeError: cannot create weak reference to 'int' object.
fn main() {
    let five = Obj::new(5_i32);
    let _proxy = weakref_core::proxy(&five);
}
