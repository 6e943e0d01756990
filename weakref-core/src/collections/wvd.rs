//! `WeakValueDictionary`, its iterator and `KeyedRef`, generic over the flavor.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::ops::{BitOr, BitOrAssign, Deref};
use std::hash::RandomState;

use hashbrown::hash_table::Entry as TableEntry;

use super::equivalence::{self, ByValue, Hashable};
use super::table::{self, Table};
use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf, Shared, SyncIf};
use crate::obj::Obj;
use crate::raw::{Kind, OwnWeak, RawWeak};
use crate::weakref::WeakRef;

/// One entry: the key, and the value watched through a weak reference whose callback removes the
/// entry.
struct ValueEntry<K, V: ?Sized, F: Flavor> {
    hash: u64,
    key: K,
    value: OwnWeak<V, F>,
}

impl<K, V: ?Sized, F: Flavor> table::Entry for ValueEntry<K, V, F> {
    type Weak = RawWeak<V, F>;

    fn holds(&self, weak: &RawWeak<V, F>) -> bool {
        self.value.holds(weak)
    }
}

/// Whether two owned keys are equal (`Eq`, through `Hashable`).
fn same_owned_key<K: Hashable>(a: &K, b: &K) -> bool {
    equivalence::same_key::<ByValue, K>(a, b)
}

/// What a dictionary's handles and its entries' callbacks share.
struct ValueDictInner<K, V: ?Sized, S, F: Flavor> {
    table: Table<ValueEntry<K, V, F>, F>,
    hasher: S,
}

/// A dictionary whose values are held weakly: Python's `weakref.WeakValueDictionary`.
///
/// Keys are ordinary owned values compared by `Hash + Eq`; each value is an [`Obj`](crate::Obj) the
/// dictionary does not keep alive. The moment a value dies its entry leaves the dictionary, so
/// [`len`](Self::len) is exact and a dead value is never returned. Use it for caches and registries
/// that must not keep their data alive.
///
/// All methods take `&self`, and the collection is `Send + Sync` (for `Send` keys and values and
/// `Send + Sync` referents): share it between threads in an `Arc`. Operations are atomic; iteration
/// works on snapshots. The single-threaded flavor,
/// [`unsync::collections`](crate::unsync::collections), has the same API without locks or atomics,
/// and its collections are not `Send`.
///
/// ```
/// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Image {
///     pixels: Vec<u8>,
/// }
///
/// let cache: WeakValueDictionary<String, Image> = WeakValueDictionary::new();
/// let img = Obj::new(Image { pixels: vec![0; 64] });
/// cache.insert("logo".to_string(), &img);
/// assert!(Obj::ptr_eq(&cache.get("logo").unwrap(), &img));
/// assert_eq!(cache.len(), 1);
///
/// drop(img); // the last strong handle: the entry leaves at once
/// assert_eq!(cache.len(), 0);
/// assert!(cache.get("logo").is_none());
/// ```
///
/// # Semantics
///
/// * Re-inserting a key replaces the value and keeps the original key object, as a dict does. The
///   death of a replaced value never removes the new entry.
/// * Iteration ([`iter`](Self::iter), [`keys`](Self::keys), [`values`](Self::values)) works on a
///   snapshot of the entries taken under the lock: entries dying, being removed or added meanwhile
///   never disturb it. Values are upgraded as they are reached, so an entry that dies before it is
///   reached is skipped.
/// * Order is unspecified (CPython keeps insertion order; a hash table does not).
/// * Each entry holds one weak reference with a callback
///   ([`getweakrefcount`](crate::getweakrefcount) counts it). The callback holds only a weak
///   pointer to the dictionary: dropping the dictionary first is fine.
///
/// # User code under the lock
///
/// The keys' `Eq` and (for snapshots, copies and comparisons) `Clone` run under the dictionary's
/// lock; they must not use the same dictionary (in the thread-safe flavor that deadlocks, in
/// `unsync` it panics). Keys are hashed outside the lock. Nothing is dropped under the lock: values
/// may die, and their callbacks, or other threads, may use the dictionary freely.
///
/// # Flavors and trait objects
///
/// `F` is the [flavor](crate::flavor): `weakref_core::WeakValueDictionary<K, V>` is
/// `WeakValueDictionary<K, V, RandomState, Sync>`, `unsync::WeakValueDictionary<K, V>` is
/// `WeakValueDictionary<K, V, RandomState, Unsync>`. Values may be trait objects, so one dictionary
/// can hold objects of several types as `Obj<dyn Trait>` (see [`coerce!`](crate::coerce!)):
///
/// ```
/// use weakref_core::{coerce, Obj, WeakValueDictionary, Weakrefable};
///
/// trait Plugin: Weakrefable + Send + Sync {
///     fn name(&self) -> &str;
/// }
///
/// #[derive(Weakrefable)]
/// struct Exporter;
///
/// impl Plugin for Exporter {
///     fn name(&self) -> &str {
///         "exporter"
///     }
/// }
///
/// let plugins: WeakValueDictionary<u32, dyn Plugin> = WeakValueDictionary::new();
/// let exporter: Obj<dyn Plugin> = coerce!(Obj::new(Exporter));
/// plugins.insert(1, &exporter);
/// assert_eq!(plugins.get(&1).unwrap().name(), "exporter");
/// drop(exporter);
/// assert!(plugins.is_empty());
/// ```
pub struct WeakValueDictionary<K, V: ?Sized, S = RandomState, F: Flavor = flavor::Sync> {
    inner: F::Shared<ValueDictInner<K, V, S, F>>,
}

// SAFETY: the state is shared, through an `Arc`, by the handles and by the entries' removal
// callbacks, which run on whichever thread a value dies on and may drop the state there. Keys
// are only reached under the table's `Mutex` and may be dropped on any thread (`K: Send`).
// Each entry's weak reference is a thread-safe node (atomic counts, locked list) that upgrades
// to an `Obj<V, Sync>` on any thread, as a `WeakRef<V, Sync>` does (`V: Send + Sync`). The
// callbacks capture only a `sync::Weak` of the state and a hash. The hasher is used through
// `&self` from every thread and dropped on any (`S: Send + Sync`). These are the bounds the
// fields' auto traits gave when the entries held `WeakRef`s.
unsafe impl<K: Send, V: ?Sized + Send + Sync, S: Send + Sync> Send
    for WeakValueDictionary<K, V, S, flavor::Sync>
{
}
// SAFETY: as for `Send`: every method takes `&self`, and the table is behind a `Mutex`.
unsafe impl<K: Send, V: ?Sized + Send + Sync, S: Send + Sync> Sync
    for WeakValueDictionary<K, V, S, flavor::Sync>
{
}

impl<K, V: ?Sized, S, F: Flavor> WeakValueDictionary<K, V, S, F> {
    /// An empty dictionary with room for `capacity` entries, hashing with `hasher`: the body of
    /// every constructor, without their bounds (the public ones state them; `RandomState`, the
    /// hasher of `new`, is `Send + Sync`).
    fn build(capacity: usize, hasher: S) -> Self {
        Self {
            inner: Shared::new(ValueDictInner {
                table: Table::with_capacity(capacity),
                hasher,
            }),
        }
    }
}

impl<K, V, F: Flavor> WeakValueDictionary<K, V, RandomState, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
{
    /// An empty dictionary.
    ///
    /// ```
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<u32, Image> = WeakValueDictionary::new();
    /// assert!(d.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::build(0, RandomState::new())
    }

    /// An empty dictionary with room for `capacity` entries.
    ///
    /// ```
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<u32, Image> = WeakValueDictionary::with_capacity(8);
    /// assert_eq!(d.len(), 0);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::build(capacity, RandomState::new())
    }
}

impl<K, V, S, F: Flavor> WeakValueDictionary<K, V, S, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    /// An empty dictionary hashing its keys with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<u32, Image> =
    ///     WeakValueDictionary::with_hasher(RandomState::new());
    /// assert!(d.is_empty());
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        Self::with_capacity_and_hasher(0, hasher)
    }

    /// An empty dictionary with room for `capacity` entries, hashing with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<u32, Image> =
    ///     WeakValueDictionary::with_capacity_and_hasher(4, RandomState::new());
    /// assert!(d.is_empty());
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self::build(capacity, hasher)
    }

    /// The weak reference of a new entry for `value` under `hash`: its callback removes that entry,
    /// if the dictionary still exists and still holds it.
    fn watch(&self, hash: u64, value: &Obj<V, F>) -> OwnWeak<V, F> {
        let inner = Shared::downgrade(&self.inner);
        OwnWeak::with_callback(
            &value.raw,
            Kind::CallbackRef,
            move |dead: &RawWeak<V, F>| {
                if let Some(inner) = <F::Shared<ValueDictInner<K, V, S, F>>>::upgrade(&inner) {
                    inner.table.remove_dead(hash, dead);
                }
            },
        )
    }

    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.inner.hasher.hash_one(key)
    }

    /// The hash of an owned key (`K: Hashable` is `Hash + Eq`, seen through the trait that gives
    /// the unhashable-type error).
    fn hash_key(&self, key: &K) -> u64 {
        equivalence::hash_key::<ByValue, K, S>(key, &self.inner.hasher)
    }

    /// The live value under an owned key.
    fn get_by_key(&self, key: &K) -> Option<Obj<V, F>> {
        let hash = self.hash_key(key);
        self.inner.table.with(|table| {
            table
                .find(hash, |entry| same_owned_key(&entry.key, key))
                .and_then(|entry| entry.value.upgrade().map(Obj::from_raw_obj))
        })
    }

    /// Maps `key` to `value` (Python's `d[key] = value`); returns the previous value if it was
    /// still alive.
    ///
    /// The dictionary holds `value` weakly. If `key` was present, its original key object is kept
    /// and only the value is replaced.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let (a, b) = (Obj::new(Image(1)), Obj::new(Image(2)));
    /// assert!(d.insert("k", &a).is_none());
    /// assert!(Obj::ptr_eq(&d.insert("k", &b).unwrap(), &a));
    /// assert_eq!(d.get("k").unwrap().0, 2);
    /// ```
    pub fn insert(&self, key: K, value: &Obj<V, F>) -> Option<Obj<V, F>> {
        let hash = self.hash_key(&key);
        // The key and the new reference stay out here until stored, so that if a key's
        // `Eq` panics they are dropped after the table lock is released.
        let mut unstored = Some((key, self.watch(hash, value)));
        let (previous, garbage) = self.inner.table.with(|table| {
            let (key, _) = unstored.as_ref().expect("taken only below");
            match table.entry(
                hash,
                |entry| same_owned_key(&entry.key, key),
                |entry| entry.hash,
            ) {
                TableEntry::Occupied(mut found) => {
                    // The first key stays; the new one is dropped after the lock.
                    let (key, weak) = unstored.take().expect("still here");
                    let old = core::mem::replace(&mut found.get_mut().value, weak);
                    (old.upgrade().map(Obj::from_raw_obj), Some((old, key)))
                }
                TableEntry::Vacant(slot) => {
                    let (key, weak) = unstored.take().expect("still here");
                    slot.insert(ValueEntry {
                        hash,
                        key,
                        value: weak,
                    });
                    (None, None)
                }
            }
        });
        drop((garbage, unstored));
        previous
    }

    /// Inserts every `(key, value)` pair, values given as `Obj` or `&Obj` (Python's
    /// `d.update(pairs)`); later pairs win. Takes `&self`, so a shared dictionary can be updated;
    /// [`Extend`] does the same through `&mut`.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let imgs = [Obj::new(Image(1)), Obj::new(Image(2))];
    /// d.update([("a", &imgs[0]), ("b", &imgs[1]), ("a", &imgs[1])]);
    /// assert_eq!(d.len(), 2);
    /// assert_eq!(d.get("a").unwrap().0, 2);
    /// ```
    pub fn update<I, B>(&self, pairs: I)
    where
        I: IntoIterator<Item = (K, B)>,
        B: Borrow<Obj<V, F>>,
    {
        for (key, value) in pairs {
            self.insert(key, value.borrow());
        }
    }

    /// The value under `key` if it is alive (Python's `d.get(key)`).
    ///
    /// The value is upgraded under the lock, so a value returned is never dead and stays alive
    /// while you hold it.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(String::from("a"), &img);
    /// assert!(d.get("a").is_some()); // `String` keys, looked up by `&str`
    /// assert!(d.get("b").is_none());
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<Obj<V, F>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        self.inner.table.with(|table| {
            table
                .find(hash, |entry| entry.key.borrow() == key)
                .and_then(|entry| entry.value.upgrade().map(Obj::from_raw_obj))
        })
    }

    /// Whether `key` maps to a live value (Python's `key in d`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(1, &img);
    /// assert!(d.contains_key(&1));
    /// drop(img);
    /// assert!(!d.contains_key(&1));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        self.inner.table.with(|table| {
            table
                .find(hash, |entry| entry.key.borrow() == key)
                .is_some_and(|entry| entry.value.is_alive())
        })
    }

    /// Removes `key`'s entry and returns its value if it was alive (Python's `d.pop(key)`; `None`
    /// where Python raises `KeyError`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(1, &img);
    /// assert!(Obj::ptr_eq(&d.remove(&1).unwrap(), &img));
    /// assert!(d.remove(&1).is_none());
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<Obj<V, F>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_entry(key).map(|(_, value)| value)
    }

    /// Removes `key`'s entry and returns the stored key and the value, if the value was alive.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(String::from("a"), &img);
    /// let (key, _value) = d.remove_entry("a").unwrap();
    /// assert_eq!(key, "a");
    /// ```
    pub fn remove_entry<Q>(&self, key: &Q) -> Option<(K, Obj<V, F>)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let removed = self.inner.table.with(|table| {
            let found = table
                .find_entry(hash, |entry| entry.key.borrow() == key)
                .ok()?;
            let entry = found.remove().0;
            let value = entry.value.upgrade().map(Obj::from_raw_obj);
            Some((entry, value))
        });
        let (entry, value) = removed?;
        Some((entry.key, value?))
    }

    /// Python's `d.setdefault(key, default)`: the live value under `key`, or else `default`, stored
    /// under `key` and returned. Atomic: concurrent callers of `setdefault` for one key all get the
    /// same live value, never a dead one.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let (a, b) = (Obj::new(Image(1)), Obj::new(Image(2)));
    /// assert!(Obj::ptr_eq(&d.setdefault(7, &a), &a));
    /// assert!(Obj::ptr_eq(&d.setdefault(7, &b), &a)); // `a` is alive: kept
    /// drop(a);
    /// assert!(Obj::ptr_eq(&d.setdefault(7, &b), &b));
    /// ```
    pub fn setdefault(&self, key: K, default: &Obj<V, F>) -> Obj<V, F> {
        let hash = self.hash_key(&key);
        // As in `insert`: out here until stored, dropped after the lock on every path.
        let mut unstored = Some((key, self.watch(hash, default)));
        let (existing, garbage) = self.inner.table.with(|table| {
            let (key, _) = unstored.as_ref().expect("taken only below");
            match table.entry(
                hash,
                |entry| same_owned_key(&entry.key, key),
                |entry| entry.hash,
            ) {
                TableEntry::Occupied(mut found) => {
                    let entry = found.get_mut();
                    match entry.value.upgrade().map(Obj::from_raw_obj) {
                        Some(live) => (Some(live), None),
                        None => {
                            // Dead, its removal still pending: replace it. The
                            // pending removal then finds no entry holding its
                            // reference and does nothing.
                            let (key, weak) = unstored.take().expect("still here");
                            let dead = core::mem::replace(&mut entry.value, weak);
                            (None, Some((dead, key)))
                        }
                    }
                }
                TableEntry::Vacant(slot) => {
                    let (key, weak) = unstored.take().expect("still here");
                    slot.insert(ValueEntry {
                        hash,
                        key,
                        value: weak,
                    });
                    (None, None)
                }
            }
        });
        drop((garbage, unstored));
        existing.unwrap_or_else(|| default.clone())
    }

    /// The live value under `key`, or else the value `make` returns, stored under `key`.
    ///
    /// `make` runs without the lock held, only when no live value was found. If another thread
    /// stores a live value for `key` meanwhile, that value wins and is returned; the one `make`
    /// built is dropped (as with [`setdefault`](Self::setdefault), the result is never dead).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(String);
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = d.get_or_insert_with("logo", || Obj::new(Image("logo".into())));
    /// let again = d.get_or_insert_with("logo", || unreachable!());
    /// assert!(Obj::ptr_eq(&img, &again));
    /// ```
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> Obj<V, F>) -> Obj<V, F> {
        let hash = self.hash_key(&key);
        let existing = self.inner.table.with(|table| {
            table
                .find(hash, |entry| same_owned_key(&entry.key, &key))
                .and_then(|entry| entry.value.upgrade().map(Obj::from_raw_obj))
        });
        if let Some(existing) = existing {
            return existing;
        }
        let value = make();
        self.setdefault(key, &value)
    }

    /// Removes some entry with a live value and returns it (Python's `d.popitem()`; `None` where
    /// Python raises `KeyError`). Which entry is unspecified.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(1, &img);
    /// let (key, value) = d.popitem().unwrap();
    /// assert_eq!(key, 1);
    /// assert!(Obj::ptr_eq(&value, &img));
    /// assert!(d.popitem().is_none());
    /// ```
    pub fn popitem(&self) -> Option<(K, Obj<V, F>)> {
        let (entry, value) = self.inner.table.with(|table| {
            let (hash, weak, value) = table.iter().find_map(|entry| {
                let value = entry.value.upgrade().map(Obj::from_raw_obj)?;
                Some((entry.hash, entry.value.clone(), value))
            })?;
            let found = table
                .find_entry(hash, |entry| entry.value.ptr_eq(&weak))
                .ok()?;
            Some((found.remove().0, value))
        })?;
        Some((entry.key, value))
    }

    /// Removes every entry (Python's `d.clear()`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(1, &img);
    /// d.clear();
    /// assert!(d.is_empty());
    /// ```
    pub fn clear(&self) {
        let entries = self.inner.table.with(core::mem::take);
        drop(entries);
    }

    /// The number of entries (Python's `len(d)`): exact, since an entry leaves the moment its value
    /// dies.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let (a, b) = (Obj::new(Image), Obj::new(Image));
    /// d.insert(1, &a);
    /// d.insert(2, &b);
    /// assert_eq!(d.len(), 2);
    /// drop(a);
    /// assert_eq!(d.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.table.with(|table| table.len())
    }

    /// Whether the dictionary is empty (Python's `not d`).
    ///
    /// ```
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<u8, Image> = WeakValueDictionary::new();
    /// assert!(d.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys and weak references of the live entries, taken under the lock.
    fn snapshot(&self) -> Vec<(K, OwnWeak<V, F>)>
    where
        K: Clone,
    {
        self.inner.table.with(|table| {
            let mut snapshot = Vec::with_capacity(table.len());
            // Dead entries (removals still queued) are rare: the consumers of the
            // snapshot skip them, which spares a look at every referent here.
            snapshot.extend(
                table
                    .iter()
                    .map(|entry| (entry.key.clone(), entry.value.clone())),
            );
            snapshot
        })
    }

    /// An iterator over `(key, value)` for the live entries (Python's `d.items()`).
    ///
    /// It works on a snapshot: changes to the dictionary after this call are not seen, and never
    /// disturb it. Each value is upgraded when reached; entries whose value died by then are
    /// skipped. A yielded value is yours: it stays alive while you hold it.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let imgs = [Obj::new(Image(1)), Obj::new(Image(2))];
    /// for img in &imgs {
    ///     d.insert(img.0, img);
    /// }
    /// let mut items: Vec<_> = d.iter().map(|(k, v)| (k, v.0)).collect();
    /// items.sort();
    /// assert_eq!(items, [(1, 1), (2, 2)]);
    /// ```
    pub fn iter(&self) -> ValueDictIter<K, V, F>
    where
        K: Clone,
    {
        ValueDictIter {
            snapshot: self.snapshot().into_iter(),
        }
    }

    /// An iterator over the keys of the live entries (Python's `d.keys()`), from a snapshot as for
    /// [`iter`](Self::iter).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert("only", &img);
    /// assert_eq!(d.keys().collect::<Vec<_>>(), ["only"]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = K> + use<K, V, S, F>
    where
        K: Clone,
    {
        self.snapshot()
            .into_iter()
            .filter_map(|(key, value)| value.is_alive().then_some(key))
    }

    /// An iterator over the live values (Python's `d.values()`), from a snapshot as for
    /// [`iter`](Self::iter).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image(9));
    /// d.insert(1, &img);
    /// assert_eq!(d.values().map(|v| v.0).collect::<Vec<_>>(), [9]);
    /// ```
    pub fn values(&self) -> impl Iterator<Item = Obj<V, F>> + use<K, V, S, F> {
        let refs: Vec<OwnWeak<V, F>> = self
            .inner
            .table
            .with(|table| table.iter().map(|entry| entry.value.clone()).collect());
        refs.into_iter()
            .filter_map(|value| value.upgrade().map(Obj::from_raw_obj))
    }

    /// Handles to the entries' weak references, each carrying its key (Python's `d.valuerefs()`, a
    /// list of `KeyedRef`s).
    ///
    /// They are the entries' own weak-reference objects, not new ones, and may die after this
    /// returns.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert("a", &img);
    /// let refs = d.valuerefs();
    /// assert_eq!(*refs[0].key(), "a");
    /// assert!(Obj::ptr_eq(&refs[0].upgrade().unwrap(), &img));
    /// drop(img);
    /// assert!(refs[0].upgrade().is_none());
    /// ```
    pub fn valuerefs(&self) -> Vec<KeyedRef<K, V, F>>
    where
        K: Clone,
    {
        self.inner.table.with(|table| {
            let mut refs = Vec::with_capacity(table.len());
            refs.extend(table.iter().map(|entry| KeyedRef {
                key: entry.key.clone(),
                weak: WeakRef {
                    raw: entry.value.to_raw(),
                },
            }));
            refs
        })
    }
}

/// The iterator of [`WeakValueDictionary::iter`]: `(key, value)` for each entry of a snapshot whose
/// value is still alive when reached.
///
/// ```
/// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Image;
///
/// let d = WeakValueDictionary::new();
/// let (a, b) = (Obj::new(Image), Obj::new(Image));
/// d.insert(1, &a);
/// d.insert(2, &b);
/// let mut it = d.iter();
/// let (first, _value) = it.next().unwrap();
/// drop(if first == 1 { b } else { a }); // the other entry dies mid-iteration
/// assert!(it.next().is_none()); // skipped, no error
/// assert_eq!(d.len(), 1);
/// ```
pub struct ValueDictIter<K, V: ?Sized, F: Flavor = flavor::Sync> {
    snapshot: std::vec::IntoIter<(K, OwnWeak<V, F>)>,
}

// SAFETY: the snapshot holds keys and handles to thread-safe weak-reference nodes, which
// upgrade to `Obj<V, Sync>` on whichever thread iterates: the bounds of a `Vec<(K,
// WeakRef<V, Sync>)>`, which the iterator held before it held one-word handles.
unsafe impl<K: Send, V: ?Sized + Send + Sync> Send for ValueDictIter<K, V, flavor::Sync> {}
// SAFETY: as for `Send`; `&ValueDictIter` only reads the remaining length.
unsafe impl<K: Sync, V: ?Sized + Send + Sync> Sync for ValueDictIter<K, V, flavor::Sync> {}

impl<K, V: ?Sized, F: Flavor> Iterator for ValueDictIter<K, V, F> {
    type Item = (K, Obj<V, F>);

    fn next(&mut self) -> Option<(K, Obj<V, F>)> {
        self.snapshot
            .by_ref()
            .find_map(|(key, value)| Some((key, value.upgrade().map(Obj::from_raw_obj)?)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.snapshot.len()))
    }
}

impl<K, V: ?Sized, F: Flavor> FusedIterator for ValueDictIter<K, V, F> {}

impl<K: fmt::Debug, V: ?Sized, F: Flavor> fmt::Debug for ValueDictIter<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueDictIter")
            .field("remaining", &self.snapshot.len())
            .finish()
    }
}

/// A handle to a [`WeakValueDictionary`] entry's weak reference, with the entry's key: Python's
/// `weakref.KeyedRef`, as [`WeakValueDictionary::valuerefs`] returns them. It derefs to the
/// [`WeakRef`](crate::generic::WeakRef).
///
/// ```
/// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Image;
///
/// let d = WeakValueDictionary::new();
/// let img = Obj::new(Image);
/// d.insert(5, &img);
/// let keyed = d.valuerefs().pop().unwrap();
/// assert_eq!(*keyed.key(), 5);
/// assert!(keyed.is_alive()); // a `WeakRef` method, through `Deref`
/// ```
pub struct KeyedRef<K, V: ?Sized, F: Flavor = flavor::Sync> {
    key: K,
    weak: WeakRef<V, F>,
}

impl<K: Clone, V: ?Sized, F: Flavor> Clone for KeyedRef<K, V, F> {
    /// A clone of the key and another handle to the same weak-reference object.
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            weak: self.weak.clone(),
        }
    }
}

impl<K, V: ?Sized, F: Flavor> KeyedRef<K, V, F> {
    /// The key of the entry this reference belongs to (Python's `r.key`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert("logo", &img);
    /// assert_eq!(*d.valuerefs()[0].key(), "logo");
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The weak reference itself: the entry's own weak-reference object.
    ///
    /// ```
    /// use weakref_core::{getweakrefcount, Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(1, &img);
    /// let keyed = d.valuerefs().pop().unwrap();
    /// assert!(keyed.weakref().callback_pending()); // it removes the entry on death
    /// assert_eq!(getweakrefcount(&img), 1); // not a new weak reference
    /// ```
    pub fn weakref(&self) -> &WeakRef<V, F> {
        &self.weak
    }

    /// Splits the handle into the key and the weak reference.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(1, &img);
    /// let (key, weak) = d.valuerefs().pop().unwrap().into_parts();
    /// assert_eq!(key, 1);
    /// assert!(Obj::ptr_eq(&weak.upgrade().unwrap(), &img));
    /// ```
    pub fn into_parts(self) -> (K, WeakRef<V, F>) {
        (self.key, self.weak)
    }
}

impl<K, V: ?Sized, F: Flavor> Deref for KeyedRef<K, V, F> {
    type Target = WeakRef<V, F>;

    fn deref(&self) -> &WeakRef<V, F> {
        &self.weak
    }
}

impl<K: fmt::Debug, V: ?Sized, F: Flavor> fmt::Debug for KeyedRef<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedRef")
            .field("key", &self.key)
            .field("weak", &self.weak)
            .finish()
    }
}

impl<K, V, S, F: Flavor> Default for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Default + SendIf<F> + SyncIf<F> + 'static,
{
    /// An empty dictionary.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S, F: Flavor> Clone for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + Clone + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
{
    /// An independent copy (Python's `d.copy()`): the same keys and the same value objects, each
    /// entry with its own weak reference, so entries of the copy die independently of the
    /// original's (and of its removals).
    fn clone(&self) -> Self {
        let mut copy = Self::with_hasher(self.inner.hasher.clone());
        copy.extend(self.iter());
        copy
    }
}

impl<K, V, S, F: Flavor> Extend<(K, Obj<V, F>)> for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
    fn extend<I: IntoIterator<Item = (K, Obj<V, F>)>>(&mut self, pairs: I) {
        self.update(pairs);
    }
}

impl<'a, K, V, S, F: Flavor> Extend<(K, &'a Obj<V, F>)> for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
    fn extend<I: IntoIterator<Item = (K, &'a Obj<V, F>)>>(&mut self, pairs: I) {
        self.update(pairs);
    }
}

impl<K, V, S, F: Flavor, P> FromIterator<P> for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Default + SendIf<F> + SyncIf<F> + 'static,
    Self: Extend<P>,
{
    /// A dictionary of the pairs (Python's `WeakValueDictionary(pairs)`).
    fn from_iter<I: IntoIterator<Item = P>>(pairs: I) -> Self {
        let mut dict = Self::default();
        dict.extend(pairs);
        dict
    }
}

impl<K, V, S, F: Flavor> IntoIterator for &WeakValueDictionary<K, V, S, F>
where
    K: Hashable + Clone + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    type Item = (K, Obj<V, F>);
    type IntoIter = ValueDictIter<K, V, F>;

    fn into_iter(self) -> ValueDictIter<K, V, F> {
        self.iter()
    }
}

impl<K, V, S, F: Flavor> IntoIterator for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + Clone + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    type Item = (K, Obj<V, F>);
    type IntoIter = ValueDictIter<K, V, F>;

    /// The live entries, from a snapshot (see [`WeakValueDictionary::iter`]).
    fn into_iter(self) -> ValueDictIter<K, V, F> {
        self.iter()
    }
}

impl<K, V, S, F: Flavor> PartialEq for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + Clone + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + PartialEq + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    /// Whether both have the same keys mapping to equal live values (Python's `Mapping.__eq__`),
    /// from a snapshot of each.
    fn eq(&self, other: &Self) -> bool {
        if Shared::ptr_eq(&self.inner, &other.inner) {
            return true;
        }
        let mine: Vec<(K, Obj<V, F>)> = self.iter().collect();
        let theirs: Vec<(K, Obj<V, F>)> = other.iter().collect();
        mine.len() == theirs.len()
            && mine
                .iter()
                .all(|(key, value)| other.get_by_key(key).is_some_and(|found| *found == **value))
    }
}

impl<K, V, S, F: Flavor> fmt::Debug for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + Clone + fmt::Debug + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + fmt::Debug + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
{
    /// The live entries, as a map: `{key: value, ...}` (Python prints only
    /// `<WeakValueDictionary at 0x…>`; the contents are more useful here).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S, F: Flavor, I, P> BitOr<I> for &WeakValueDictionary<K, V, S, F>
where
    K: Hashable + Clone + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    I: IntoIterator<Item = P>,
    WeakValueDictionary<K, V, S, F>: Extend<P>,
{
    type Output = WeakValueDictionary<K, V, S, F>;

    /// A new dictionary with this one's entries updated by `pairs` (Python's `d | other`: the right
    /// side wins).
    fn bitor(self, pairs: I) -> WeakValueDictionary<K, V, S, F> {
        let mut merged = self.clone();
        merged.extend(pairs);
        merged
    }
}

impl<K, V, S, F: Flavor, I, P> BitOrAssign<I> for WeakValueDictionary<K, V, S, F>
where
    K: Hashable + SendIf<F> + 'static,
    V: ?Sized + Weakrefable + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    I: IntoIterator<Item = P>,
    WeakValueDictionary<K, V, S, F>: Extend<P>,
{
    /// Updates this dictionary with `pairs` (Python's `d |= other`).
    fn bitor_assign(&mut self, pairs: I) {
        self.extend(pairs);
    }
}

/// Entry sizes on 64-bit targets: what the benchmark's bytes per entry are made of.
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::ValueEntry;
    use crate::flavor::{Sync, Unsync};

    #[test]
    fn an_entry_is_its_hash_key_and_one_word_handle() {
        assert_eq!(size_of::<ValueEntry<u64, u8, Sync>>(), 24);
        assert_eq!(size_of::<ValueEntry<u64, dyn core::any::Any, Unsync>>(), 24);
    }
}
