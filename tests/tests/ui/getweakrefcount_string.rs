use weakref_core::{Obj, getweakrefcount};

fn main() {
    let text = Obj::new(String::from("text"));
    let _count = getweakrefcount(&text);
}
