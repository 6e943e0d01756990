//! Weak collections: [`WeakValueDictionary`], [`WeakKeyDictionary`] and [`WeakSet`], the
//! thread-safe flavor (the `unsync` ones are in [`unsync::collections`](crate::unsync::collections)).
//!
//! Python's weak containers, with Python's semantics: an entry leaves the collection the
//! moment its object dies, so `len()` is exact and a dead object is never visible; iteration
//! works on a snapshot and is never disturbed by deaths or changes; removal callbacks hold
//! only a weak pointer to the collection. The main types are re-exported at the crate root.
//!
//! | Python | Rust |
//! |---|---|
//! | `WeakValueDictionary()` | [`WeakValueDictionary::new`] (keys: `Hash + Eq`) |
//! | `WeakKeyDictionary()` | [`WeakKeyDictionary::new`] (keys by value), [`WeakIdKeyDictionary`] (by identity) |
//! | `WeakSet()` | [`WeakSet::new`] (by value), [`WeakIdSet`] (by identity) |
//! | `d[k] = v`, `d[k]`, `del d[k]` / `d.pop(k)` | `insert`, `get`, `remove` |
//! | `d.setdefault(k, v)` | `setdefault`, `get_or_insert_with` |
//! | `KeyError` | `None`, or [`KeyError`] from [`WeakSet::remove`] |
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
//! Each collection is written once, as a macro instantiated for both flavors, like the rest of
//! the crate: `wvd.rs`, `wkd.rs`, `set.rs` and `set_ops.rs`; `table.rs` is the shared table
//! and removal queue, `equivalence.rs` the comparison modes.

pub(crate) mod equivalence;
pub(crate) mod set;
pub(crate) mod set_ops;
pub(crate) mod table;
pub(crate) mod wkd;
pub(crate) mod wvd;

pub use equivalence::{ById, ByValue, Hashable, KeyError};

/// Defines the weak collections of one flavor, next to its `Obj` and `WeakRef` (which must be
/// in scope).
///
/// * `path`: the module path users import from, for the docs;
/// * `family`: the lock family (`table::Threaded` or `table::Local`);
/// * `shared` / `weak_shared`: the shared pointer of a collection's state and its weak
///   counterpart (`Arc`/`sync::Weak` or `Rc`/`rc::Weak`);
/// * `owned`: the bounds of owned keys and values besides `'static` (`Send +` or nothing);
/// * `referent`: the bounds of weakly held types (`Send + Sync +` or nothing);
/// * `hasher`: the bounds of the `BuildHasher` (`Send + Sync +` or nothing);
/// * `threads`: the end of the docs' sentence about sharing.
macro_rules! collections_api {
    (
        path: $path:literal,
        family: $Family:ty,
        shared: $Shared:ident,
        weak_shared: $WeakShared:path,
        owned: [$($owned:tt)*],
        referent: [$($referent:tt)*],
        hasher: [$($hasher:tt)*],
        threads: $threads:literal,
    ) => {
        /// Whether an entry holding `stored` (whose referent was at `stored_addr`) is the
        /// entry of `query` (at `query_addr`), compared by `M`. A dead entry matches nothing.
        ///
        /// Same address means same object: the entry's weak reference keeps the object's
        /// allocation, so no other object can be at that address while the entry exists.
        /// Otherwise, by value, the stored key is upgraded and compared; the temporary
        /// strong handle goes to `temps`, to be dropped once the lock is released (it may be
        /// the last one if the key's owners dropped it meanwhile).
        fn weak_key_matches<K, M>(
            stored: &WeakRef<K>,
            stored_addr: usize,
            query: &K,
            query_addr: usize,
            temps: &mut Vec<Obj<K>>,
        ) -> bool
        where
            K: $crate::collections::Hashable<M>,
        {
            if stored_addr == query_addr {
                return stored.is_alive();
            }
            if <K as $crate::collections::Hashable<M>>::IDENTITY {
                return false;
            }
            match stored.upgrade() {
                Some(key) => {
                    // Into `temps` before `Eq` runs: if it panics, the caller still drops the
                    // handle only after the table lock is released.
                    temps.push(key);
                    let key = temps.last().expect("just pushed");
                    $crate::collections::equivalence::same_key::<M, K>(key, query)
                }
                None => false,
            }
        }

        $crate::collections::wvd::wvd_api! {
            path: $path,
            family: $Family,
            shared: $Shared,
            weak_shared: $WeakShared,
            owned: [$($owned)*],
            referent: [$($referent)*],
            hasher: [$($hasher)*],
            threads: $threads,
        }

        $crate::collections::wkd::wkd_api! {
            path: $path,
            family: $Family,
            shared: $Shared,
            weak_shared: $WeakShared,
            owned: [$($owned)*],
            referent: [$($referent)*],
            hasher: [$($hasher)*],
            threads: $threads,
        }

        $crate::collections::set::set_api! {
            path: $path,
            family: $Family,
            shared: $Shared,
            weak_shared: $WeakShared,
            owned: [$($owned)*],
            referent: [$($referent)*],
            hasher: [$($hasher)*],
            threads: $threads,
        }

        $crate::collections::set_ops::set_ops_api! {
            path: $path,
            family: $Family,
            shared: $Shared,
            weak_shared: $WeakShared,
            owned: [$($owned)*],
            referent: [$($referent)*],
            hasher: [$($hasher)*],
            threads: $threads,
        }
    };
}

pub(crate) use collections_api;

use std::sync::Arc;

use crate::{Obj, WeakRef};

collections_api! {
    path: "weakref_core",
    family: crate::collections::table::Threaded,
    shared: Arc,
    weak_shared: std::sync::Weak,
    owned: [Send +],
    referent: [Send + Sync +],
    hasher: [Send + Sync +],
    threads: ", and the collection is `Send + Sync` (for `Send` keys and values and \
        `Send + Sync` referents): share it between threads in an `Arc`. Operations are \
        atomic; iteration works on snapshots.",
}
