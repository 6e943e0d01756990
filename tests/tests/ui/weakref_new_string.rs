use weakref_core::{Obj, WeakRef};

fn main() {
    let text = Obj::new(String::from("text"));
    let _weak = WeakRef::new(&text);
}
