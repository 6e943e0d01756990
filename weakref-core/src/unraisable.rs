//! Reporting panics that cannot propagate (Python's `sys.unraisablehook`).
//!
//! A weak-reference callback runs while its object dies, inside some unrelated `drop`. Letting
//! its panic escape would unwind through code that did nothing wrong, and during an unwind it
//! would abort the process. So, as CPython does with exceptions raised in callbacks, the panic
//! is caught, handed to a hook, and the remaining callbacks still run.
//!
//! The default hook writes two lines to standard error, in the spirit of CPython's
//! `Exception ignored in: ...`:
//!
//! ```text
//! Exception ignored in: weakref callback of <weakref at 0x5581c2a3f2d0; dead>
//! panic: the callback's panic message
//! ```
//!
//! Replace it with [`set_unraisable_hook`], for instance to count or log such panics:
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Session;
//!
//! static IGNORED: AtomicUsize = AtomicUsize::new(0);
//! weakref_core::set_unraisable_hook(Box::new(|report| {
//!     assert_eq!(report.message(), Some("lost connection"));
//!     IGNORED.fetch_add(1, Ordering::Relaxed);
//! }));
//!
//! let session = Obj::new(Session);
//! let _watch = WeakRef::with_callback(&session, |_| panic!("lost connection"));
//! drop(session); // the panic is caught and reported; `drop` returns normally
//! assert_eq!(IGNORED.load(Ordering::Relaxed), 1);
//! # drop(weakref_core::take_unraisable_hook());
//! ```

use core::any::Any;
use core::fmt;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, RwLock};

/// The signature of an unraisable hook: a function of the [`Unraisable`] report, callable from
/// any thread.
///
/// ```
/// use weakref_core::{Unraisable, UnraisableHook};
///
/// fn log(report: &Unraisable<'_>) {
///     eprintln!("ignored panic in {}: {:?}", report.what(), report.message());
/// }
///
/// let hook: Box<UnraisableHook> = Box::new(log);
/// weakref_core::set_unraisable_hook(hook);
/// # drop(weakref_core::take_unraisable_hook());
/// ```
pub type UnraisableHook = dyn Fn(&Unraisable<'_>) + Send + Sync + 'static;

/// A panic that was caught because it had nowhere to propagate: what an unraisable hook
/// receives, Python's `sys.UnraisableHookArgs`.
///
/// Such panics come from a weak-reference callback ([`what`](Self::what) is
/// `"weakref callback"`), a [`finalize`](crate::finalize) function (`"finalizer"`), or a
/// value's destructor that ran while another death was unwinding (`"value destructor"`). Its
/// `Display` is the default hook's two lines:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weakref_core::{finalize, Obj, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Upload;
///
/// let reports = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&reports);
/// weakref_core::set_unraisable_hook(Box::new(move |report| {
///     assert_eq!(report.what(), "finalizer");
///     assert!(report.payload().is::<String>()); // `panic!` with arguments: a `String`
///     sink.lock().unwrap().push(report.to_string());
/// }));
///
/// let upload = Obj::new(Upload);
/// let attempt = 3;
/// let _cleanup = finalize(&upload, move || panic!("retry {attempt} failed"));
/// drop(upload);
///
/// let reports = reports.lock().unwrap();
/// assert!(reports[0].starts_with("Exception ignored in: finalizer of <finalize object at "));
/// assert!(reports[0].ends_with("\npanic: retry 3 failed"));
/// # drop(weakref_core::take_unraisable_hook());
/// ```
pub struct Unraisable<'a> {
    what: &'static str,
    object: &'a dyn fmt::Debug,
    payload: &'a (dyn Any + Send),
}

impl<'a> Unraisable<'a> {
    /// What was running: `"weakref callback"`, `"finalizer"` or `"value destructor"`.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The object whose code panicked (for a callback, its dead weak reference; for a
    /// finalizer, its `finalize` object), for display with `{:?}`.
    pub fn object(&self) -> &'a dyn fmt::Debug {
        self.object
    }

    /// The panic's payload, as `catch_unwind` returned it.
    pub fn payload(&self) -> &'a (dyn Any + Send) {
        self.payload
    }

    /// The panic message, when the payload is a string (as with `panic!("...")`).
    pub fn message(&self) -> Option<&'a str> {
        if let Some(message) = self.payload.downcast_ref::<&'static str>() {
            Some(message)
        } else {
            self.payload.downcast_ref::<String>().map(String::as_str)
        }
    }
}

impl fmt::Debug for Unraisable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unraisable")
            .field("what", &self.what)
            .field("object", &self.object)
            .field("message", &self.message())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Unraisable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Exception ignored in: {} of {:?}",
            self.what, self.object
        )?;
        match self.message() {
            Some(message) => write!(f, "panic: {message}"),
            None => write!(f, "panic: Box<dyn Any>"),
        }
    }
}

static HOOK: RwLock<Option<Arc<UnraisableHook>>> = RwLock::new(None);

/// Replaces the hook that receives the panics that could not propagate: from weak-reference
/// callbacks, finalizers, and destructors run while another death unwinds (see
/// [`Unraisable`]). Python's `sys.unraisablehook = hook`. Returns nothing; use
/// [`take_unraisable_hook`] first to keep the current one.
///
/// The hook is process-wide. It runs on the thread where the panic was caught, with none of
/// this crate's locks held: it may use weak references and even replace itself. A panic
/// inside the hook is swallowed.
///
/// ```
/// use std::sync::mpsc;
/// use std::sync::Mutex;
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Job(u32);
///
/// // Send each report's message to whoever watches, instead of standard error.
/// let (tx, rx) = mpsc::channel();
/// let tx = Mutex::new(tx);
/// weakref_core::set_unraisable_hook(Box::new(move |report| {
///     let message = report.message().unwrap_or("<non-string panic>").to_owned();
///     let _ = tx.lock().unwrap().send(message);
/// }));
///
/// let job = Obj::new(Job(1));
/// let _a = WeakRef::with_callback(&job, |_| panic!("first callback"));
/// let _b = WeakRef::with_callback(&job, |_| panic!("second callback"));
/// drop(job); // both callbacks run, newest first; both panics are reported
/// assert_eq!(rx.try_iter().collect::<Vec<_>>(), ["second callback", "first callback"]);
/// # drop(weakref_core::take_unraisable_hook());
/// ```
pub fn set_unraisable_hook(hook: Box<UnraisableHook>) {
    *HOOK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::from(hook));
}

/// Removes the current hook, restoring the default one, and returns what was installed
/// (the default hook itself when none was).
///
/// To wrap the current hook rather than replace it, take it and call it from the new one:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Task;
///
/// static COUNT: AtomicUsize = AtomicUsize::new(0);
/// let previous = weakref_core::take_unraisable_hook(); // here, the default hook
/// weakref_core::set_unraisable_hook(Box::new(move |report| {
///     COUNT.fetch_add(1, Ordering::Relaxed);
///     previous(report); // still printed to standard error
/// }));
///
/// let task = Obj::new(Task);
/// let _watch = WeakRef::with_callback(&task, |_| panic!("callback failed"));
/// drop(task);
/// assert_eq!(COUNT.load(Ordering::Relaxed), 1);
///
/// // Restore the default hook; `take_unraisable_hook` returns the counting one.
/// let counting = weakref_core::take_unraisable_hook();
/// drop(counting);
/// ```
pub fn take_unraisable_hook() -> Box<UnraisableHook> {
    let previous = HOOK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    match previous {
        Some(hook) => Box::new(move |report: &Unraisable<'_>| hook(report)),
        None => Box::new(default_hook),
    }
}

/// The default hook: writes the report to standard error.
fn default_hook(report: &Unraisable<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{report}");
}

/// Hands a caught panic to the hook. Never panics.
pub(crate) fn report(what: &'static str, object: &dyn fmt::Debug, payload: Box<dyn Any + Send>) {
    let hook = HOOK
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let report = Unraisable {
        what,
        object,
        payload: &*payload,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| match hook {
        Some(hook) => hook(&report),
        None => default_hook(&report),
    }));
    if let Err(hook_panic) = outcome {
        // The hook itself panicked; its payload's destructor might panic too, so it is leaked.
        core::mem::forget(hook_panic);
    }
    drop_payload(payload);
}

/// Drops a panic payload whose destructor might itself panic.
fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        core::mem::forget(nested);
    }
}
