use weakref_core::{Weakrefable, forward};

#[derive(Weakrefable)]
#[weakref(proxy)]
struct Counter {
    count: u32,
}

// A proxy reaches a shared object: it can lend `&Counter`, never `&mut Counter`.
#[forward]
impl Counter {
    fn bump(&mut self) -> u32 {
        self.count += 1;
        self.count
    }
}

fn main() {}
