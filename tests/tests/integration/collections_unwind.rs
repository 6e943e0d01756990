//! A key's `Eq` that panics while it holds the last strong handle of a stored key: the key
//! must die after the collection's lock is released, so its destructor may use the collection.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};

static DICT: OnceLock<Arc<WeakKeyDictionary<Key, u32>>> = OnceLock::new();
/// The only strong handle of the stored key, until `Key::eq` drops it.
static STASH: Mutex<Option<Obj<Key>>> = Mutex::new(None);

#[derive(Weakrefable)]
struct Key(u32);

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        // The lookup now holds the stored key's only strong handle...
        drop(STASH.lock().unwrap().take());
        // ...and the comparison fails.
        assert_ne!(self.0, other.0, "Eq panics");
        false
    }
}

impl Eq for Key {}

impl Drop for Key {
    fn drop(&mut self) {
        if let Some(dict) = DICT.get() {
            // A destructor that looks at the dictionary: it would deadlock under its lock.
            let _ = dict.len();
        }
    }
}

#[test]
fn a_panicking_eq_drops_its_temporaries_after_the_lock() {
    let dict = Arc::new(WeakKeyDictionary::<Key, u32>::new());
    assert!(DICT.set(Arc::clone(&dict)).is_ok());
    let stored = Obj::new(Key(1));
    dict.insert(&stored, 10);
    *STASH.lock().unwrap() = Some(stored);
    let (done, finished) = mpsc::channel();
    let lookup = Arc::clone(&dict);
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| lookup.get(&Key(1)));
        done.send(outcome.is_err()).unwrap();
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(panicked) => assert!(panicked, "the Eq panic reaches the caller"),
        Err(_) => panic!("deadlock: the key died under the table lock and its Drop re-locked it"),
    }
    assert_eq!(dict.len(), 0, "the stored key died, so its entry left");
}
