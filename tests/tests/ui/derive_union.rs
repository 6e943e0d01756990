use weakref_core::Weakrefable;

#[derive(Weakrefable)]
union Bits {
    int: u32,
    float: f32,
}

// The derive still implements the trait, so using it here adds no follow-up error.
fn _weakrefable<T: Weakrefable>() {}
fn _uses_bits() {
    _weakrefable::<Bits>();
}

fn main() {}
