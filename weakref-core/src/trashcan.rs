//! Stack-safe teardown of long ownership chains (CPython's "trashcan").
//!
//! When an object dies its value is dropped, which may drop the last handle of the next object,
//! and so on: a linked list of a million objects would recurse a million frames deep and
//! overflow the stack, as dropping a chain of `Arc`s does. Every death therefore goes through
//! [`run_or_defer`]. Up to [`MAX_DEPTH`] deaths nest on the stack as usual; a death deeper than
//! that is queued on the thread, and the outermost death runs the queue once its own work is
//! done, each queued death again starting at depth one.
//!
//! A queued object is already dead (its strong count is zero, so upgrades fail), only its
//! callbacks and its value's destructor wait. They run before the outermost `drop` returns,
//! so from the caller's point of view the whole chain is gone when its own `drop` returns.

use core::cell::{Cell, RefCell};
use core::ptr::NonNull;

/// How many deaths may nest on the stack before further ones are queued. Each level costs a
/// few hundred bytes of stack (the value's drop glue plus the death protocol), so this stays
/// far below a 2 MiB thread stack even with large drop frames.
const MAX_DEPTH: usize = 64;

/// A death waiting for the stack to unwind: the object and the function that finishes it.
struct Deferred {
    object: NonNull<()>,
    finish: unsafe fn(NonNull<()>),
}

/// This thread's deaths in progress.
struct Nesting {
    /// How many deaths are running on this thread's stack.
    depth: Cell<usize>,
    /// Whether [`QUEUE`] may hold deaths; checked by every outermost death, so it lives here
    /// rather than in the queue's own thread-local (which has a destructor to register).
    queued: Cell<bool>,
}

crate::loom::const_thread_local! {
    static NESTING: Nesting = Nesting {
        depth: Cell::new(0),
        queued: Cell::new(false),
    };
    /// Deaths queued because they would have nested deeper than `MAX_DEPTH`.
    static QUEUE: RefCell<Vec<Deferred>> = RefCell::new(Vec::new());
}

/// Restores the depth when a death finishes, also when its value's destructor panics.
struct DepthGuard<'a> {
    nesting: &'a Nesting,
    outer: usize,
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.nesting.depth.set(self.outer);
        if self.outer == 0 && self.nesting.queued.get() {
            // Only reached while unwinding (the normal path drains before the guard drops):
            // a destructor panicked with deaths still queued. Nobody else would finish them,
            // so finish them now, reporting any further panic instead of aborting.
            drain_during_unwind(self.nesting);
        }
    }
}

/// Runs `finish(object)` now, or queues it if the stack already holds [`MAX_DEPTH`] deaths.
///
/// # Safety
///
/// `finish(object)` must be sound to call once, at any later point on this thread, and the
/// caller must not touch `object` again.
#[inline]
pub(crate) unsafe fn run_or_defer(object: NonNull<()>, finish: unsafe fn(NonNull<()>)) {
    let handled = NESTING.try_with(|nesting| {
        let outer = nesting.depth.get();
        if outer >= MAX_DEPTH && enqueue(Deferred { object, finish }) {
            nesting.queued.set(true);
            return;
        }
        // Below the bound, or the queue is already gone because the thread is destroying its
        // thread-locals: then the death runs here, without stack protection.
        nesting.depth.set(outer + 1);
        let guard = DepthGuard { nesting, outer };
        // SAFETY: our caller allows one call of `finish(object)`, and it was not queued.
        unsafe { finish(object) };
        if outer == 0 && nesting.queued.get() {
            run_queued(nesting);
        }
        drop(guard);
    });
    if handled.is_err() {
        // `NESTING` has no destructor, so this only happens where a platform cannot reach
        // thread-locals at all any more.
        // SAFETY: our caller allows one call of `finish(object)`; the closure above did not
        // run, so it has not been called.
        unsafe { finish(object) };
    }
}

/// Queues a death; `false` if the queue is gone (the thread is destroying its locals).
fn enqueue(deferred: Deferred) -> bool {
    QUEUE
        .try_with(|queue| queue.borrow_mut().push(deferred))
        .is_ok()
}

/// Takes the most recently queued death, if any.
fn dequeue() -> Option<Deferred> {
    QUEUE
        .try_with(|queue| queue.borrow_mut().pop())
        .ok()
        .flatten()
}

/// Finishes the queued deaths, each at depth 1, from the outermost death on this thread.
#[cold]
#[inline(never)]
fn run_queued(nesting: &Nesting) {
    while let Some(next) = dequeue() {
        // SAFETY: `next` was queued by `run_or_defer`, whose caller allowed one call of
        // `finish(object)`, and dequeuing it guarantees it runs only this once.
        unsafe { (next.finish)(next.object) };
    }
    nesting.queued.set(false);
}

/// [`run_queued`] for a thread that is unwinding: each death's panic is caught and reported,
/// since a second panic escaping a destructor during an unwind would abort the process.
#[cold]
#[inline(never)]
fn drain_during_unwind(nesting: &Nesting) {
    nesting.depth.set(1);
    while let Some(next) = dequeue() {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: as in `run_queued`: dequeued, so it runs only this once.
            unsafe { (next.finish)(next.object) }
        }));
        if let Err(payload) = outcome {
            crate::unraisable::report("value destructor", &DeferredDeath, payload);
        }
    }
    nesting.queued.set(false);
    nesting.depth.set(0);
}

/// What the unraisable report names when a queued death panics during an unwind.
struct DeferredDeath;

impl core::fmt::Debug for DeferredDeath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<object whose death was deferred by the trashcan>")
    }
}
