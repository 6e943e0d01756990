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
//! | `d.setdefault(k, v)` | `setdefault`, `get_or_insert_with` (builds a missing value once, however many threads race for it), [`entry`](generic::WeakValueDictionary::entry) ([`value_entry`], [`key_entry`]) |
//! | `{k: v for k, v in d.items() if keep(k, v)}`, in place | `retain` |
//! | `d[k]` of a value that is not copyable | [`WeakKeyDictionary::get_with`](generic::WeakKeyDictionary::get_with), [`get_with_mut`](generic::WeakKeyDictionary::get_with_mut) |
//! | `KeyError` | `None`, or [`KeyError`] from [`WeakSet::remove`](generic::WeakSet::remove) |
//! | `TypeError: unhashable type` | a compile error (see [`Hashable`]) |
//!
//! # How it works
//!
//! Each entry *is* a weak reference: a node in its object's list of weak references, whose
//! callback removes the entry, stored with the entry's key (or value) in a slab of nodes the
//! collection owns, and found through an index of slot numbers. A removal never waits for the
//! collection's lock: when it is busy, the dying thread leaves the node on the lock word and
//! whoever holds the lock removes the entry before releasing it, so a re-inserted key never
//! loses its new entry and `len()` is exact. Iteration walks the slab; nodes removed while an
//! iterator is open keep their slots until it closes. `table.rs` has the whole argument.
//!
//! Each collection is written once, generic over the flavor `F` like the rest of the crate:
//! `wvd.rs`, `wkd.rs` and `set.rs` (with the set algebra), `value_entry.rs` and `key_entry.rs`
//! (their entry APIs); `table.rs` is the slab, the index and the lock, `walk.rs` the iterators'
//! engine, `equivalence.rs` the comparison modes.

pub(crate) mod equivalence;
pub mod key_entry;
pub(crate) mod set;
mod table;
pub mod value_entry;
mod walk;
pub(crate) mod wkd;
pub(crate) mod wvd;

use std::hash::RandomState;

pub use equivalence::{ById, ByValue, Hashable, KeyError};

use table::{Bin, Slot};

use crate::flavor::{self, Flavor};
use crate::generic;

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

/// Whether the entry in `slot` is the entry of `query` (at `query_addr`), compared by `M`. A
/// dead entry matches nothing.
///
/// Addresses are those of the referents' values, without pointer metadata, so every view of one
/// object (an `Obj<Printer>` and the `Obj<dyn Observer>` coerced from it) has the same one. Same
/// address means same object: the entry's weak reference keeps the object's allocation, so no
/// other object can be at that address while the entry exists. Otherwise, by value, the stored
/// key is upgraded and compared; the temporary strong handle goes to `bin`, to be dropped once
/// the lock is released (it may be the last one if the key's owners dropped it meanwhile).
#[inline]
fn key_matches<K, X, M, F>(
    slot: Slot<K, X, F>,
    query: &K,
    query_addr: usize,
    bin: &mut Bin<K, X, F>,
) -> bool
where
    K: ?Sized + Hashable<M>,
    F: Flavor,
{
    if slot.value_addr() == query_addr {
        return slot.is_alive();
    }
    if <K as Hashable<M>>::IDENTITY {
        return false;
    }
    match slot.upgrade() {
        // Into `temps` before `Eq` runs: if it panics, the handle is still dropped only after
        // the table lock is released.
        Some(key) => equivalence::same_key::<M, K>(bin.temp(key), query),
        None => false,
    }
}
