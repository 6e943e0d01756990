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
//! The same `#[derive(Weakrefable)]` serves both flavors, and so does the proxy wrapper it
//! generates: [`proxy`] here returns it around an `unsync::WeakProxy`. The flavor-independent
//! items are re-exported here, so one `use weakref_core::unsync::...` line is enough.

#[doc(no_inline)]
pub use crate::{Callable, FieldRef, Proxied, ProxyAccess, ReferenceError, Weakrefable, forward};

pub use collections::{
    ById, ByValue, Hashable, KeyError, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakSet,
    WeakValueDictionary,
};

use std::cell::RefCell;
use std::rc::Rc;

/// Weak collections, the single-threaded flavor: the same API as the crate root's
/// [`collections`](crate::collections), without locks or atomics. Nothing here is `Send`.
pub mod collections {
    pub use crate::collections::{ById, ByValue, Hashable, KeyError};

    use std::rc::Rc;

    use super::{Obj, WeakRef};

    crate::collections::collections_api! {
        path: "weakref_core::unsync",
        family: crate::collections::table::Local,
        shared: Rc,
        weak_shared: std::rc::Weak,
        owned: [],
        referent: [],
        hasher: [],
        threads: " (this flavor is single-threaded: it is not `Send`, and its callbacks may \
            capture `Rc`s).",
    }
}

crate::api::flavor_api! {
    flavor: crate::flavor::Local,
    path: "weakref_core::unsync",
    std_rc: "Rc",
    callback: [],
}

crate::proxy::api::proxy_api! {
    flavor: crate::flavor::Local,
    path: "weakref_core::unsync",
    callback: [],
}

crate::finalize::api::finalize_api! {
    path: "weakref_core::unsync",
    shared: Rc,
    lock: RefCell,
    object_bounds: [],
    func_bounds: [],
    entry: Rc<dyn crate::finalize::Pending>,
    register: crate::finalize::register_local,
}
