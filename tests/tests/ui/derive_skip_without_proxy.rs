use weakref_core::Weakrefable;

// `skip` leaves a field's accessor out of the wrapper; without `proxy` there is none.
#[derive(Weakrefable)]
struct Node {
    #[weakref(skip)]
    secret: String,
}

fn main() {}
