use weakref_core::{Obj, Weakrefable, forward, proxy};

// A malformed wrapper name is reported once: the wrapper is still generated under its default
// name, so the code that names it, and the `#[forward]` block, raise no follow-up error.
#[derive(Weakrefable)]
#[weakref(proxy = "not a name")]
struct Node {
    name: String,
}

#[forward]
impl Node {
    fn len(&self) -> usize {
        self.name.len()
    }
}

fn main() {
    let node = Obj::new(Node { name: "n".into() });
    let p: NodeProxy = proxy(&node);
    let _ = p.len();
}
