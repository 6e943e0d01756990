//! `finalize`: cleanup that runs once, when an object dies or at exit.

mod finalizer;
mod registry;

pub use finalizer::{Finalize, finalize};
pub(crate) use registry::{
    Pending, ThreadSafe, exit_done, next_id, register_global, register_local, unregister,
};
pub use registry::{run_exit_finalizers, set_exit_finalizers_in_forked_child};
