//! `finalize`: cleanup that runs once, when an object dies or at exit.

pub(crate) mod api;
mod registry;

pub(crate) use registry::{
    Pending, exit_done, next_id, register_global, register_local, unregister,
};
pub use registry::{run_exit_finalizers, set_exit_finalizers_in_forked_child};

use std::cell::RefCell;
use std::sync::PoisonError;

use crate::loom::Mutex;

/// A lock around a finalizer's state: `Mutex` in the thread-safe flavor (loom's under the
/// model checker, since weak-reference operations happen while it is held), `RefCell` in
/// `unsync`. No user code runs while it is held, except `F::clone` in `peek`.
pub(crate) trait Guarded<T> {
    fn new(value: T) -> Self;
    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R;
}

impl<T> Guarded<T> for Mutex<T> {
    fn new(value: T) -> Self {
        Mutex::new(value)
    }

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl<T> Guarded<T> for RefCell<T> {
    fn new(value: T) -> Self {
        RefCell::new(value)
    }

    fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.borrow_mut())
    }
}
