//! Helpers shared by both flavors: capturing what reaches the unraisable hook.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};

/// The unraisable hook is process-global and tests run in parallel: every test that installs
/// a hook holds this lock for as long as its hook is installed.
static HOOK_LOCK: Mutex<()> = Mutex::new(());

/// What the hook saw of one caught panic.
#[derive(Clone, Debug)]
pub struct Report {
    /// `Unraisable::what`, e.g. `"weakref callback"`.
    pub what: &'static str,
    /// The `Debug` text of `Unraisable::object`.
    pub object: String,
    /// `Unraisable::message`.
    pub message: Option<String>,
    /// Whether the payload was a `u32` (a `panic_any` payload that is not a message).
    pub payload_is_u32: bool,
    /// The thread the hook ran on.
    pub thread: ThreadId,
}

/// The reports collected by a [`HookGuard`].
pub type Reports = Arc<Mutex<Vec<Report>>>;

/// Keeps a recording hook installed; dropping it restores the default hook, also when the
/// test fails.
pub struct HookGuard {
    _serial: MutexGuard<'static, ()>,
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        // Runs before `_serial` is released, so the next test starts from the default hook.
        drop(weakref_core::take_unraisable_hook());
    }
}

/// Installs a hook that records every report, for as long as the returned guard lives.
pub fn capture_unraisable() -> (HookGuard, Reports) {
    let serial = HOOK_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let reports = Reports::default();
    let sink = Arc::clone(&reports);
    weakref_core::set_unraisable_hook(Box::new(move |report| {
        let entry = Report {
            what: report.what(),
            object: format!("{:?}", report.object()),
            message: report.message().map(str::to_owned),
            payload_is_u32: report.payload().downcast_ref::<u32>().is_some(),
            thread: thread::current().id(),
        };
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }));
    (HookGuard { _serial: serial }, reports)
}

/// A copy of the reports so far.
pub fn reports(reports: &Reports) -> Vec<Report> {
    reports
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}
