//! The single-threaded flavor: the same API as the crate root, without atomics.
//!
//! `unsync` is to the crate root what `std::rc` is to `std::sync`. Counts are plain cells and
//! the weak-reference list needs no lock, so an upgrade costs about what `Rc`'s does. Callbacks
//! need not be `Send` (they may capture `Rc`s), and nothing here is `Send` or `Sync`:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use weakref_core::unsync::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Widget {
//!     id: u32,
//! }
//!
//! let closed = Rc::new(RefCell::new(Vec::new()));
//! let widget = Obj::new(Widget { id: 7 });
//! let log = Rc::clone(&closed);
//! let _watch = WeakRef::with_callback(&widget, move |_| log.borrow_mut().push(7));
//! drop(widget);
//! assert_eq!(*closed.borrow(), [7]);
//! ```
//!
//! The types here are the crate's generic types with the [`Unsync`] flavor
//! (`unsync::Obj<T>` is [`generic::Obj<T, Unsync>`](crate::generic::Obj)), so their methods
//! are documented once, on the generic types. The functions (`getweakrefcount`, `proxy`,
//! `finalize`, ...) and the [`coerce!`](crate::coerce!) macro are the crate root's, which serve
//! both flavors; they are re-exported here with the flavor-independent traits, so one
//! `use weakref_core::unsync::...` line is enough.
//!
//! The same `#[derive(Weakrefable)]` serves both flavors, and so does the proxy wrapper it
//! generates with `#[weakref(proxy)]`: [`proxy`] here returns it around an
//! `unsync::WeakProxy`.

#[cfg(feature = "derive")]
#[doc(no_inline)]
pub use crate::forward;
#[doc(no_inline)]
pub use crate::{
    Callable, FieldRef, Method, Proxied, ProxyAccess, ReferenceError, Weakrefable, coerce,
    finalize, getweakrefcount, getweakrefs, proxy, proxy_with_callback, weak,
};

pub use collections::{
    ById, ByValue, Hashable, KeyError, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakSet,
    WeakValueDictionary,
};

use crate::flavor::Unsync;
use crate::generic;

/// A shared, weakly referenceable object, single-threaded: [`generic::Obj`] with the
/// [`Unsync`] flavor, whose page documents its methods.
///
/// ```
/// use weakref_core::unsync::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Widget;
///
/// let widget = Obj::new(Widget);
/// let weak = WeakRef::new(&widget);
/// drop(widget);
/// assert!(weak.upgrade().is_none());
/// ```
pub type Obj<T> = generic::Obj<T, Unsync>;

/// A weak reference, Python's `weakref.ref`, single-threaded: [`generic::WeakRef`] with the
/// [`Unsync`] flavor, whose page documents its methods.
pub type WeakRef<T> = generic::WeakRef<T, Unsync>;

/// A weak proxy, Python's `weakref.proxy`, single-threaded: [`generic::WeakProxy`] with the
/// [`Unsync`] flavor, whose page documents its methods.
pub type WeakProxy<T> = generic::WeakProxy<T, Unsync>;

/// A method bound to an object without keeping it alive, Python's `weakref.WeakMethod`,
/// single-threaded: [`generic::WeakMethod`] with the [`Unsync`] flavor, whose page documents
/// its methods.
pub type WeakMethod<T, M> = generic::WeakMethod<T, M, Unsync>;

/// A future that completes when an object dies, single-threaded: [`generic::Death`] with the
/// [`Unsync`] flavor.
pub type Death<T> = generic::Death<T, Unsync>;

/// A handle to a finalizer, Python's `weakref.finalize` object, single-threaded:
/// [`generic::Finalize`] with the [`Unsync`] flavor, whose page documents its methods.
pub type Finalize<T, Func> = generic::Finalize<T, Func, Unsync>;

/// Weak collections, the single-threaded flavor: the same API as the crate root's
/// [`collections`](crate::collections), without locks or atomics. Nothing here is `Send`.
pub mod collections {
    pub use crate::collections::{ById, ByValue, Hashable, KeyError, key_entry, value_entry};

    use std::hash::RandomState;

    use crate::flavor::Unsync;
    use crate::generic;

    /// A dictionary whose values are held weakly, Python's `weakref.WeakValueDictionary`,
    /// single-threaded: [`generic::WeakValueDictionary`] with the [`Unsync`] flavor, whose page
    /// documents its methods.
    pub type WeakValueDictionary<K, V, S = RandomState> =
        generic::WeakValueDictionary<K, V, S, Unsync>;

    /// A dictionary whose keys are held weakly, Python's `weakref.WeakKeyDictionary`,
    /// single-threaded: [`generic::WeakKeyDictionary`] with the [`Unsync`] flavor, whose page
    /// documents its methods.
    pub type WeakKeyDictionary<K, V, S = RandomState, M = ByValue> =
        generic::WeakKeyDictionary<K, V, S, M, Unsync>;

    /// A [`WeakKeyDictionary`] whose keys compare by identity, single-threaded.
    pub type WeakIdKeyDictionary<K, V, S = RandomState> = WeakKeyDictionary<K, V, S, ById>;

    /// A set whose elements are held weakly, Python's `weakref.WeakSet`, single-threaded:
    /// [`generic::WeakSet`] with the [`Unsync`] flavor, whose page documents its methods.
    pub type WeakSet<T, S = RandomState, M = ByValue> = generic::WeakSet<T, S, M, Unsync>;

    /// A [`WeakSet`] whose elements compare by identity, single-threaded.
    pub type WeakIdSet<T, S = RandomState> = WeakSet<T, S, ById>;
}
