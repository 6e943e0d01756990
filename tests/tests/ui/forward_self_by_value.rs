use weakref_core::{Weakrefable, forward};

#[derive(Weakrefable)]
#[weakref(proxy)]
struct Session {
    token: String,
}

// A proxy only ever lends its object; it cannot give it away.
#[forward]
impl Session {
    fn into_token(self) -> String {
        self.token
    }
}

fn main() {}
