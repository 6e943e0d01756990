#![doc = include_str!("../../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod api;
pub mod collections;
mod finalize;
mod flavor;
mod loom;
mod proxy;
mod raw;
mod trashcan;
mod unraisable;
pub mod unsync;
mod weakrefable;

pub use collections::{
    ById, ByValue, Hashable, KeyError, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakSet,
    WeakValueDictionary,
};
pub use finalize::{run_exit_finalizers, set_exit_finalizers_in_forked_child};
pub use proxy::{Callable, FieldRef, ProxyAccess, ReferenceError};
pub use unraisable::{Unraisable, UnraisableHook, set_unraisable_hook, take_unraisable_hook};
pub use weakref_derive::{Weakrefable, forward};
pub use weakrefable::{Proxied, Weakrefable};

use std::sync::Arc;

use crate::loom::Mutex;

api::flavor_api! {
    flavor: crate::flavor::Atomic,
    path: "weakref_core",
    std_rc: "Arc",
    callback: [Send +],
}

proxy::api::proxy_api! {
    flavor: crate::flavor::Atomic,
    path: "weakref_core",
    callback: [Send +],
}

finalize::api::finalize_api! {
    path: "weakref_core",
    shared: Arc,
    lock: Mutex,
    object_bounds: [Send + Sync +],
    func_bounds: [Send +],
    entry: Arc<dyn crate::finalize::Pending + Send + Sync>,
    register: crate::finalize::register_global,
}
