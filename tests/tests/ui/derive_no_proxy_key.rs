use weakref_core::Weakrefable;

// Going without a wrapper is the default; there is no key for it.
#[derive(Weakrefable)]
#[weakref(no_proxy)]
struct Node {
    name: String,
}

fn main() {}
