//! Objects of trait-object and slice type, in both flavors: `sync` (the crate root) and
//! `unsync`. Below them, what only the thread-safe flavor has to show: trait objects shared
//! between threads.

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    /// What the thread-safe flavor's objects of trait-object type look like.
    type DynObserver = dyn Observer + Send + Sync;

    include!("flavored/dyn_objects.rs");
}

/// The single-threaded flavor.
// The shared code uses `Arc` so that its callbacks are `Send` for the thread-safe flavor; here
// the weak references inside are not `Send`, which that lint points out.
#[allow(clippy::arc_with_non_send_sync)]
mod unsync {
    use weakref_core::unsync as wr;

    type DynObserver = dyn Observer;

    include!("flavored/dyn_objects.rs");
}

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;

use weakref_core::{Obj, WeakRef, Weakrefable, coerce};

trait Counter: Weakrefable + Send + Sync {
    fn bump(&self) -> usize;
}

#[derive(Weakrefable, Default)]
struct Hits(AtomicUsize);

impl Counter for Hits {
    fn bump(&self) -> usize {
        self.0.fetch_add(1, SeqCst) + 1
    }
}

/// Threads upgrade a `WeakRef<dyn Counter>` while another drops the last handles; the callback
/// made through the concrete view runs once.
#[test]
fn trait_objects_cross_threads() {
    const THREADS: usize = if cfg!(miri) { 2 } else { 4 };
    let calls = Arc::new(AtomicUsize::new(0));
    let hits = Obj::new(Hits::default());
    let counter = Arc::clone(&calls);
    let _watch = WeakRef::with_callback(&hits, move |_| {
        counter.fetch_add(1, SeqCst);
    });
    let shared: Obj<dyn Counter> = coerce!(hits);
    let weak: WeakRef<dyn Counter> = WeakRef::new(&shared);
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (weak, barrier) = (weak.clone(), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut bumps = 0;
                while let Some(counter) = weak.upgrade() {
                    counter.bump();
                    bumps += 1;
                    if bumps == 50 {
                        break;
                    }
                }
            })
        })
        .collect();
    barrier.wait();
    drop(shared);
    for worker in workers {
        worker.join().unwrap();
    }
    assert!(weak.upgrade().is_none());
    assert_eq!(calls.load(SeqCst), 1);
}
