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

/// The signature of an unraisable hook.
pub type UnraisableHook = dyn Fn(&Unraisable<'_>) + Send + Sync + 'static;

/// A panic that was caught because it had nowhere to propagate.
pub struct Unraisable<'a> {
    what: &'static str,
    object: &'a dyn fmt::Debug,
    payload: &'a (dyn Any + Send),
}

impl<'a> Unraisable<'a> {
    /// What was running, e.g. `"weakref callback"`.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The object whose code panicked (for a callback, its dead weak reference), for
    /// display with `{:?}`.
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

/// Replaces the hook that receives panics from weak-reference callbacks (and, later, from
/// finalizers) that could not propagate. Returns nothing; use [`take_unraisable_hook`] to get
/// the current one back.
///
/// The hook runs on the thread where the object died, with none of this crate's locks held:
/// it may use weak references and even replace itself. A panic inside the hook is swallowed.
pub fn set_unraisable_hook(hook: Box<UnraisableHook>) {
    *HOOK
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::from(hook));
}

/// Removes the current hook, restoring the default one, and returns what was installed
/// (the default hook itself when none was).
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
