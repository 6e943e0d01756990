#![doc = include_str!("../../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod capture;
mod coerce;
pub mod collections;
mod dead;
mod finalize;
pub mod flavor;
mod loom;
mod method;
mod obj;
mod proxy;
mod raw;
mod trashcan;
mod unraisable;
pub mod unsync;
mod weakref;
mod weakrefable;

pub mod generic {
    //! Every type of this crate, written once, generic over its [flavor](crate::flavor) `F`.
    //!
    //! The crate root names these types with the thread-safe flavor fixed
    //! (`weakref_core::Obj<T>` is `generic::Obj<T, Sync>`) and [`unsync`](crate::unsync) with
    //! the single-threaded one (`generic::Obj<T, Unsync>`); both are type aliases, so they
    //! share the methods documented here. Name the types from this module to write code that
    //! works with either flavor:
    //!
    //! ```
    //! use weakref_core::flavor::Flavor;
    //! use weakref_core::generic::{Obj, WeakRef};
    //! use weakref_core::{getweakrefcount, unsync, Weakrefable};
    //!
    //! /// A weak reference that is dropped with the returned handle, in either flavor.
    //! fn watch<T: Weakrefable, F: Flavor>(obj: &Obj<T, F>) -> WeakRef<T, F> {
    //!     WeakRef::new(obj)
    //! }
    //!
    //! #[derive(Weakrefable)]
    //! struct Node;
    //!
    //! let shared = weakref_core::Obj::new(Node);
    //! let _a = watch(&shared);
    //! let local = unsync::Obj::new(Node);
    //! let _b = watch(&local);
    //! assert_eq!(getweakrefcount(&shared) + getweakrefcount(&local), 2);
    //! ```
    //!
    //! Defaults make the thread-safe flavor the one named when `F` is left out in a type
    //! (`generic::Obj<T>` is `generic::Obj<T, Sync>`), but the type aliases are what fix it in
    //! expressions: `weakref_core::Obj::new(x)` is thread-safe, while `generic::Obj::new(x)`
    //! leaves the flavor to inference.

    pub use crate::collections::set::{SetIter, WeakSet};
    pub use crate::collections::wkd::{KeyDictIter, WeakKeyDictionary};
    pub use crate::collections::wvd::{KeyedRef, ValueDictIter, WeakValueDictionary};
    pub use crate::dead::Death;
    pub use crate::finalize::Finalize;
    pub use crate::method::WeakMethod;
    pub use crate::obj::Obj;
    pub use crate::proxy::WeakProxy;
    pub use crate::weakref::WeakRef;
}

#[doc(hidden)]
pub mod __private {
    //! What the macros of this crate expand to; not part of the API.
    pub use crate::capture::{WeakCapture, weak_capture, weak_upgrade};
    pub use crate::coerce::{Coerce, ObjToken, ProxyToken, WeakToken, split};
}

pub use collections::{
    ById, ByValue, Hashable, KeyError, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakSet,
    WeakValueDictionary,
};
pub use finalize::{finalize, run_exit_finalizers, set_exit_finalizers_in_forked_child};
pub use method::Method;
pub use proxy::{Callable, FieldRef, ProxyAccess, ReferenceError, proxy, proxy_with_callback};
pub use unraisable::{Unraisable, UnraisableHook, set_unraisable_hook, take_unraisable_hook};
pub use weakref::{getweakrefcount, getweakrefs};
pub use weakref_derive::{Weakrefable, forward};
pub use weakrefable::{Proxied, Weakrefable};

/// A shared, weakly referenceable object, thread-safe: [`generic::Obj`] with the
/// [`Sync`](flavor::Sync) flavor, whose page documents its methods.
///
/// ```
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Connection {
///     peer: String,
/// }
///
/// let conn = Obj::new(Connection { peer: "db:5432".into() });
/// let weak = WeakRef::new(&conn);
/// assert_eq!(weak.upgrade().unwrap().peer, "db:5432");
/// drop(conn);
/// assert!(weak.upgrade().is_none());
/// ```
pub type Obj<T> = generic::Obj<T, flavor::Sync>;

/// A weak reference, Python's `weakref.ref`, thread-safe: [`generic::WeakRef`] with the
/// [`Sync`](flavor::Sync) flavor, whose page documents its methods.
pub type WeakRef<T> = generic::WeakRef<T, flavor::Sync>;

/// A weak proxy, Python's `weakref.proxy`, thread-safe: [`generic::WeakProxy`] with the
/// [`Sync`](flavor::Sync) flavor, whose page documents its methods.
pub type WeakProxy<T> = generic::WeakProxy<T, flavor::Sync>;

/// A handle to a finalizer, Python's `weakref.finalize` object, thread-safe:
/// [`generic::Finalize`] with the [`Sync`](flavor::Sync) flavor, whose page documents its
/// methods.
pub type Finalize<T, Func> = generic::Finalize<T, Func, flavor::Sync>;

/// A method bound to an object without keeping it alive, Python's `weakref.WeakMethod`,
/// thread-safe: [`generic::WeakMethod`] with the [`Sync`](flavor::Sync) flavor, whose page
/// documents its methods.
pub type WeakMethod<T, M> = generic::WeakMethod<T, M, flavor::Sync>;

/// A future that completes when an object dies, thread-safe: [`generic::Death`] with the
/// [`Sync`](flavor::Sync) flavor, what [`WeakRef::dead`](generic::WeakRef::dead) returns.
pub type Death<T> = generic::Death<T, flavor::Sync>;
