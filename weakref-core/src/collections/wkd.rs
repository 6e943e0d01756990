//! `WeakKeyDictionary` and its iterator, generic over the flavor.

use core::borrow::Borrow;
use core::fmt;
use core::hash::BuildHasher;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ops::{BitOr, BitOrAssign};
use std::hash::RandomState;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry as TableEntry;

use super::equivalence::{self, ByValue, Hashable};
use super::table::{self, Table};
use super::weak_key_matches;
use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf, Shared, SyncIf};
use crate::obj::Obj;
use crate::raw::{Kind, OwnWeak, RawWeak};
use crate::weakref::WeakRef;

/// One entry: the key watched through a weak reference whose callback removes the entry, the key's
/// address (for identity), and the value.
struct KeyEntry<K: ?Sized, V, F: Flavor> {
    hash: u64,
    addr: usize,
    key: OwnWeak<K, F>,
    value: V,
}

impl<K: ?Sized, V, F: Flavor> table::Entry for KeyEntry<K, V, F> {
    type Weak = RawWeak<K, F>;

    fn holds(&self, weak: &RawWeak<K, F>) -> bool {
        self.key.holds(weak)
    }
}

/// What a dictionary's handles and its entries' callbacks share.
struct KeyDictInner<K: ?Sized, V, S, F: Flavor> {
    table: Table<KeyEntry<K, V, F>, F>,
    hasher: S,
}

/// A dictionary whose keys are held weakly: Python's `weakref.WeakKeyDictionary`.
///
/// Keys are [`Obj`](crate::Obj)s the dictionary does not keep alive; values are owned. The moment a
/// key dies its entry leaves the dictionary, so [`len`](Self::len) is exact. Use it to attach data
/// to objects without keeping them alive.
///
/// `M` chooses how keys compare: [`ByValue`](crate::ByValue) (the default) by the referents'
/// `Hash + Eq`, so any live object equal to a key finds its entry, or [`ById`](crate::ById) by
/// identity, for any [`Weakrefable`] type ([`WeakIdKeyDictionary`](crate::WeakIdKeyDictionary)).
///
/// All methods take `&self`, and the collection is `Send + Sync` (for `Send` keys and values and
/// `Send + Sync` referents): share it between threads in an `Arc`. Operations are atomic; iteration
/// works on snapshots. The single-threaded flavor,
/// [`unsync::collections`](crate::unsync::collections), has the same API without locks or atomics,
/// and its collections are not `Send`.
///
/// ```
/// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
///
/// #[derive(Hash, PartialEq, Eq, Weakrefable)]
/// struct Node(u32);
///
/// let meta: WeakKeyDictionary<Node, &str> = WeakKeyDictionary::new();
/// let node = Obj::new(Node(1));
/// meta.insert(&node, "root");
/// assert_eq!(meta.get(&*node), Some("root"));
/// assert_eq!(meta.get(&Node(1)), Some("root")); // an equal value finds it
///
/// drop(node); // the key dies: its entry leaves at once
/// assert!(meta.is_empty());
/// ```
///
/// # Semantics
///
/// * The first key object inserted wins: inserting under an equal, distinct key replaces the value
///   but keeps the original key, and the entry still dies with that original (CPython's behaviour).
/// * Values are held strongly: a value that owns its own key keeps the entry alive for good, as in
///   Python. Remove such entries explicitly.
/// * Iteration works on a snapshot (keys as weak references, values cloned) taken under the lock;
///   keys are upgraded as they are reached and dead ones skipped.
/// * Order is unspecified. Each entry holds one weak reference with a callback.
///
/// # User code under the lock
///
/// With `ByValue`, the keys' `Eq` runs under the dictionary's lock, and so does the values' `Clone`
/// in the methods that return values ([`get`](Self::get), iteration, copies); they must not use the
/// same dictionary (in the thread-safe flavor that deadlocks, in `unsync` it panics). Keys are
/// hashed outside the lock. Nothing is dropped under the lock.
///
/// # Flavors and trait objects
///
/// `F` is the [flavor](crate::flavor): `weakref_core::WeakKeyDictionary<K, V>` is
/// `WeakKeyDictionary<K, V, RandomState, ByValue, Sync>`, `unsync::WeakKeyDictionary<K, V>` the
/// same with `Unsync`. Keys may be trait objects: by identity for any trait, by value when the
/// trait object is `Hash + Eq`:
///
/// ```
/// use weakref_core::{coerce, Obj, WeakIdKeyDictionary, Weakrefable};
///
/// trait Widget: Weakrefable + Send + Sync {}
///
/// #[derive(Weakrefable)]
/// struct Button;
///
/// impl Widget for Button {}
///
/// let button = Obj::new(Button);
/// let tooltips: WeakIdKeyDictionary<dyn Widget, &str> = WeakIdKeyDictionary::new();
/// tooltips.insert(&coerce!(button.clone()), "press me");
/// assert_eq!(tooltips.get(&*button), Some("press me")); // found through `&Button`
/// drop(button);
/// assert!(tooltips.is_empty());
/// ```
pub struct WeakKeyDictionary<K: ?Sized, V, S = RandomState, M = ByValue, F: Flavor = flavor::Sync> {
    inner: F::Shared<KeyDictInner<K, V, S, F>>,
    mode: PhantomData<fn() -> M>,
}

// SAFETY: the state is shared, through an `Arc`, by the handles and by the entries' removal
// callbacks, which run on whichever thread a key dies on and may drop the state there. Each
// entry's weak reference is a thread-safe node (atomic counts, locked list) that upgrades to an
// `Obj<K, Sync>` on any thread, as a `WeakRef<K, Sync>` does (`K: Send + Sync`). Values are
// only reached under the table's `Mutex` and may be dropped on any thread (`V: Send`). The
// callbacks capture only a `sync::Weak` of the state and a hash. The hasher is used through
// `&self` from every thread and dropped on any (`S: Send + Sync`). These are the bounds the
// fields' auto traits gave when the entries held `WeakRef`s.
unsafe impl<K: ?Sized + Send + Sync, V: Send, S: Send + Sync, M> Send
    for WeakKeyDictionary<K, V, S, M, flavor::Sync>
{
}
// SAFETY: as for `Send`: every method takes `&self`, and the table is behind a `Mutex`.
unsafe impl<K: ?Sized + Send + Sync, V: Send, S: Send + Sync, M> Sync
    for WeakKeyDictionary<K, V, S, M, flavor::Sync>
{
}

impl<K: ?Sized, V, S, M, F: Flavor> WeakKeyDictionary<K, V, S, M, F> {
    /// An empty dictionary with room for `capacity` entries, hashing with `hasher`: the body of
    /// every constructor, without their bounds (the public ones state them; `RandomState`, the
    /// hasher of `new`, is `Send + Sync`).
    fn build(capacity: usize, hasher: S) -> Self {
        Self {
            inner: Shared::new(KeyDictInner {
                table: Table::with_capacity(capacity),
                hasher,
            }),
            mode: PhantomData,
        }
    }
}

impl<K, V, M, F: Flavor> WeakKeyDictionary<K, V, RandomState, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    M: 'static,
{
    /// An empty dictionary.
    ///
    /// ```
    /// use weakref_core::{WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node;
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// assert!(d.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::build(0, RandomState::new())
    }

    /// An empty dictionary with room for `capacity` entries.
    ///
    /// ```
    /// use weakref_core::{WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node;
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::with_capacity(8);
    /// assert!(d.is_empty());
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::build(capacity, RandomState::new())
    }
}

impl<K, V, S, M, F: Flavor> WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An empty dictionary hashing its keys with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use weakref_core::{WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node;
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::with_hasher(RandomState::new());
    /// assert!(d.is_empty());
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        Self::with_capacity_and_hasher(0, hasher)
    }

    /// An empty dictionary with room for `capacity` entries, hashing with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use weakref_core::{WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node;
    ///
    /// let d: WeakKeyDictionary<Node, u32> =
    ///     WeakKeyDictionary::with_capacity_and_hasher(4, RandomState::new());
    /// assert!(d.is_empty());
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self::build(capacity, hasher)
    }

    /// The weak reference of a new entry for `key` under `hash`.
    fn watch(&self, hash: u64, key: &Obj<K, F>) -> OwnWeak<K, F> {
        let inner = Shared::downgrade(&self.inner);
        OwnWeak::with_callback(&key.raw, Kind::CallbackRef, move |dead: &RawWeak<K, F>| {
            if let Some(inner) = <F::Shared<KeyDictInner<K, V, S, F>>>::upgrade(&inner) {
                inner.table.remove_dead(hash, dead);
            }
        })
    }

    fn hash(&self, key: &K) -> u64 {
        equivalence::hash_key::<M, K, S>(key, &self.inner.hasher)
    }

    /// Maps `key` to `value` (Python's `d[key] = value`); returns the previous value.
    ///
    /// If an entry for an equal key exists, its value is replaced and its original key object kept
    /// (the first key wins); otherwise a new entry watches `key`.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// assert_eq!(d.insert(&node, 10), None);
    /// assert_eq!(d.insert(&node, 20), Some(10));
    /// ```
    pub fn insert(&self, key: &Obj<K, F>, value: V) -> Option<V> {
        let hash = self.hash(key);
        let addr = equivalence::address::<K>(key);
        // Strong handles taken while comparing; held out here so that, even if an `Eq`
        // panics, they are dropped after the table lock is released.
        let mut temps = Vec::new();
        // Likewise the value, until it is stored.
        let mut unstored = Some(value);
        let previous = self.inner.table.with(|table| {
            let found = table.entry(
                hash,
                |entry| weak_key_matches::<K, M, F>(&entry.key, entry.addr, key, addr, &mut temps),
                |entry| entry.hash,
            );
            match found {
                TableEntry::Occupied(mut found) => {
                    let value = unstored.take().expect("stored once");
                    Some(core::mem::replace(&mut found.get_mut().value, value))
                }
                TableEntry::Vacant(slot) => {
                    // Creating a weak reference runs no user code.
                    let key = self.watch(hash, key);
                    let value = unstored.take().expect("stored once");
                    slot.insert(KeyEntry {
                        hash,
                        addr,
                        key,
                        value,
                    });
                    None
                }
            }
        });
        drop((temps, unstored));
        previous
    }

    /// Inserts every `(key, value)` pair, keys given as `Obj` or `&Obj` (Python's
    /// `d.update(pairs)`); later pairs win. Takes `&self`, so a shared dictionary can be updated;
    /// [`Extend`] does the same through `&mut`.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let nodes = [Obj::new(Node(1)), Obj::new(Node(2))];
    /// d.update([(&nodes[0], 'a'), (&nodes[1], 'b'), (&nodes[0], 'c')]);
    /// assert_eq!(d.len(), 2);
    /// assert_eq!(d.get(&Node(1)), Some('c'));
    /// ```
    pub fn update<I, B>(&self, pairs: I)
    where
        I: IntoIterator<Item = (B, V)>,
        B: Borrow<Obj<K, F>>,
    {
        for (key, value) in pairs {
            self.insert(key.borrow(), value);
        }
    }

    /// Runs `f` on the entry for `key`, if there is one, under the lock; returns what it returns
    /// and the temporaries of the lookup, to drop after the lock.
    fn find_with<R>(
        &self,
        key: &K,
        f: impl FnOnce(&mut HashTable<KeyEntry<K, V, F>>, u64, usize) -> R,
    ) -> R {
        let hash = self.hash(key);
        let addr = equivalence::address::<K>(key);
        self.inner.table.with(|table| f(table, hash, addr))
    }

    /// A clone of the value for `key` (Python's `d.get(key)`). `key` may be the key object itself
    /// or, with `ByValue`, any equal value.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, String::from("meta"));
    /// assert_eq!(d.get(&*node).as_deref(), Some("meta"));
    /// assert_eq!(d.get(&Node(2)), None);
    /// ```
    pub fn get(&self, key: &K) -> Option<V>
    where
        V: Clone,
    {
        // Strong handles taken while comparing; held out here so that, even if an `Eq`
        // panics, they are dropped after the table lock is released.
        let mut temps = Vec::new();
        let value = self.find_with(key, |table, hash, addr| {
            table
                .find(hash, |entry| {
                    weak_key_matches::<K, M, F>(&entry.key, entry.addr, key, addr, &mut temps)
                })
                .map(|entry| entry.value.clone())
        });
        drop(temps);
        value
    }

    /// Whether `key` has an entry (Python's `key in d`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, ());
    /// assert!(d.contains_key(&Node(1)));
    /// assert!(!d.contains_key(&Node(2)));
    /// ```
    pub fn contains_key(&self, key: &K) -> bool {
        // Strong handles taken while comparing; held out here so that, even if an `Eq`
        // panics, they are dropped after the table lock is released.
        let mut temps = Vec::new();
        let found = self.find_with(key, |table, hash, addr| {
            table
                .find(hash, |entry| {
                    weak_key_matches::<K, M, F>(&entry.key, entry.addr, key, addr, &mut temps)
                })
                .is_some()
        });
        drop(temps);
        found
    }

    /// Removes `key`'s entry and returns its value (Python's `d.pop(key)`; `None` where Python
    /// raises `KeyError`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 5);
    /// assert_eq!(d.remove(&*node), Some(5));
    /// assert_eq!(d.remove(&*node), None);
    /// ```
    pub fn remove(&self, key: &K) -> Option<V> {
        self.remove_entry(key).map(|(_, value)| value)
    }

    /// Removes `key`'s entry and returns the stored key object and the value.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 5);
    /// let (key, value) = d.remove_entry(&Node(1)).unwrap();
    /// assert!(Obj::ptr_eq(&key, &node));
    /// assert_eq!(value, 5);
    /// ```
    pub fn remove_entry(&self, key: &K) -> Option<(Obj<K, F>, V)> {
        // Strong handles taken while comparing; held out here so that, even if an `Eq`
        // panics, they are dropped after the table lock is released.
        let mut temps = Vec::new();
        let removed = self.find_with(key, |table, hash, addr| {
            table
                .find_entry(hash, |entry| {
                    weak_key_matches::<K, M, F>(&entry.key, entry.addr, key, addr, &mut temps)
                })
                .ok()
                .and_then(|found| {
                    let entry = found.remove().0;
                    let key = Obj::from_raw_obj(entry.key.upgrade()?);
                    Some((key, entry))
                })
        });
        drop(temps);
        removed.map(|(key, entry)| (key, entry.value))
    }

    /// Python's `d.setdefault(key, default)`: a clone of the value for `key`, or else `default`,
    /// stored under `key` and returned (cloned). Atomic.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// assert_eq!(d.setdefault(&node, 1), 1);
    /// assert_eq!(d.setdefault(&node, 2), 1);
    /// ```
    pub fn setdefault(&self, key: &Obj<K, F>, default: V) -> V
    where
        V: Clone,
    {
        let hash = self.hash(key);
        let addr = equivalence::address::<K>(key);
        // Strong handles taken while comparing; held out here so that, even if an `Eq`
        // panics, they are dropped after the table lock is released.
        let mut temps = Vec::new();
        let (value, unused) = self.inner.table.with(|table| {
            let found = table.entry(
                hash,
                |entry| weak_key_matches::<K, M, F>(&entry.key, entry.addr, key, addr, &mut temps),
                |entry| entry.hash,
            );
            match found {
                TableEntry::Occupied(found) => (found.get().value.clone(), Some(default)),
                TableEntry::Vacant(slot) => {
                    let weak = self.watch(hash, key);
                    let entry = slot.insert(KeyEntry {
                        hash,
                        addr,
                        key: weak,
                        value: default,
                    });
                    (entry.get().value.clone(), None)
                }
            }
        });
        drop((unused, temps));
        value
    }

    /// A clone of the value for `key`, or else of the value `make` returns, stored under `key`.
    /// `make` runs without the lock held, only when `key` was absent; if another thread inserts
    /// `key` meanwhile, its value wins.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// assert_eq!(d.get_or_insert_with(&node, || 7), 7);
    /// assert_eq!(d.get_or_insert_with(&node, || unreachable!()), 7);
    /// ```
    pub fn get_or_insert_with(&self, key: &Obj<K, F>, make: impl FnOnce() -> V) -> V
    where
        V: Clone,
    {
        if let Some(value) = self.get(key) {
            return value;
        }
        self.setdefault(key, make())
    }

    /// Removes some entry with a live key and returns it (Python's `d.popitem()`; `None` where
    /// Python raises `KeyError`). Which entry is unspecified.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, "x");
    /// let (key, value) = d.popitem().unwrap();
    /// assert!(Obj::ptr_eq(&key, &node) && value == "x");
    /// assert!(d.popitem().is_none());
    /// ```
    pub fn popitem(&self) -> Option<(Obj<K, F>, V)> {
        let (key, entry) = self.inner.table.with(|table| {
            let (hash, weak, key) = table.iter().find_map(|entry| {
                let key = Obj::from_raw_obj(entry.key.upgrade()?);
                Some((entry.hash, entry.key.clone(), key))
            })?;
            let found = table
                .find_entry(hash, |entry| entry.key.ptr_eq(&weak))
                .ok()?;
            Some((key, found.remove().0))
        })?;
        Some((key, entry.value))
    }

    /// Removes every entry (Python's `d.clear()`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, ());
    /// d.clear();
    /// assert!(d.is_empty());
    /// ```
    pub fn clear(&self) {
        let entries = self.inner.table.with(core::mem::take);
        drop(entries);
    }

    /// The number of entries (Python's `len(d)`): exact, since an entry leaves the moment its key
    /// dies.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, ());
    /// assert_eq!(d.len(), 1);
    /// drop(node);
    /// assert_eq!(d.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.table.with(|table| table.len())
    }

    /// Whether the dictionary is empty.
    ///
    /// ```
    /// use weakref_core::{WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node;
    ///
    /// let d: WeakKeyDictionary<Node, ()> = WeakKeyDictionary::new();
    /// assert!(d.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An iterator over `(key, value)` for the live entries (Python's `d.items()`), from a snapshot
    /// taken under the lock (values cloned then). Keys are upgraded when reached; entries whose key
    /// died by then are skipped.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 'a');
    /// let items: Vec<_> = d.iter().map(|(k, v)| (k.0, v)).collect();
    /// assert_eq!(items, [(1, 'a')]);
    /// ```
    pub fn iter(&self) -> KeyDictIter<K, V, F>
    where
        V: Clone,
    {
        let snapshot: Vec<(OwnWeak<K, F>, V)> = self.inner.table.with(|table| {
            let mut snapshot = Vec::with_capacity(table.len());
            // Dead entries (removals still queued) are rare: the iterator skips them.
            snapshot.extend(
                table
                    .iter()
                    .map(|entry| (entry.key.clone(), entry.value.clone())),
            );
            snapshot
        });
        KeyDictIter {
            snapshot: snapshot.into_iter(),
        }
    }

    /// An iterator over the live keys (Python's `d.keys()`), from a snapshot.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, ());
    /// assert!(Obj::ptr_eq(&d.keys().next().unwrap(), &node));
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = Obj<K, F>> + use<K, V, S, M, F> {
        let keys: Vec<OwnWeak<K, F>> = self.inner.table.with(|table| {
            table
                .iter()
                .filter(|entry| entry.key.is_alive())
                .map(|entry| entry.key.clone())
                .collect()
        });
        keys.into_iter()
            .filter_map(|key| key.upgrade().map(Obj::from_raw_obj))
    }

    /// An iterator over clones of the values of the live entries (Python's `d.values()`), from a
    /// snapshot.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 3);
    /// assert_eq!(d.values().collect::<Vec<_>>(), [3]);
    /// ```
    pub fn values(&self) -> impl Iterator<Item = V> + use<K, V, S, M, F>
    where
        V: Clone,
    {
        self.iter().map(|(_, value)| value)
    }

    /// Handles to the entries' weak references to their keys (Python's `d.keyrefs()`): the entries'
    /// own weak-reference objects, which may die after this returns.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, ());
    /// let refs = d.keyrefs();
    /// assert!(Obj::ptr_eq(&refs[0].upgrade().unwrap(), &node));
    /// ```
    pub fn keyrefs(&self) -> Vec<WeakRef<K, F>> {
        self.inner.table.with(|table| {
            table
                .iter()
                .filter(|entry| entry.key.is_alive())
                .map(|entry| WeakRef {
                    raw: entry.key.to_raw(),
                })
                .collect()
        })
    }
}

/// The iterator of [`WeakKeyDictionary::iter`]: `(key, value)` for each entry of a snapshot whose
/// key is still alive when reached.
///
/// ```
/// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
///
/// #[derive(Hash, PartialEq, Eq, Weakrefable)]
/// struct Node(u8);
///
/// let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();
/// let node = Obj::new(Node(1));
/// d.insert(&node, ());
/// let mut it = d.iter();
/// drop(node); // dies before it is reached
/// assert!(it.next().is_none());
/// ```
pub struct KeyDictIter<K: ?Sized, V, F: Flavor = flavor::Sync> {
    snapshot: std::vec::IntoIter<(OwnWeak<K, F>, V)>,
}

// SAFETY: the snapshot holds values and handles to thread-safe weak-reference nodes, which
// upgrade to `Obj<K, Sync>` on whichever thread iterates: the bounds of a `Vec<(WeakRef<K,
// Sync>, V)>`, which the iterator held before it held one-word handles.
unsafe impl<K: ?Sized + Send + Sync, V: Send> Send for KeyDictIter<K, V, flavor::Sync> {}
// SAFETY: as for `Send`; `&KeyDictIter` only reads the remaining length.
unsafe impl<K: ?Sized + Send + Sync, V: Sync> Sync for KeyDictIter<K, V, flavor::Sync> {}

impl<K: ?Sized, V, F: Flavor> Iterator for KeyDictIter<K, V, F> {
    type Item = (Obj<K, F>, V);

    fn next(&mut self) -> Option<(Obj<K, F>, V)> {
        self.snapshot
            .by_ref()
            .find_map(|(key, value)| Some((Obj::from_raw_obj(key.upgrade()?), value)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.snapshot.len()))
    }
}

impl<K: ?Sized, V, F: Flavor> FusedIterator for KeyDictIter<K, V, F> {}

impl<K: ?Sized, V, F: Flavor> fmt::Debug for KeyDictIter<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDictIter")
            .field("remaining", &self.snapshot.len())
            .finish()
    }
}

impl<K, V, S, M, F: Flavor> Default for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: BuildHasher + Default + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An empty dictionary.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S, M, F: Flavor> Clone for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: Clone + SendIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An independent copy (Python's `d.copy()`): the same key objects, cloned values, each entry
    /// with its own weak reference.
    fn clone(&self) -> Self {
        let copy = Self::with_hasher(self.inner.hasher.clone());
        for (key, value) in self.iter() {
            copy.insert(&key, value);
        }
        copy
    }
}

impl<K, V, S, M, F: Flavor> Extend<(Obj<K, F>, V)> for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
    fn extend<I: IntoIterator<Item = (Obj<K, F>, V)>>(&mut self, pairs: I) {
        self.update(pairs);
    }
}

impl<'a, K, V, S, M, F: Flavor> Extend<(&'a Obj<K, F>, V)> for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
    fn extend<I: IntoIterator<Item = (&'a Obj<K, F>, V)>>(&mut self, pairs: I) {
        self.update(pairs);
    }
}

impl<K, V, S, M, F: Flavor, P> FromIterator<P> for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: BuildHasher + Default + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    Self: Extend<P>,
{
    /// A dictionary of the pairs (Python's `WeakKeyDictionary(pairs)`).
    fn from_iter<I: IntoIterator<Item = P>>(pairs: I) -> Self {
        let mut dict = Self::default();
        dict.extend(pairs);
        dict
    }
}

impl<K, V, S, M, F: Flavor> IntoIterator for &WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: Clone + SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    type Item = (Obj<K, F>, V);
    type IntoIter = KeyDictIter<K, V, F>;

    fn into_iter(self) -> KeyDictIter<K, V, F> {
        self.iter()
    }
}

impl<K, V, S, M, F: Flavor> IntoIterator for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: Clone + SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    type Item = (Obj<K, F>, V);
    type IntoIter = KeyDictIter<K, V, F>;

    /// The live entries, from a snapshot (see [`WeakKeyDictionary::iter`]).
    fn into_iter(self) -> KeyDictIter<K, V, F> {
        self.iter()
    }
}

impl<K, V, S, M, F: Flavor> PartialEq for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: Clone + PartialEq + SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// Whether both map the same live keys to equal values (Python's `Mapping.__eq__`), from a
    /// snapshot of each.
    fn eq(&self, other: &Self) -> bool {
        if Shared::ptr_eq(&self.inner, &other.inner) {
            return true;
        }
        let mine: Vec<(Obj<K, F>, V)> = self.iter().collect();
        let theirs: Vec<(Obj<K, F>, V)> = other.iter().collect();
        mine.len() == theirs.len()
            && mine
                .iter()
                .all(|(key, value)| other.get(key).is_some_and(|found| found == *value))
    }
}

impl<K, V, S, M, F: Flavor> fmt::Debug for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + fmt::Debug + SendIf<F> + SyncIf<F> + 'static,
    V: Clone + fmt::Debug + SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// The live entries, as a map: `{key: value, ...}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S, M, F: Flavor, I, P> BitOr<I> for &WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: Clone + SendIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator<Item = P>,
    WeakKeyDictionary<K, V, S, M, F>: Extend<P>,
{
    type Output = WeakKeyDictionary<K, V, S, M, F>;

    /// A new dictionary with this one's entries updated by `pairs` (Python's `d | other`: the right
    /// side wins).
    fn bitor(self, pairs: I) -> WeakKeyDictionary<K, V, S, M, F> {
        let mut merged = self.clone();
        merged.extend(pairs);
        merged
    }
}

impl<K, V, S, M, F: Flavor, I, P> BitOrAssign<I> for WeakKeyDictionary<K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator<Item = P>,
    WeakKeyDictionary<K, V, S, M, F>: Extend<P>,
{
    /// Updates this dictionary with `pairs` (Python's `d |= other`).
    fn bitor_assign(&mut self, pairs: I) {
        self.extend(pairs);
    }
}

/// Entry sizes on 64-bit targets: what the benchmark's bytes per entry are made of.
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::KeyEntry;
    use crate::flavor::{Sync, Unsync};

    #[test]
    fn an_entry_is_its_hash_address_one_word_handle_and_value() {
        assert_eq!(size_of::<KeyEntry<u8, u64, Sync>>(), 32);
        assert_eq!(size_of::<KeyEntry<dyn core::any::Any, u64, Unsync>>(), 32);
    }
}
