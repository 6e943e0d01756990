//! Where pending finalizers live until they run, and what runs them at exit.
//!
//! A finalizer must outlive every handle to it (Python keeps it in `finalize._registry`), so
//! each pending one is owned by the registry, one map for the whole process keyed by a
//! creation counter, so that "newest first" holds across both flavors.
//!
//! [`unsync`](crate::unsync) finalizers may hold data that must stay on its thread. Their
//! entries are [`ThreadBound`]: tagged with the owning thread and only ever touched — read,
//! run, dropped — on that thread. They run at exit when the owning thread is the one that
//! exits the process, and when any other owning thread ends.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::mem::ManuallyDrop;
#[cfg(not(any(miri, loom)))]
use std::panic::AssertUnwindSafe;
use std::panic::catch_unwind;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};
use std::thread::ThreadId;

/// A registered finalizer, as the registry sees it.
pub trait Pending {
    /// Whether it wants to run at exit.
    fn atexit(&self) -> bool;
    /// Runs it because the program (or its thread) is exiting, if it has not run or been
    /// detached; a panic is reported, not propagated.
    fn run_at_exit(&self);
}

/// A thread-safe finalizer's entry.
pub(crate) struct ThreadSafe(Arc<dyn Pending>);

impl ThreadSafe {
    /// # Safety
    ///
    /// The finalizer behind `entry` is `Send + Sync`.
    pub(crate) unsafe fn new(entry: Arc<dyn Pending>) -> Self {
        Self(entry)
    }
}

// SAFETY: `ThreadSafe::new` requires the finalizer to be `Send + Sync`.
unsafe impl Send for ThreadSafe {}
// SAFETY: as for `Send`.
unsafe impl Sync for ThreadSafe {}

/// An `unsync` finalizer's entry: usable only on the thread that made it.
struct ThreadBound {
    owner: ThreadId,
    entry: ManuallyDrop<Rc<dyn Pending>>,
}

// SAFETY: a `ThreadBound` moves between threads only inside the registry's map; its `Rc` is
// cloned, dereferenced and dropped only after checking `owner` against the current thread
// (`Entry::for_thread`, `Drop`), so all its uses happen on the thread that created it.
unsafe impl Send for ThreadBound {}

impl Drop for ThreadBound {
    fn drop(&mut self) {
        if Some(self.owner) == current_thread() {
            // SAFETY: dropped once, here, on the owning thread.
            unsafe { ManuallyDrop::drop(&mut self.entry) };
        }
        // On any other thread (which only the registry's own bugs could cause) the entry is
        // leaked rather than touched.
    }
}

/// A registry entry of either flavor.
enum Entry {
    Shared(ThreadSafe),
    Local(ThreadBound),
}

impl Entry {
    /// The finalizer, if this thread may use it.
    fn for_thread(&self, me: Option<ThreadId>) -> Option<&dyn Pending> {
        match self {
            Entry::Shared(entry) => Some(&*entry.0),
            Entry::Local(bound) if Some(bound.owner) == me => Some(&**bound.entry),
            Entry::Local(_) => None,
        }
    }

    fn is_local_to(&self, me: ThreadId) -> bool {
        matches!(self, Entry::Local(bound) if bound.owner == me)
    }
}

static REGISTRY: Mutex<BTreeMap<u64, Entry>> = Mutex::new(BTreeMap::new());

fn registry() -> MutexGuard<'static, BTreeMap<u64, Entry>> {
    // No user code runs under this lock (entries leave it before they run or drop), so a
    // poisoned lock still holds consistent data.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The current thread, as the registry needs to know it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ThisThread {
    id: ThreadId,
    /// The process's initial thread: its locals are destroyed as the process exits.
    is_main: bool,
}

std::thread_local! {
    /// This thread, cached in a destructor-free thread-local so it can be read even while
    /// the thread's other thread-locals are being destroyed.
    static THREAD: Cell<Option<ThisThread>> = const { Cell::new(None) };
    /// Runs this thread's pending `unsync` exit finalizers when a thread other than `main`
    /// ends. Created with the thread's first `unsync` finalizer.
    static THREAD_END: ThreadEnd = const { ThreadEnd };
}

/// The current thread, if it can still be known.
fn this_thread() -> Option<ThisThread> {
    THREAD
        .try_with(|cached| {
            if cached.get().is_none() {
                // `std::thread::current` may panic once the thread's own locals are gone (at
                // exit, in a thread-local destructor): then the thread stays unknown, and only
                // what needs no thread (the thread-safe finalizers) runs.
                let current = catch_unwind(std::thread::current).ok()?;
                cached.set(Some(ThisThread {
                    id: current.id(),
                    is_main: is_initial_thread(&current),
                }));
            }
            cached.get()
        })
        .ok()
        .flatten()
}

/// Whether `current` is the process's initial thread, whose locals are destroyed as the
/// process exits (so its exit finalizers wait for the exit hook).
#[cfg(all(target_os = "linux", not(miri)))]
fn is_initial_thread(_current: &std::thread::Thread) -> bool {
    unsafe extern "C" {
        fn gettid() -> core::ffi::c_int;
        fn getpid() -> core::ffi::c_int;
    }
    // SAFETY: both are plain system-call wrappers with no preconditions. On Linux the initial
    // thread is the one whose thread id equals the process id, whatever it is named.
    unsafe { gettid() == getpid() }
}

/// Whether `current` is the process's initial thread; where the system cannot tell, the one
/// std names `main`.
#[cfg(not(all(target_os = "linux", not(miri))))]
fn is_initial_thread(current: &std::thread::Thread) -> bool {
    current.name() == Some("main")
}

fn current_thread() -> Option<ThreadId> {
    this_thread().map(|thread| thread.id)
}

/// The thread-end trigger of [`THREAD_END`].
struct ThreadEnd;

impl Drop for ThreadEnd {
    fn drop(&mut self) {
        // The main thread's locals are destroyed as the process exits, before the exit hook
        // runs; the hook runs its finalizers then, in order with the thread-safe ones.
        let Some(me) = this_thread() else { return };
        if me.is_main || !may_run_exit_finalizers() {
            return;
        }
        run_pending(Scope::ThreadEnd);
        // Whatever stays (not `atexit`) can never run now: release it on its own thread.
        let leftovers: Vec<Entry> = {
            let mut registry = registry();
            let ids: Vec<u64> = registry
                .iter()
                .filter(|(_, entry)| entry.is_local_to(me.id))
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| registry.remove(id)).collect()
        };
        drop(leftovers);
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// Set once exit finalizers have run: from then on every finalizer is inert.
static EXIT_DONE: AtomicBool = AtomicBool::new(false);
/// The process that installed the exit hook, so a forked child can tell it is one.
static OWNER_PID: AtomicU32 = AtomicU32::new(0);
static RUN_IN_FORKED_CHILD: AtomicBool = AtomicBool::new(false);
static INSTALL_EXIT_HOOK: Once = Once::new();

/// A new id, larger than every earlier one.
pub(crate) fn next_id() -> u64 {
    // Relaxed: only uniqueness and per-thread monotonicity are needed; the registry's lock
    // orders everything else.
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Whether exit finalizers have already run (finalizers are inert from then on).
pub(crate) fn exit_done() -> bool {
    // Acquire pairs with the Release in `run_exit_finalizers`.
    EXIT_DONE.load(Ordering::Acquire)
}

/// Whether this process may run the registered exit finalizers: it is the one that
/// registered them, or a forked child that opted in.
fn may_run_exit_finalizers() -> bool {
    // Relaxed: both are set long before they are read at exit; a stale value could only
    // affect a child that changes the setting while it exits.
    OWNER_PID.load(Ordering::Relaxed) == std::process::id()
        || RUN_IN_FORKED_CHILD.load(Ordering::Relaxed)
}

pub(crate) fn register_global(id: u64, entry: ThreadSafe) {
    install_exit_hook();
    registry().insert(id, Entry::Shared(entry));
}

pub(crate) fn register_local(id: u64, entry: Rc<dyn Pending>) {
    install_exit_hook();
    let Some(me) = this_thread() else {
        // The thread is tearing down: no exit is left to wait for, so the finalizer stays
        // registered only through its object (it still runs when the object dies).
        return;
    };
    // Make sure this thread's end runs its finalizers.
    let hooked = THREAD_END.try_with(|_| ()).is_ok();
    if !hooked && !me.is_main {
        // The thread's end already ran its finalizers: nothing would ever run this one at
        // exit, nor release its entry. It still runs if its object dies.
        return;
    }
    // The initial thread's locals are destroyed before the exit hook runs its finalizers;
    // one registered now (by another finalizer, say) still runs in that pass.
    let bound = ThreadBound {
        owner: me.id,
        entry: ManuallyDrop::new(entry),
    };
    registry().insert(id, Entry::Local(bound));
}

/// Removes a finalizer that ran or was detached.
pub(crate) fn unregister(id: u64) {
    let removed = registry().remove(&id);
    // Dropped after the lock is released: it may hold the last handle to user data.
    drop(removed);
}

/// Which exit is happening.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The process exits (or `run_exit_finalizers` was called): the thread-safe finalizers
    /// and this thread's `unsync` ones run.
    Process,
    /// A thread other than `main` ends: its `unsync` finalizers run.
    ThreadEnd,
}

/// Runs, newest first, the pending `atexit` finalizers of `scope`. The registry is read again
/// after each, so finalizers created by running ones are run too.
fn run_pending(scope: Scope) {
    let me = current_thread();
    while !exit_done() {
        let next = {
            let mut registry = registry();
            let id = registry
                .iter()
                .rev()
                .find(|(_, entry)| match entry {
                    Entry::Shared(shared) => scope == Scope::Process && shared.0.atexit(),
                    Entry::Local(_) => entry.for_thread(me).is_some_and(Pending::atexit),
                })
                .map(|(id, _)| *id);
            id.and_then(|id| registry.remove(&id))
        };
        let Some(entry) = next else { break };
        if let Some(pending) = entry.for_thread(me) {
            pending.run_at_exit();
        }
    }
}

/// Runs every pending finalizer whose `atexit` flag is set, newest first, then makes all
/// finalizers inert: Python's exit-time `finalize._exitfunc`.
///
/// This runs by itself when the process exits normally (returning from `main` or
/// `std::process::exit`); call it yourself where the program leaves another way, for example
/// before `std::process::abort`. It runs the thread-safe finalizers and the calling thread's
/// [`unsync`](crate::unsync) ones; `unsync` finalizers of other threads run when their
/// thread ends. After each finalizer the pending set is read again, so a finalizer created
/// by a running one runs too, before older ones. A panicking finalizer is reported through
/// the [unraisable hook](crate::set_unraisable_hook) and the rest still run. Calling it again
/// does nothing.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use weakref_core::{finalize, run_exit_finalizers, Obj, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct TempDir;
///
/// static REMOVED: AtomicBool = AtomicBool::new(false);
/// let dir = Obj::new(TempDir);
/// let cleanup = finalize(&dir, || REMOVED.store(true, Ordering::SeqCst));
/// run_exit_finalizers();
/// assert!(REMOVED.load(Ordering::SeqCst));
/// assert!(!cleanup.alive());
/// ```
pub fn run_exit_finalizers() {
    run_pending(Scope::Process);
    // Release pairs with the Acquire in `exit_done`.
    EXIT_DONE.store(true, Ordering::Release);
}

/// Whether a `fork`ed child runs its parent's exit finalizers when it exits (default: no,
/// like CPython, where a child that leaves with `os._exit` runs none). Returns the previous
/// setting.
pub fn set_exit_finalizers_in_forked_child(run: bool) -> bool {
    // Relaxed: a plain setting, read at exit on the thread that exits.
    RUN_IN_FORKED_CHILD.swap(run, Ordering::Relaxed)
}

#[cfg(not(any(miri, loom)))]
unsafe extern "C" {
    /// The C library's exit-handler registration (C99), which `exit` honours after `main`
    /// returns or on `std::process::exit`.
    fn atexit(handler: extern "C" fn()) -> core::ffi::c_int;
}

#[cfg(not(any(miri, loom)))]
extern "C" fn at_process_exit() {
    if !may_run_exit_finalizers() {
        return;
    }
    // A panic must not unwind out of an `extern "C"` function. `std::process::exit` may have
    // been called from inside a death, whose trashcan frame never resumes: exit-time deaths
    // get a trashcan of their own.
    let run = || crate::trashcan::with_fresh_stack(run_exit_finalizers);
    if let Err(payload) = catch_unwind(AssertUnwindSafe(run)) {
        core::mem::forget(payload);
    }
}

fn install_exit_hook() {
    INSTALL_EXIT_HOOK.call_once(|| {
        // Relaxed: read at exit, long after; `call_once` orders it for other threads anyway.
        OWNER_PID.store(std::process::id(), Ordering::Relaxed);
        // Miri cannot call C's `atexit`, and loom's primitives only work inside a model: under
        // either, exit finalizers run only when asked.
        #[cfg(not(any(miri, loom)))]
        {
            // SAFETY: `at_process_exit` is a plain `extern "C" fn()` that never unwinds,
            // which is all `atexit` asks of a handler.
            let status = unsafe { atexit(at_process_exit) };
            // Non-zero means the C library's table is full: finalizers then run only when
            // their objects die or through `run_exit_finalizers`.
            let _ = status;
        }
    });
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread::{self, ThreadId};

    use super::{Entry, registry};
    use crate::flavor::Unsync;
    use crate::generic::Obj;

    struct Resource;

    impl crate::Weakrefable for Resource {}

    thread_local! {
        /// Keeps the late finalizer's object alive until after `LATE` is gone (destroyed
        /// last: registered first).
        static KEEP: RefCell<Option<Obj<Resource, Unsync>>> = const { RefCell::new(None) };
        /// Makes the late finalizer when destroyed, after the thread-end hook.
        static LATE: Late = const { Late(Cell::new(None)) };
    }

    /// How many registry entries the thread under test had right after its late finalizer
    /// was made (`usize::MAX` until then).
    static SEEN: AtomicUsize = AtomicUsize::new(usize::MAX);

    /// Makes an `unsync` finalizer when the thread's locals are destroyed, after the thread-end
    /// hook already ran, on an object that outlives it.
    struct Late(Cell<Option<ThreadId>>);

    impl Drop for Late {
        fn drop(&mut self) {
            let obj = Obj::<Resource, Unsync>::new(Resource);
            let late = crate::finalize(&obj, || ());
            let me = self.0.get().expect("set when the thread started");
            SEEN.store(local_entries_of(me), Ordering::SeqCst);
            drop(late);
            KEEP.with(|keep| *keep.borrow_mut() = Some(obj));
        }
    }

    fn local_entries_of(owner: ThreadId) -> usize {
        registry()
            .values()
            .filter(|entry| matches!(entry, Entry::Local(bound) if bound.owner == owner))
            .count()
    }

    // Regression: such a finalizer was registered for good, although nothing would ever run
    // it at exit nor release its entry.
    #[test]
    fn an_unsync_finalizer_made_after_its_thread_end_is_not_registered() {
        thread::spawn(|| {
            // `KEEP` and `LATE` first, so that their destructors run after the thread-end
            // hook's (thread-locals are destroyed in reverse order of first use).
            KEEP.with(|_| ());
            LATE.with(|late| late.0.set(Some(thread::current().id())));
            let obj = Obj::<Resource, Unsync>::new(Resource);
            let early = crate::finalize(&obj, || ());
            early.set_atexit(false);
        })
        .join()
        .unwrap();
        assert_eq!(SEEN.load(Ordering::SeqCst), 0);
    }
}
