use weakref_core::{Obj, WeakProxy};

// A type without `#[derive(Weakrefable)]` has no weak proxies either.
struct Plain {
    id: u32,
}

fn main() {
    let plain = Obj::new(Plain { id: 1 });
    let _proxy = WeakProxy::new(&plain);
    let _ = plain.id;
}
