use weakref_core::unsync::{finalize, Obj, Weakrefable};

#[derive(Weakrefable)]
struct Resource;

fn main() {
    let resource = Obj::new(Resource);
    let cleanup = finalize(&resource, || ());
    std::thread::spawn(move || {
        let _cleanup = cleanup;
    });
}
