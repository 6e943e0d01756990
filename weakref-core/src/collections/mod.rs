//! Weak collections: [`WeakValueDictionary`], [`WeakKeyDictionary`] and [`WeakSet`], the
//! thread-safe flavor (the `unsync` ones are in [`unsync::collections`](crate::unsync::collections)).
//!
//! Python's weak containers, with Python's semantics: an entry leaves the collection the
//! moment its object dies, so `len()` is exact and a dead object is never visible; iteration
//! works on a snapshot and is never disturbed by deaths or changes; removal callbacks hold
//! only a weak pointer to the collection. The main types are re-exported at the crate root.
//!
//! The names here are type aliases that fix the flavor; the collections themselves, and their
//! methods, are documented once, generic over it, in [`generic`]:
//! [`generic::WeakValueDictionary`], [`generic::WeakKeyDictionary`] and [`generic::WeakSet`].
//!
//! | Python | Rust |
//! |---|---|
//! | `WeakValueDictionary()` | [`WeakValueDictionary::new`](generic::WeakValueDictionary::new) (keys: `Hash + Eq`) |
//! | `WeakKeyDictionary()` | [`WeakKeyDictionary::new`](generic::WeakKeyDictionary::new) (keys by value), [`WeakIdKeyDictionary`] (by identity) |
//! | `WeakSet()` | [`WeakSet::new`](generic::WeakSet::new) (by value), [`WeakIdSet`] (by identity) |
//! | `d[k] = v`, `d[k]`, `del d[k]` / `d.pop(k)` | `insert`, `get`, `remove` |
//! | `d.setdefault(k, v)` | `setdefault`, `get_or_insert_with` |
//! | `KeyError` | `None`, or [`KeyError`] from [`WeakSet::remove`](generic::WeakSet::remove) |
//! | `TypeError: unhashable type` | a compile error (see [`Hashable`]) |
//!
//! # How it works
//!
//! Each entry holds a weak reference with a callback. The callback captures a weak pointer to
//! the collection's shared state and the hash the entry is stored under; it deletes the entry
//! holding that very weak reference, so a re-inserted key never loses its new entry. Callbacks
//! never wait for the collection's lock: when it is busy they queue the removal, and whoever
//! holds the lock applies the queue before releasing it (the argument is in `table.rs`).
//!
//! Each collection is written once, generic over the flavor `F` like the rest of the crate:
//! `wvd.rs`, `wkd.rs` and `set.rs` (with the set algebra); `table.rs` is the shared table and
//! removal queue, `equivalence.rs` the comparison modes. An entry stores a one-word handle to its
//! weak-reference node (`OwnWeak`), which reads the object pointer from the node.

pub(crate) mod equivalence;
pub(crate) mod set;
mod table;
pub(crate) mod wkd;
pub(crate) mod wvd;

use std::hash::RandomState;

pub use equivalence::{ById, ByValue, Hashable, KeyError};

use crate::flavor::{self, Flavor};
use crate::generic;
use crate::obj::Obj;
use crate::raw::OwnWeak;

/// A dictionary whose values are held weakly, Python's `weakref.WeakValueDictionary`,
/// thread-safe: [`generic::WeakValueDictionary`] with the [`Sync`](flavor::Sync) flavor, whose
/// page documents its methods.
///
/// ```
/// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Image;
///
/// let cache: WeakValueDictionary<&str, Image> = WeakValueDictionary::new();
/// let logo = Obj::new(Image);
/// cache.insert("logo", &logo);
/// assert!(cache.contains_key("logo"));
/// drop(logo);
/// assert!(cache.is_empty());
/// ```
pub type WeakValueDictionary<K, V, S = RandomState> =
    generic::WeakValueDictionary<K, V, S, flavor::Sync>;

/// A dictionary whose keys are held weakly, Python's `weakref.WeakKeyDictionary`, thread-safe:
/// [`generic::WeakKeyDictionary`] with the [`Sync`](flavor::Sync) flavor, whose page documents
/// its methods.
pub type WeakKeyDictionary<K, V, S = RandomState, M = ByValue> =
    generic::WeakKeyDictionary<K, V, S, M, flavor::Sync>;

/// A [`WeakKeyDictionary`] whose keys compare by identity, thread-safe: any
/// [`Weakrefable`](crate::Weakrefable) type can be a key, no `Hash` or `Eq` needed.
///
/// ```
/// use weakref_core::{Obj, WeakIdKeyDictionary, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Window;
///
/// let titles = WeakIdKeyDictionary::new();
/// let (a, b) = (Obj::new(Window), Obj::new(Window));
/// titles.insert(&a, "main");
/// titles.insert(&b, "help");
/// assert_eq!(titles.get(&*a), Some("main"));
/// assert_eq!(titles.len(), 2);
/// ```
pub type WeakIdKeyDictionary<K, V, S = RandomState> = WeakKeyDictionary<K, V, S, ById>;

/// A set whose elements are held weakly, Python's `weakref.WeakSet`, thread-safe:
/// [`generic::WeakSet`] with the [`Sync`](flavor::Sync) flavor, whose page documents its
/// methods.
pub type WeakSet<T, S = RandomState, M = ByValue> = generic::WeakSet<T, S, M, flavor::Sync>;

/// A [`WeakSet`] whose elements compare by identity, thread-safe: any
/// [`Weakrefable`](crate::Weakrefable) type can be an element, no `Hash` or `Eq` needed. The
/// natural choice for observer lists, trait objects included.
///
/// ```
/// use weakref_core::{Obj, WeakIdSet, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Listener;
///
/// let listeners = WeakIdSet::new();
/// let a = Obj::new(Listener);
/// listeners.add(&a);
/// assert_eq!(listeners.len(), 1);
/// drop(a);
/// assert!(listeners.is_empty());
/// ```
pub type WeakIdSet<T, S = RandomState> = WeakSet<T, S, ById>;

/// Whether an entry holding `stored` (whose referent was at `stored_addr`) is the entry of
/// `query` (at `query_addr`), compared by `M`. A dead entry matches nothing.
///
/// Addresses are those of the referents' values, without pointer metadata, so every view of one
/// object (an `Obj<Printer>` and the `Obj<dyn Observer>` coerced from it) has the same one. Same
/// address means same object: the entry's weak reference keeps the object's allocation, so no
/// other object can be at that address while the entry exists. Otherwise, by value, the stored
/// key is upgraded and compared; the temporary strong handle goes to `temps`, to be dropped once
/// the lock is released (it may be the last one if the key's owners dropped it meanwhile).
fn weak_key_matches<K, M, F>(
    stored: &OwnWeak<K, F>,
    stored_addr: usize,
    query: &K,
    query_addr: usize,
    temps: &mut Vec<Obj<K, F>>,
) -> bool
where
    K: ?Sized + Hashable<M>,
    F: Flavor,
{
    if stored_addr == query_addr {
        return stored.is_alive();
    }
    if <K as Hashable<M>>::IDENTITY {
        return false;
    }
    match stored.upgrade() {
        Some(key) => {
            // Into `temps` before `Eq` runs: if it panics, the caller still drops the handle
            // only after the table lock is released.
            temps.push(Obj::from_raw_obj(key));
            let key = temps.last().expect("just pushed");
            equivalence::same_key::<M, K>(key, query)
        }
        None => false,
    }
}
