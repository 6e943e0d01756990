use weakref_core::{Weakrefable, forward};

// Without `#[weakref(proxy)]` the derive generates no wrapper for `#[forward]` to extend.
#[derive(Weakrefable)]
struct Playlist {
    songs: Vec<String>,
}

#[forward]
impl Playlist {
    fn len(&self) -> usize {
        self.songs.len()
    }
}

fn main() {}
