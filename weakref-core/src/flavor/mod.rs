//! The two flavors of the library, and the traits through which a type's bounds follow them.
//!
//! Every type of this crate is written once, in [`generic`](crate::generic), with a flavor
//! parameter `F`:
//!
//! * [`Sync`], the thread-safe flavor, used by the crate root: counts are atomics, handles are
//!   `Send + Sync` exactly when `Arc` would be, callbacks must be `Send`, collections can be
//!   shared between threads;
//! * [`Unsync`], the single-threaded flavor, used by [`unsync`](crate::unsync): counts are
//!   plain cells (an upgrade costs what `Rc`'s does), nothing is `Send`, and callbacks may
//!   capture `Rc`s.
//!
//! Most code never names a flavor: `weakref_core::Obj<T>` is `generic::Obj<T, Sync>` and
//! `weakref_core::unsync::Obj<T>` is `generic::Obj<T, Unsync>`. Code that should work with
//! either is written over `F: Flavor`:
//!
//! ```
//! use weakref_core::flavor::Flavor;
//! use weakref_core::generic::{Obj, WeakRef};
//! use weakref_core::{unsync, Weakrefable};
//!
//! /// Whether `weak` still reaches `obj`, in either flavor.
//! fn reaches<T: Weakrefable, F: Flavor>(weak: &WeakRef<T, F>, obj: &Obj<T, F>) -> bool {
//!     weak.upgrade().is_some_and(|strong| Obj::ptr_eq(&strong, obj))
//! }
//!
//! #[derive(Weakrefable)]
//! struct Node;
//!
//! let shared = weakref_core::Obj::new(Node);
//! assert!(reaches(&weakref_core::WeakRef::new(&shared), &shared));
//! let local = unsync::Obj::new(Node);
//! assert!(reaches(&unsync::WeakRef::new(&local), &local));
//! ```
//!
//! The flavor's demands on user types are expressed by [`SendIf`] and [`SyncIf`]: `C:
//! SendIf<F>` means "`C: Send` if `F` is the thread-safe flavor". A callback that captures an
//! `Rc` therefore fails to compile with the crate root's types and compiles with `unsync`'s:
//!
//! ```compile_fail
//! use std::rc::Rc;
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Node;
//!
//! let node = Obj::new(Node);
//! let log = Rc::new(());
//! // error: `Rc<()>` cannot be sent between threads safely
//! let watch = WeakRef::with_callback(&node, move |_| drop(log));
//! ```
//!
//! Avoid glob-importing this module: its [`Sync`] would hide the standard library's `Sync`
//! trait.

mod counts;
mod locks;

pub(crate) use counts::{Count, Flags, Slot, Word};
pub(crate) use locks::{Lock, Shared, TableLock};

use core::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use crate::finalize::Pending;
use crate::loom::Mutex;
use crate::loom::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize};

/// The thread-safe flavor: the default of every type, and the flavor of the crate root.
///
/// Objects are shared like `Arc`s (atomic counts), weak handles may move between threads,
/// callbacks and finalizer functions must be `Send`, and the weak collections are
/// `Send + Sync` and take `&self` from any number of threads.
///
/// It is a type-level marker only: it has no values.
#[derive(Debug)]
pub enum Sync {}

/// The single-threaded flavor of [`unsync`](crate::unsync).
///
/// Objects are shared like `Rc`s (plain counts, no atomic instructions), nothing is `Send`, and
/// callbacks and finalizer functions may capture `Rc`s and other thread-bound data.
///
/// It is a type-level marker only: it has no values.
#[derive(Debug)]
pub enum Unsync {}

/// A flavor: [`Sync`] or [`Unsync`].
///
/// The trait is sealed: it has no items of its own to call, and only this crate's two flavors
/// implement it. It is what generic code bounds a flavor parameter with, as in
/// `fn f<F: Flavor>(obj: &generic::Obj<T, F>)`.
pub trait Flavor: internal::Internal {}

impl Flavor for Sync {}

impl Flavor for Unsync {}

/// `Send` if `F` is the thread-safe flavor; implemented for every type under [`Unsync`].
///
/// Callbacks, finalizer functions and the owned keys and values of collections carry this
/// bound: in the crate root they may run or be dropped on whichever thread drops an object's
/// last handle, so they must be `Send`. In [`unsync`](crate::unsync) everything stays on one
/// thread, so anything goes: use it for callbacks that capture `Rc`, `RefCell` or other
/// thread-bound data.
///
/// The trait is implemented for you and cannot be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent between threads safely",
    label = "`{Self}` is not `Send`",
    note = "callbacks, finalizers and collection contents of the thread-safe flavor may run or be dropped on another thread; use `weakref_core::unsync` for ones that capture `Rc` or other thread-bound data"
)]
pub trait SendIf<F: Flavor> {}

impl<T: ?Sized + Send> SendIf<Sync> for T {}

impl<T: ?Sized> SendIf<Unsync> for T {}

/// `Sync` if `F` is the thread-safe flavor; implemented for every type under [`Unsync`].
///
/// Weakly held objects of the thread-safe collections and finalizers carry this bound together
/// with [`SendIf`]: the collection may hand out, and drop, their handles on any thread.
///
/// The trait is implemented for you and cannot be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be shared between threads safely",
    label = "`{Self}` is not `Sync`",
    note = "objects held by the thread-safe flavor's collections and finalizers are reached from any thread; use `weakref_core::unsync` for objects that are not `Sync`"
)]
pub trait SyncIf<F: Flavor> {}

impl<T: ?Sized + core::marker::Sync> SyncIf<Sync> for T {}

impl<T: ?Sized> SyncIf<Unsync> for T {}

pub(crate) mod internal {
    use super::{Count, Flags, Lock, Shared, Slot, TableLock, Word};
    use crate::finalize::Pending;

    /// What a flavor chooses; the sealed supertrait of [`Flavor`](super::Flavor).
    pub trait Internal: Sized + 'static {
        /// Strong, weak and handle counts.
        type Count: Count;
        /// The flag byte of a weak-reference node.
        type Flags: Flags;
        /// The cached hash of a weak-reference node.
        type Word: Word;
        /// The weaklist slot of an object's header: the head of its list of weak
        /// references, with a lock.
        type Slot: Slot;
        /// The lock of a finalizer's state (and of other small states).
        type Lock<T>: Lock<T>;
        /// The lock word of a weak collection's table, which carries the removals waiting
        /// for its holder.
        type TableLock: TableLock;
        /// The pointer holding a finalizer's state (and other shared states): `Arc` or `Rc`.
        type Shared<T>: Shared<T>;

        /// Hands a pending finalizer to the registry that runs it at exit.
        ///
        /// # Safety
        ///
        /// Under the thread-safe flavor, `S` must be `Send + Sync` (the public `finalize`
        /// requires what makes it so): the registry may run and drop it on any thread.
        unsafe fn register_finalizer<S: Pending + 'static>(id: u64, state: &Self::Shared<S>);
    }
}

impl internal::Internal for Sync {
    type Count = AtomicUsize;
    type Flags = AtomicU8;
    type Word = AtomicU64;
    type Slot = AtomicPtr<()>;
    type Lock<T> = Mutex<T>;
    type TableLock = AtomicPtr<()>;
    type Shared<T> = Arc<T>;

    unsafe fn register_finalizer<S: Pending + 'static>(id: u64, state: &Arc<S>) {
        let entry: Arc<dyn Pending> = state.clone();
        // SAFETY: our caller guarantees that `S` is `Send + Sync`.
        let entry = unsafe { crate::finalize::ThreadSafe::new(entry) };
        crate::finalize::register_global(id, entry);
    }
}

impl internal::Internal for Unsync {
    type Count = Cell<usize>;
    type Flags = Cell<u8>;
    type Word = Cell<u64>;
    type Slot = Cell<*mut ()>;
    type Lock<T> = RefCell<T>;
    type TableLock = Cell<*mut ()>;
    type Shared<T> = Rc<T>;

    unsafe fn register_finalizer<S: Pending + 'static>(id: u64, state: &Rc<S>) {
        crate::finalize::register_local(id, state.clone());
    }
}
