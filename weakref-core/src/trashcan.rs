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
    let ran = NESTING.try_with(|nesting| {
        let outer = nesting.depth.get();
        if outer >= MAX_DEPTH {
            QUEUE.with(|queue| queue.borrow_mut().push(Deferred { object, finish }));
            nesting.queued.set(true);
            return;
        }
        nesting.depth.set(outer + 1);
        let guard = DepthGuard { nesting, outer };
        // SAFETY: our caller allows one call of `finish(object)`.
        unsafe { finish(object) };
        if outer == 0 && nesting.queued.get() {
            run_queued(nesting);
        }
        drop(guard);
    });
    if ran.is_err() {
        // The thread is tearing down its thread-locals: run without stack protection.
        // SAFETY: our caller allows one call of `finish(object)`; the closure above did not
        // run, so it has not been called.
        unsafe { finish(object) };
    }
}

/// Finishes the queued deaths, each at depth 1, from the outermost death on this thread.
///
/// If one of their destructors panics, the rest stay queued for the next outermost death on
/// this thread rather than running during the unwind.
#[cold]
#[inline(never)]
fn run_queued(nesting: &Nesting) {
    while let Some(next) = QUEUE.with(|queue| queue.borrow_mut().pop()) {
        // SAFETY: `next` was queued by `run_or_defer`, whose caller allowed one call of
        // `finish(object)`, and popping it guarantees it runs only this once.
        unsafe { (next.finish)(next.object) };
    }
    nesting.queued.set(false);
}
