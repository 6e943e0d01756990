//! Stack-safe teardown of long ownership chains (CPython's "trashcan").
//!
//! When an object dies its value is dropped, which may drop the last handle of the next object,
//! and so on: a linked list of a million objects would recurse a million frames deep and
//! overflow the stack, as dropping a chain of `Arc`s does. Every death therefore goes through
//! [`run_or_defer`]. Up to [`MAX_DEPTH`] deaths nest on the stack as usual; a death deeper than
//! that is queued, and the outermost death runs the queue once its own work is done, each
//! queued death again starting at depth one.
//!
//! The queue belongs to the outermost death: it is a local of that death's frame, which a
//! destructor-free thread-local points to while the death runs. No thread-local destructor can
//! take it away, so the protection holds in every phase of a thread's life, including while
//! its thread-locals are destroyed and while the process runs its exit handlers.
//!
//! A queued object is already dead (its strong count is zero, so upgrades fail), only its
//! callbacks and its value's destructor wait. They run before the outermost `drop` returns,
//! so from the caller's point of view the whole chain is gone when its own `drop` returns.

use core::cell::Cell;
use core::ptr;

/// How many deaths may nest on the stack before further ones are queued. Each level costs a
/// few hundred bytes of stack (the value's drop glue plus the death protocol), so this stays
/// far below a 2 MiB thread stack even with large drop frames.
const MAX_DEPTH: usize = 64;

/// A death waiting for the stack to unwind.
type Deferred = Box<dyn FnOnce()>;

/// The deaths in progress on this thread.
///
/// It has no destructor, so it can be reached for as long as the thread runs code.
struct Nesting {
    /// How many deaths are running on this thread's stack.
    depth: Cell<usize>,
    /// The queue of the outermost death, a local of its frame; null when no death runs.
    queue: Cell<*mut Vec<Deferred>>,
}

crate::loom::const_thread_local! {
    static NESTING: Nesting = Nesting {
        depth: Cell::new(0),
        queue: Cell::new(ptr::null_mut()),
    };
}

/// Runs `finish` now, or queues it if the stack already holds [`MAX_DEPTH`] deaths.
///
/// # Safety
///
/// `finish` must be sound to call at any later point on this thread before the outermost
/// death running now returns (it may outlive the lifetimes it captures by that much).
#[inline]
pub(crate) unsafe fn run_or_defer<'a>(finish: impl FnOnce() + 'a) {
    let handled = NESTING.try_with(|nesting| {
        let outer = nesting.depth.get();
        if outer == 0 {
            // SAFETY: forwarded from our caller.
            unsafe { run_outermost(nesting, finish) };
        } else if outer < MAX_DEPTH {
            nesting.depth.set(outer + 1);
            let guard = DepthGuard { nesting, outer };
            finish();
            drop(guard);
        } else {
            let deferred: Box<dyn FnOnce() + 'a> = Box::new(finish);
            // SAFETY: only the lifetime changes. The queue is drained before the outermost
            // death returns, which our caller allows `finish` to be called until.
            let deferred: Deferred = unsafe { core::mem::transmute(deferred) };
            let queue = nesting.queue.get();
            // `depth > 0`, so an outermost death is running on this thread and `queue` points
            // to its queue, a local of its frame that lives until it returns; the outermost
            // death only touches it between deaths, through this same pointer.
            // SAFETY: so the queue is live and nobody else holds a reference to it now.
            unsafe { (*queue).push(deferred) };
        }
    });
    if let Err(unreachable) = handled {
        // `NESTING` has no destructor, so it is reachable for as long as the thread runs.
        unreachable!("the trashcan's thread-local is gone: {unreachable}");
    }
}

/// Runs `finish` as the outermost death, then the deaths it queued.
///
/// # Safety
///
/// As for [`run_or_defer`].
#[inline]
unsafe fn run_outermost(nesting: &Nesting, finish: impl FnOnce()) {
    let mut queue: Vec<Deferred> = Vec::new();
    // Every later access to the queue, here and in nested deaths, goes through this pointer.
    let queue = ptr::addr_of_mut!(queue);
    nesting.queue.set(queue);
    nesting.depth.set(1);
    let guard = OutermostGuard { nesting, queue };
    finish();
    loop {
        // SAFETY: `queue` points to our local; no reference to it outlives this statement.
        let Some(next) = (unsafe { (*queue).pop() }) else {
            break;
        };
        // Each queued death starts again at depth 1 (its own frame).
        next();
    }
    drop(guard);
}

/// Restores the depth when a nested death finishes, also when its value's destructor panics.
struct DepthGuard<'a> {
    nesting: &'a Nesting,
    outer: usize,
}

impl Drop for DepthGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.nesting.depth.set(self.outer);
    }
}

/// Ends the outermost death: finishes what is still queued (only when a destructor panicked
/// out of it) and clears the thread's nesting.
struct OutermostGuard<'a> {
    nesting: &'a Nesting,
    queue: *mut Vec<Deferred>,
}

impl Drop for OutermostGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: `queue` points to the outermost death's local, which outlives this guard.
        if !unsafe { (*self.queue).is_empty() } {
            // A destructor panicked with deaths still queued. Nobody else would finish them,
            // so finish them now, reporting any further panic instead of aborting.
            drain_during_unwind(self.nesting, self.queue);
        }
        self.nesting.queue.set(ptr::null_mut());
        self.nesting.depth.set(0);
    }
}

/// Finishes the queued deaths of an outermost death that is unwinding: each death's panic is
/// caught and reported, since a second panic escaping a destructor during an unwind would
/// abort the process.
#[cold]
#[inline(never)]
fn drain_during_unwind(nesting: &Nesting, queue: *mut Vec<Deferred>) {
    loop {
        nesting.depth.set(1);
        // SAFETY: as in `OutermostGuard::drop`; no reference outlives this statement.
        let Some(next) = (unsafe { (*queue).pop() }) else {
            break;
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(next));
        if let Err(payload) = outcome {
            crate::unraisable::report("value destructor", &DeferredDeath, payload);
        }
    }
}

/// Runs `f` as if no death were running on this thread, then restores the nesting.
///
/// For code that runs where a death may have been cut short without unwinding: the exit
/// handlers, when `std::process::exit` was called from a callback or a destructor. Deaths that
/// `f` causes then get a queue of their own instead of one that will never be drained.
#[cfg(not(any(miri, loom)))]
pub(crate) fn with_fresh_stack<R>(f: impl FnOnce() -> R) -> R {
    let Ok(saved) = NESTING.try_with(|nesting| {
        let saved = (nesting.depth.get(), nesting.queue.get());
        nesting.depth.set(0);
        nesting.queue.set(ptr::null_mut());
        saved
    }) else {
        return f();
    };
    struct Restore((usize, *mut Vec<Deferred>));
    impl Drop for Restore {
        fn drop(&mut self) {
            let (depth, queue) = self.0;
            let _ = NESTING.try_with(|nesting| {
                nesting.depth.set(depth);
                nesting.queue.set(queue);
            });
        }
    }
    let _restore = Restore(saved);
    f()
}

/// What the unraisable report names when a queued death panics during an unwind.
struct DeferredDeath;

impl core::fmt::Debug for DeferredDeath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<object whose death was deferred by the trashcan>")
    }
}
