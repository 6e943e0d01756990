use std::rc::Rc;
use weakref_core::{finalize, Obj, Weakrefable};

#[derive(Weakrefable)]
struct Resource;

fn main() {
    let resource = Obj::new(Resource);
    let local = Rc::new(0);
    let _cleanup = finalize(&resource, move || drop(local));
}
