//! `unsync` exit finalizers of a thread other than the initial one run when that thread ends,
//! whatever the thread is called.

use std::sync::atomic::{AtomicUsize, Ordering};

use weakref_core::{Weakrefable, unsync};

#[derive(Weakrefable)]
struct Resource;

static RAN: AtomicUsize = AtomicUsize::new(0);

/// Makes an object that outlives its thread (leaked), so its finalizer is an exit one.
fn leave_a_pending_finalizer() {
    let obj = unsync::Obj::new(Resource);
    let finalizer = unsync::finalize(&obj, || {
        RAN.fetch_add(1, Ordering::SeqCst);
    });
    std::mem::forget(obj);
    drop(finalizer);
}

#[test]
fn thread_end_runs_unsync_exit_finalizers_even_for_a_thread_named_main() {
    for (name, expected) in [("worker", 1), ("main", 2)] {
        std::thread::Builder::new()
            .name(name.into())
            .spawn(leave_a_pending_finalizer)
            .expect("spawn")
            .join()
            .expect("the thread ends normally");
        assert_eq!(RAN.load(Ordering::SeqCst), expected, "thread {name:?}");
    }
}
