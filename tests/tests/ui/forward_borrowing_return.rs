use std::sync::{Mutex, MutexGuard};

use weakref_core::{Weakrefable, forward};

#[derive(Weakrefable)]
#[weakref(proxy)]
struct Log {
    lines: Mutex<Vec<String>>,
}

// The guard borrows the object, and would outlive the proxy's temporary strong handle.
#[forward]
impl Log {
    fn lines(&self) -> MutexGuard<'_, Vec<String>> {
        self.lines.lock().unwrap()
    }
}

fn main() {}
