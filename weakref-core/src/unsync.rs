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
//! The same `#[derive(Weakrefable)]` serves both flavors.

pub use crate::Weakrefable;

use std::cell::RefCell;
use std::rc::Rc;

crate::api::flavor_api! {
    flavor: crate::flavor::Local,
    path: "weakref_core::unsync",
    std_rc: "Rc",
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
