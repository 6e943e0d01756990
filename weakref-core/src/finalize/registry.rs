//! Where pending finalizers live until they run, and what runs them at exit.
//!
//! A finalizer must outlive every handle to it (Python keeps it in `finalize._registry`), so
//! each pending one is owned by a registry: the process-wide one for thread-safe finalizers,
//! a thread-local one for [`unsync`](crate::unsync) finalizers (their functions may not leave
//! their thread). Ids come from one process-wide counter, so "newest first" is well defined
//! across both.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};

/// A registered finalizer, as the registries see it.
pub(crate) trait Pending {
    /// Whether it wants to run at exit.
    fn atexit(&self) -> bool;
    /// Runs it because the program is exiting, if it has not run or been detached; a panic is
    /// reported, not propagated.
    fn run_at_exit(&self);
}

/// The registry of thread-safe finalizers.
type Global = BTreeMap<u64, Arc<dyn Pending + Send + Sync>>;
/// The registry of one thread's `unsync` finalizers.
type Local = BTreeMap<u64, Rc<dyn Pending>>;

static GLOBAL: Mutex<Global> = Mutex::new(BTreeMap::new());

/// Runs the thread's pending `unsync` exit finalizers when the thread ends, if no one else did.
struct LocalRegistry(RefCell<Local>);

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        // The thread is ending: its finalizers can run nowhere else.
        while let Some(entry) = take_newest_atexit(self.0.get_mut()) {
            if exit_done() {
                break;
            }
            entry.run_at_exit();
        }
    }
}

thread_local! {
    static LOCAL: LocalRegistry = const { LocalRegistry(RefCell::new(BTreeMap::new())) };
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
    // Relaxed: only uniqueness and per-thread monotonicity are needed; the registries'
    // locks order everything else.
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Whether exit finalizers have already run (finalizers are inert from then on).
pub(crate) fn exit_done() -> bool {
    // Acquire pairs with the Release in `run_exit_finalizers`.
    EXIT_DONE.load(Ordering::Acquire)
}

fn global() -> std::sync::MutexGuard<'static, Global> {
    // No user code runs under this lock, so a poisoned lock still holds consistent data.
    GLOBAL.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn register_global(id: u64, entry: Arc<dyn Pending + Send + Sync>) {
    install_exit_hook();
    global().insert(id, entry);
}

pub(crate) fn unregister_global(id: u64) {
    let removed = global().remove(&id);
    // Dropped after the lock is released: it may be the last handle to user data.
    drop(removed);
}

pub(crate) fn register_local(id: u64, entry: Rc<dyn Pending>) {
    install_exit_hook();
    let refused = LOCAL
        .try_with(|local| local.0.borrow_mut().insert(id, Rc::clone(&entry)))
        .is_err();
    if refused {
        // The thread is tearing down its thread-locals: there is no exit left to wait for, so
        // the finalizer stays registered only through its object (it still runs when the
        // object dies).
        drop(entry);
    }
}

pub(crate) fn unregister_local(id: u64) {
    let removed = LOCAL
        .try_with(|local| local.0.borrow_mut().remove(&id))
        .ok()
        .flatten();
    drop(removed);
}

/// An entry taken out of either registry.
enum Entry {
    Global(Arc<dyn Pending + Send + Sync>),
    Local(Rc<dyn Pending>),
}

/// The id of the newest entry that wants to run at exit.
fn newest_atexit<P: core::ops::Deref>(map: &BTreeMap<u64, P>) -> Option<u64>
where
    P::Target: Pending,
{
    map.iter()
        .rev()
        .find(|(_, entry)| entry.atexit())
        .map(|(id, _)| *id)
}

fn take_newest_atexit<P: core::ops::Deref>(map: &mut BTreeMap<u64, P>) -> Option<P>
where
    P::Target: Pending,
{
    map.remove(&newest_atexit(map)?)
}

/// Runs every pending finalizer whose `atexit` flag is set, newest first, then makes all
/// finalizers inert: Python's exit-time `finalize._exitfunc`.
///
/// This runs by itself when the process exits normally (returning from `main` or
/// `std::process::exit`); call it yourself where the program leaves another way, for example
/// before `std::process::abort` or at the end of a `fork`ed child. It runs the thread-safe
/// finalizers and the calling thread's [`unsync`](crate::unsync) ones; `unsync` finalizers
/// of other threads run when their thread ends. After each finalizer the pending set is read
/// again, so a finalizer created by a running one runs too, before older ones. A panicking
/// finalizer is reported through the [unraisable hook](crate::set_unraisable_hook) and the
/// rest still run. Calling it again does nothing.
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
    while !exit_done() {
        // Newest first across both registries, re-read after every run: a finalizer may
        // create others.
        let global_id = newest_atexit(&global());
        let local_id = LOCAL
            .try_with(|local| newest_atexit(&local.0.borrow()))
            .ok()
            .flatten();
        let global_is_newer = match (global_id, local_id) {
            (None, None) => break,
            (Some(global_id), Some(local_id)) => global_id > local_id,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        };
        let entry: Option<Entry> = if global_is_newer {
            global_id
                .and_then(|id| global().remove(&id))
                .map(Entry::Global)
        } else {
            local_id
                .and_then(|id| {
                    LOCAL
                        .try_with(|local| local.0.borrow_mut().remove(&id))
                        .ok()
                        .flatten()
                })
                .map(Entry::Local)
        };
        match entry {
            Some(Entry::Global(entry)) => entry.run_at_exit(),
            Some(Entry::Local(entry)) => entry.run_at_exit(),
            None => {}
        }
    }
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

unsafe extern "C" {
    /// The C library's exit-handler registration (C99), which `exit` honours after `main`
    /// returns or on `std::process::exit`.
    fn atexit(handler: extern "C" fn()) -> core::ffi::c_int;
}

extern "C" fn at_process_exit() {
    // Relaxed: both are read on the exiting thread after being set long before; a stale value
    // could only skip or run the finalizers of a child that changed the setting while exiting.
    let owner = OWNER_PID.load(Ordering::Relaxed);
    if owner != std::process::id() && !RUN_IN_FORKED_CHILD.load(Ordering::Relaxed) {
        return;
    }
    // A panic must not unwind out of an `extern "C"` function.
    if let Err(payload) = catch_unwind(AssertUnwindSafe(run_exit_finalizers)) {
        core::mem::forget(payload);
    }
}

fn install_exit_hook() {
    INSTALL_EXIT_HOOK.call_once(|| {
        OWNER_PID.store(std::process::id(), Ordering::Relaxed);
        // SAFETY: `at_process_exit` is a plain `extern "C" fn()` that never unwinds, which is
        // all `atexit` asks of a handler.
        let status = unsafe { atexit(at_process_exit) };
        // Non-zero means the C library's table is full: finalizers then run only when their
        // objects die or through `run_exit_finalizers`.
        let _ = status;
    });
}
