//! Thread-safety of the crate-root flavor: `Send`/`Sync`, races between upgrades and the last
//! drop, concurrent creation of the shared reference, and where callbacks run.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use weakref_core::{Obj, WeakRef, Weakrefable, getweakrefcount, getweakrefs};

/// Threads per race.
const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
/// Rounds per race.
const ROUNDS: usize = if cfg!(miri) { 4 } else { 300 };

/// Upgrades per thread and round in the upgrade race.
const UPGRADES: usize = if cfg!(miri) { 3 } else { 50 };

/// A referent that counts its drops.
#[derive(Weakrefable)]
struct Tracked {
    drops: Arc<AtomicUsize>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

#[derive(Weakrefable)]
struct Plain;

fn assert_send_sync<T: Send + Sync>() {}

// Like `Arc<T>`: handles of a `Send + Sync` value are `Send + Sync`. The negative cases
// (`Obj<Cell<i32>>`, the `unsync` types, non-`Send` callbacks) are compile-fail tests in
// tests/ui/.
#[test]
fn obj_and_weakref_are_send_and_sync() {
    assert_send_sync::<Obj<Plain>>();
    assert_send_sync::<WeakRef<Plain>>();
    assert_send_sync::<Obj<Mutex<Vec<u8>>>>();
    assert_send_sync::<WeakRef<Tracked>>();
    assert_send_sync::<Obj<String>>();
}

// Item 145 / design: an upgrade racing the last drop either gets a live object or `None`, the
// object dies exactly once, and its callback runs exactly once.
#[test]
fn upgrade_racing_the_last_drop_calls_back_once() {
    for _ in 0..ROUNDS {
        let drops = Arc::new(AtomicUsize::new(0));
        let calls = Arc::new(AtomicUsize::new(0));
        let o = Obj::new(Tracked {
            drops: Arc::clone(&drops),
        });
        let sink = Arc::clone(&calls);
        let watched = WeakRef::with_callback(&o, move |_| {
            sink.fetch_add(1, SeqCst);
        });
        let start = Barrier::new(THREADS + 1);
        thread::scope(|s| {
            for _ in 0..THREADS {
                let watched = watched.clone();
                let (start, drops) = (&start, &drops);
                s.spawn(move || {
                    start.wait();
                    for _ in 0..UPGRADES {
                        let Some(strong) = watched.upgrade() else {
                            break; // dead for good
                        };
                        assert_eq!(
                            drops.load(SeqCst),
                            0,
                            "an upgrade never sees a dropped value"
                        );
                        drop(strong); // may be the last handle
                    }
                });
            }
            start.wait();
            drop(o);
        });
        assert_eq!(calls.load(SeqCst), 1, "the callback ran exactly once");
        assert_eq!(drops.load(SeqCst), 1, "the value was dropped exactly once");
        assert!(watched.upgrade().is_none());
    }
}

// Item 4 under threads: the shared reference made from several threads at once is one
// weak-reference object.
#[test]
fn shared_ref_made_from_many_threads_is_one_object() {
    for _ in 0..ROUNDS {
        let o = Obj::new(Plain);
        let start = Barrier::new(THREADS);
        let refs: Vec<WeakRef<Plain>> = thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (o, start) = (&o, &start);
                    s.spawn(move || {
                        start.wait();
                        WeakRef::new(o)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert!(refs.iter().all(|r| r.ptr_eq(&refs[0])));
        assert_eq!(getweakrefcount(&o), 1);
    }
}

// Callback references registered from many threads at once are all registered, distinct, and
// each calls back once.
#[test]
fn callback_refs_made_from_many_threads_all_call_back() {
    for _ in 0..ROUNDS {
        let calls = Arc::new(AtomicUsize::new(0));
        let o = Obj::new(Plain);
        let start = Barrier::new(THREADS);
        let refs: Vec<WeakRef<Plain>> = thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (o, start, calls) = (&o, &start, &calls);
                    s.spawn(move || {
                        start.wait();
                        let sink = Arc::clone(calls);
                        let shared = WeakRef::new(o);
                        let own = WeakRef::with_callback(o, move |_| {
                            sink.fetch_add(1, SeqCst);
                        });
                        drop(shared);
                        own
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_eq!(getweakrefcount(&o), THREADS);
        assert_eq!(getweakrefs(&o).len(), THREADS);
        for (i, a) in refs.iter().enumerate() {
            assert!(refs[i + 1..].iter().all(|b| !a.ptr_eq(b)));
        }
        drop(o);
        assert_eq!(calls.load(SeqCst), THREADS);
    }
}

// Design "Death, in order": callbacks run on the thread where the last handle dropped, not where
// they were registered.
#[test]
fn callbacks_run_on_the_thread_where_the_object_died() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let o = Obj::new(Plain);
    let registered_on = thread::current().id();
    let sink = Arc::clone(&seen);
    let watched = WeakRef::with_callback(&o, move |_| {
        sink.lock().unwrap().push(thread::current().id());
    });
    let other = o.clone();
    drop(o); // not the last handle
    let died_on = thread::spawn(move || {
        drop(other);
        thread::current().id()
    })
    .join()
    .unwrap();
    assert_ne!(died_on, registered_on);
    assert_eq!(*seen.lock().unwrap(), [died_on]);
    assert!(!watched.is_alive());
}

// The same the other way round: registered on a worker thread, the object dies on this one.
#[test]
fn callbacks_registered_elsewhere_run_where_the_object_dies() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let o = Obj::new(Plain);
    let sink = Arc::clone(&seen);
    let watched = thread::scope(|s| {
        s.spawn(|| {
            WeakRef::with_callback(&o, move |_| {
                sink.lock().unwrap().push(thread::current().id());
            })
        })
        .join()
        .unwrap()
    });
    drop(o);
    assert_eq!(*seen.lock().unwrap(), [thread::current().id()]);
    assert!(!watched.is_alive());
}

// Weak references dropped on other threads while the object dies: every reference whose handle
// is still held when clearing starts calls back once, the others never.
#[test]
fn refs_dropped_concurrently_with_the_death_call_back_at_most_once() {
    for _ in 0..ROUNDS {
        let calls: Vec<Arc<AtomicUsize>> = (0..THREADS)
            .map(|_| Arc::new(AtomicUsize::new(0)))
            .collect();
        let o = Obj::new(Plain);
        let refs: Vec<_> = calls
            .iter()
            .map(|c| {
                let sink = Arc::clone(c);
                WeakRef::with_callback(&o, move |_| {
                    sink.fetch_add(1, SeqCst);
                })
            })
            .collect();
        let start = Barrier::new(THREADS + 1);
        thread::scope(|s| {
            for r in refs {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    drop(r);
                });
            }
            start.wait();
            drop(o);
        });
        assert!(calls.iter().all(|c| c.load(SeqCst) <= 1));
    }
}
