//! `Finalize` and `finalize`: Python's `weakref.finalize`.

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Pending, exit_done, next_id, unregister};
use crate::Weakrefable;
use crate::flavor::{self, Flavor, Lock, SendIf, Shared, SyncIf};
use crate::obj::Obj;
use crate::raw::{Kind, RawWeak};
use crate::weakref::WeakRef;

/// What a pending finalizer holds until it runs or is detached.
struct Armed<T: ?Sized, Func, F: Flavor> {
    func: Func,
    /// Keeps the death callback registered; dropping it unregisters the callback.
    weak: WeakRef<T, F>,
}

/// The state shared by a finalizer's handles, its registry entry and its death
/// callback.
struct FinalizeState<T: ?Sized, Func, F: Flavor> {
    /// Registry key; larger is newer.
    id: u64,
    atexit: AtomicBool,
    /// The referent's address, for `Debug`.
    referent: usize,
    armed: F::Lock<Option<Armed<T, Func, F>>>,
}

impl<T: ?Sized, Func, F: Flavor> FinalizeState<T, Func, F> {
    /// Takes the function and callback out: whoever gets `Some` is the one who runs,
    /// or cancels, the finalizer.
    fn disarm(&self) -> Option<Armed<T, Func, F>> {
        let armed = self.armed.lock().take()?;
        unregister(self.id);
        Some(armed)
    }

    fn is_armed(&self) -> bool {
        self.armed.lock().is_some()
    }

    /// Runs the finalizer because its object died or the program exits. Panics are
    /// reported, not propagated, whatever panics: the function, the destructor of something
    /// it captured or returned; once exit finalizers ran, it only disarms.
    fn fire<R>(&self)
    where
        Func: FnOnce() -> R,
    {
        let Some(Armed { func, weak }) = self.disarm() else {
            return;
        };
        if exit_done() {
            return;
        }
        // The result is dropped inside the guard too: its destructor is user code.
        let outcome = catch_unwind(AssertUnwindSafe(move || drop(func())));
        // As in CPython, the finalizer's weak reference lives until its function returned
        // (`getweakrefcount` counts it meanwhile). Dropping it runs no user code: its
        // callback only holds this state, and finds the finalizer disarmed if it runs.
        drop(weak);
        if let Err(payload) = outcome {
            crate::unraisable::report("finalizer", self, payload);
        }
    }
}

impl<T: ?Sized, Func, F: Flavor> fmt::Debug for FinalizeState<T, Func, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let this = core::ptr::from_ref(self);
        if self.is_armed() {
            let type_name = core::any::type_name::<T>();
            write!(
                f,
                "<finalize object at {this:p}; for '{type_name}' at {:#x}>",
                self.referent
            )
        } else {
            write!(f, "<finalize object at {this:p}; dead>")
        }
    }
}

impl<T: ?Sized, Func, R, F: Flavor> Pending for FinalizeState<T, Func, F>
where
    Func: FnOnce() -> R,
{
    fn atexit(&self) -> bool {
        // Relaxed: a setting read at exit; `set_atexit` makes no promise to a
        // concurrent exit.
        self.atexit.load(AtomicOrdering::Relaxed)
    }

    fn run_at_exit(&self) {
        self.fire()
    }
}

/// A handle to a finalizer made by [`finalize`]: Python's `weakref.finalize` object.
///
/// The finalizer runs at most once. Handles can be cloned and dropped freely: the finalizer stays
/// registered, and runs when its object dies, even when no handle is left. `F` is the function's
/// type; to store handles of different functions in one place, pass a boxed function such as
/// `Box<dyn FnOnce() + Send>`, which is itself a function.
pub struct Finalize<T: ?Sized, Func, F: Flavor = flavor::Sync> {
    state: F::Shared<FinalizeState<T, Func, F>>,
}

// SAFETY: a thread-safe finalizer's state is an `Arc` of a `Mutex` and atomics; its function
// may run, and its object's last handle drop, on whichever thread uses the handle, so the
// function must be `Send` and the object `Send + Sync` (what `WeakRef` needs to cross threads).
unsafe impl<T: ?Sized + Send + Sync, Func: Send> Send for Finalize<T, Func, flavor::Sync> {}
// SAFETY: as for `Send`: `&Finalize` can run, detach or clone the finalizer.
unsafe impl<T: ?Sized + Send + Sync, Func: Send> Sync for Finalize<T, Func, flavor::Sync> {}

/// Registers `func` to run once when `obj` dies, or at exit if it never does: Python's
/// `weakref.finalize(obj, func)`.
///
/// `func` runs exactly once, whichever comes first:
/// * `obj` dies: `func` runs as a weak-reference callback, newest first among the object's
///   callbacks and finalizers; a panic is reported through the [unraisable
///   hook](crate::set_unraisable_hook) and the others still run;
/// * [`Finalize::call`] runs it now (a panic propagates to the caller);
/// * the process exits normally, if [`Finalize::atexit`] is set (the default), newest finalizer
///   first; see [`run_exit_finalizers`](crate::run_exit_finalizers).
///
/// [`Finalize::detach`] cancels it instead.
///
/// Arguments go into the closure, as Python's `*args` go into the call:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weakref_core::{finalize, Obj, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Resource {
///     name: String,
/// }
///
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let resource = Obj::new(Resource { name: "file".into() });
/// let name = resource.name.clone(); // a copy: never capture `resource` itself
/// let sink = Arc::clone(&log);
/// let finalizer = finalize(&resource, move || {
///     sink.lock().unwrap().push(format!("cleaning up {name}"));
/// });
/// assert!(finalizer.alive());
/// drop(finalizer); // still registered
/// drop(resource);
/// assert_eq!(*log.lock().unwrap(), ["cleaning up file"]);
/// ```
///
/// # The classic mistake
///
/// A function that captures `obj` itself (or anything holding a strong handle to it) keeps the
/// object alive for ever, so the finalizer only runs at exit, exactly as in Python. Capture a
/// [`WeakRef`], or copies of what the cleanup needs.
pub fn finalize<T, Func, R, F>(obj: &Obj<T, F>, func: Func) -> Finalize<T, Func, F>
where
    T: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    Func: FnOnce() -> R + SendIf<F> + 'static,
    R: 'static,
    F: Flavor,
{
    let state: F::Shared<FinalizeState<T, Func, F>> = Shared::new(FinalizeState {
        id: next_id(),
        atexit: AtomicBool::new(true),
        referent: Obj::as_ptr(obj).cast::<()>().addr(),
        armed: Lock::new(None),
    });
    let on_death = state.clone();
    let weak = RawWeak::with_callback(&obj.raw, Kind::CallbackRef, move |_: &RawWeak<T, F>| {
        on_death.fire()
    });
    let weak = WeakRef { raw: weak };
    *state.armed.lock() = Some(Armed { func, weak });
    // SAFETY: under the thread-safe flavor `T: Send + Sync` and `Func: Send`, which make the
    // state `Send + Sync`: its fields are an id, an atomic, an address and a `Mutex` of the
    // function and a `WeakRef<T>` (`Send + Sync` for such a `T`).
    unsafe { F::register_finalizer(state.id, &state) };
    Finalize { state }
}

impl<T: ?Sized, Func, F: Flavor> Finalize<T, Func, F> {
    /// Whether the finalizer is still pending: it has neither run nor been detached. Python's
    /// `f.alive`.
    ///
    /// ```
    /// use weakref_core::{finalize, Obj, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Socket;
    ///
    /// let socket = Obj::new(Socket);
    /// let close = finalize(&socket, || ());
    /// assert!(close.alive());
    /// drop(socket);
    /// assert!(!close.alive());
    /// ```
    pub fn alive(&self) -> bool {
        self.state.is_armed()
    }

    /// Runs the finalizer now if it is pending and returns the function's result: Python's `f()`.
    ///
    /// The finalizer is marked dead before the function runs, so it never runs again, even if the
    /// function panics (the panic propagates to the caller). Returns `None` if it already ran, was
    /// detached, or exit finalizers already ran. Racing the object's death on another thread, it
    /// still runs once.
    ///
    /// ```
    /// use weakref_core::{finalize, Obj, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Job;
    ///
    /// let job = Obj::new(Job);
    /// let report = finalize(&job, || 199);
    /// assert_eq!(report.call(), Some(199));
    /// assert_eq!(report.call(), None);
    /// assert!(!report.alive());
    /// ```
    pub fn call<R>(&self) -> Option<R>
    where
        Func: FnOnce() -> R,
    {
        let Armed { func, weak } = self.state.disarm()?;
        if exit_done() {
            return None;
        }
        let result = func();
        // Dropped once the function returned, as CPython keeps the finalizer's weak reference
        // for the whole call.
        drop(weak);
        Some(result)
    }

    /// Cancels the finalizer and hands back its object and function, if it is pending and the
    /// object alive: Python's `f.detach()`.
    ///
    /// ```
    /// use weakref_core::{finalize, Obj, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Buffer;
    ///
    /// let buffer = Obj::new(Buffer);
    /// let flush = finalize(&buffer, || "flushed");
    /// let (obj, func) = flush.detach().unwrap();
    /// assert!(Obj::ptr_eq(&obj, &buffer));
    /// assert_eq!(func(), "flushed");
    /// assert!(!flush.alive());
    /// assert!(flush.detach().is_none());
    /// ```
    pub fn detach(&self) -> Option<(Obj<T, F>, Func)> {
        // Hold the object first: while it is alive its death cannot be about to run
        // the finalizer, so cancelling cannot lose a run that already started.
        let obj = self.strong_referent()?;
        let Armed { func, weak } = self.state.disarm()?;
        drop(weak);
        Some((obj, func))
    }

    /// The object and a clone of the function, if the finalizer is pending and the object alive,
    /// without cancelling anything: Python's `f.peek()`.
    ///
    /// The function is cloned while the finalizer's lock is held: its `Clone` must not use this
    /// finalizer, nor drop the object's last strong handle.
    ///
    /// ```
    /// use weakref_core::{finalize, Obj, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Buffer;
    ///
    /// let buffer = Obj::new(Buffer);
    /// let flush = finalize(&buffer, || 1);
    /// let (obj, func) = flush.peek().unwrap();
    /// assert!(Obj::ptr_eq(&obj, &buffer));
    /// assert_eq!(func(), 1);
    /// assert!(flush.alive());
    /// ```
    pub fn peek(&self) -> Option<(Obj<T, F>, Func)>
    where
        Func: Clone,
    {
        let obj = self.strong_referent()?;
        let func = self
            .state
            .armed
            .lock()
            .as_ref()
            .map(|armed| armed.func.clone())?;
        Some((obj, func))
    }

    /// The object, while the finalizer is armed and the object alive.
    fn strong_referent(&self) -> Option<Obj<T, F>> {
        self.state
            .armed
            .lock()
            .as_ref()
            .and_then(|armed| armed.weak.upgrade())
    }

    /// Whether the finalizer runs at exit if still pending (`true` by default; `false` once it is
    /// dead): Python's `f.atexit`.
    ///
    /// ```
    /// use weakref_core::{finalize, Obj, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Lock;
    ///
    /// let lock = Obj::new(Lock);
    /// let release = finalize(&lock, || ());
    /// assert!(release.atexit());
    /// release.set_atexit(false);
    /// assert!(!release.atexit());
    /// ```
    pub fn atexit(&self) -> bool {
        // Relaxed: an independent setting.
        self.alive() && self.state.atexit.load(AtomicOrdering::Relaxed)
    }

    /// Sets whether the finalizer runs at exit if still pending. Ignored once it is
    /// dead, as in Python.
    pub fn set_atexit(&self, atexit: bool) {
        if self.alive() {
            // Relaxed: an independent setting.
            self.state.atexit.store(atexit, AtomicOrdering::Relaxed);
        }
    }
}

impl<T: ?Sized, Func, F: Flavor> Clone for Finalize<T, Func, F> {
    /// Another handle to the same finalizer.
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
        }
    }
}

impl<T: ?Sized, Func, F: Flavor> fmt::Debug for Finalize<T, Func, F> {
    /// `<finalize object at 0x…; for 'Type' at 0x…>` while pending and
    /// `<finalize object at 0x…; dead>` after, as Python's `repr`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.state, f)
    }
}
