//! `WeakValueDictionary`, its iterator and `KeyedRef`, generic over the flavor.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::ops::{BitOr, BitOrAssign, Deref};
use std::hash::RandomState;
use std::panic::{RefUnwindSafe, UnwindSafe};

use super::equivalence::{self, ByValue, Hashable};
use super::table::{Bin, Core, Probe, Slot, State, TableRef, fold};
use super::value_entry::{Entry, OccupiedEntry, VacantEntry};
use super::walk::{Cloned, Nothing, Walk};
use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf, SyncIf};
use crate::obj::Obj;
use crate::weakref::WeakRef;

/// Whether two owned keys are equal (`Eq`, through `Hashable`).
fn same_owned_key<K: Hashable>(a: &K, b: &K) -> bool {
    equivalence::same_key::<ByValue, K>(a, b)
}

/// The key of an indexed node, found under the lock. A dictionary's indexed node always holds
/// its key: keys are moved out of nodes only in the critical section that removes them from the
/// index (`remove_entry`, `popitem`), and swapped, never lent.
fn key_of<K, V: ?Sized, F: Flavor>(slot: &Slot<V, K, F>) -> &K {
    // SAFETY: as above; the callers hold the lock while they use the key (within a lookup).
    unsafe { slot.extra() }
}

/// What a waiting writer of the single-threaded flavor says.
pub(crate) const WAITS_FOR_RESERVATION: &str = "a weak collection was written to, for a key \
     that a vacant entry of the same thread reserves (the entry, or `get_or_insert_with`'s \
     constructor, is still running): use the entry to insert";

/// How [`WeakValueDictionary::write`] treats a key that has a live value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    /// Replaces it (`insert`).
    Replace,
    /// Keeps it (`setdefault`).
    IfAbsent,
    /// Replaces it, ending the caller's own reservation of the key (a vacant entry's insert).
    Reserved,
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
/// * Iteration ([`iter`](Self::iter), [`keys`](Self::keys), [`values`](Self::values)) sees the
///   entries the dictionary had when it started: entries added later are not seen, and entries
///   removed later still are (unless their key was handed back by
///   [`remove_entry`](Self::remove_entry) or [`popitem`](Self::popitem)). Values are upgraded as
///   they are reached, so an entry that dies before it is reached is skipped, and the iterator
///   keeps alive only the value it yields.
/// * [`entry`](Self::entry) reserves a vacant key: other threads' writes of that key wait until
///   the entry is used or dropped, which makes
///   [`get_or_insert_with`](Self::get_or_insert_with) build a missing value once however many
///   threads race for it.
/// * Order is unspecified (CPython keeps insertion order; a hash table does not).
/// * Each entry holds one weak reference with a callback
///   ([`getweakrefcount`](crate::getweakrefcount) counts it). The callback holds only a weak
///   pointer to the dictionary: dropping the dictionary first is fine.
///
/// # User code under the lock
///
/// The keys' `Eq` (and `Borrow`) and, for iteration, copies and comparisons, their `Clone` run
/// under the dictionary's lock; they must not use the same dictionary (in the thread-safe flavor
/// that deadlocks, in `unsync` it panics). Keys are hashed outside the lock, and constructors
/// (`get_or_insert_with`, the entry API) run without it. Nothing is dropped under the lock: values
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
    pub(crate) table: TableRef<V, K, S, F>,
}

// SAFETY: the table is shared by the dictionary and by its nodes, which deaths and last handles
// reach on any thread (and may free the table there, once the dictionary is gone). Keys are only
// reached under the table's lock and may be dropped on any thread (`K: Send`). Each entry is a
// thread-safe weak-reference node (atomic counts, locked list) that upgrades to an `Obj<V, Sync>`
// on any thread, as a `WeakRef<V, Sync>` does (`V: Send + Sync`). The hasher is used through
// `&self` from every thread and dropped on any (`S: Send + Sync`). These are the bounds the
// fields' auto traits gave when the entries held `WeakRef`s.
unsafe impl<K: Send, V: ?Sized + Send + Sync, S: Send + Sync> Send
    for WeakValueDictionary<K, V, S, flavor::Sync>
{
}
// SAFETY: as for `Send`: every method takes `&self`, and the table is behind its lock.
unsafe impl<K: Send, V: ?Sized + Send + Sync, S: Send + Sync> Sync
    for WeakValueDictionary<K, V, S, flavor::Sync>
{
}

// A panic never leaves the table inconsistent (see "Nothing dropped under the lock" in
// `table.rs`), as the `Mutex` it once was promised: what a thread-safe `Arc<Mutex<..>>` was.
impl<K, V: ?Sized, S: RefUnwindSafe> UnwindSafe for WeakValueDictionary<K, V, S, flavor::Sync> {}
impl<K, V: ?Sized, S: RefUnwindSafe> RefUnwindSafe for WeakValueDictionary<K, V, S, flavor::Sync> {}

impl<K, V: ?Sized, S, F: Flavor> WeakValueDictionary<K, V, S, F> {
    /// An empty dictionary with room for `capacity` entries, hashing with `hasher`: the body of
    /// every constructor, without their bounds (the public ones state them; `RandomState`, the
    /// hasher of `new`, is `Send + Sync`).
    fn build(capacity: usize, hasher: S) -> Self {
        Self {
            table: TableRef::new(capacity, hasher),
        }
    }

    /// Ends the reservation of the key whose hash is `hash` (a vacant entry's), unless the
    /// entry drops while its thread panics for having used the collection under its lock (see
    /// `Core::lock_for_cleanup`).
    pub(crate) fn unreserve(&self, hash: u64) {
        let Some(mut guard) = self.table.core().lock_for_cleanup() else {
            return;
        };
        let (state, bin, _) = guard.parts();
        state.unreserve(hash, bin);
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

    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.table.hasher.hash_one(key)
    }

    /// The hash of an owned key (`K: Hashable` is `Hash + Eq`, seen through the trait that gives
    /// the unhashable-type error).
    pub(crate) fn hash_key(&self, key: &K) -> u64 {
        equivalence::hash_key::<ByValue, K, S>(key, &self.table.hasher)
    }

    /// The live value under an owned key.
    fn get_by_key(&self, key: &K) -> Option<Obj<V, F>> {
        let tag = fold(self.hash_key(key));
        let mut guard = self.table.core().lock();
        let state = guard.state();
        let slot = state.find(tag, |slot| same_owned_key(key_of(&slot), key))?;
        slot.upgrade()
    }

    /// The live value under the key `key` borrows as, and its slot, under the lock.
    fn find<Q>(
        &self,
        key: &Q,
        then: impl FnOnce(&mut State<V, K, F>, &mut Bin<V, K, F>, &Core<V, K, F>, Option<Slot<V, K, F>>),
    ) where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let tag = fold(self.hash(key));
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        let found = state.find(tag, |slot| key_of(&slot).borrow() == key);
        then(state, bin, core, found);
        // The guard drops here: the lock is released, then what `then` removed is dropped.
    }

    /// Stores `value` under `key` (whose hash is `hash`), as `mode` says; returns the live value
    /// the key had (kept, with `IfAbsent`, or replaced). A replaced entry's key object stays the
    /// key (the new entry takes it over); the key given is then dropped, after the lock.
    ///
    /// With `Write::Reserved`, `reservation` is the caller's record that it holds the key's
    /// reservation: the reservation is ended first thing under the lock, and the record cleared
    /// with it, so that a caller whose write then panics (a key's `Eq`) does not end it again,
    /// when it may be another entry's.
    pub(crate) fn write(
        &self,
        key: K,
        hash: u64,
        value: &Obj<V, F>,
        mode: Write,
        reservation: &mut bool,
    ) -> Option<Obj<V, F>> {
        let tag = fold(hash);
        // Out here until stored: if a key's `Eq` panics, it is dropped after the lock.
        let mut key = Some(key);
        loop {
            let mut guard = self.table.core().lock();
            let (state, bin, core) = guard.parts();
            if mode == Write::Reserved {
                if core::mem::replace(reservation, false) {
                    state.unreserve(hash, bin);
                }
            } else if state.reserved(hash) {
                // A vacant entry (another thread's constructor) has the key: wait for it.
                state.register_waiter(WAITS_FOR_RESERVATION);
                guard.park();
                continue;
            }
            let probe = key.as_ref().expect("taken only when stored");
            let old = match state.probe(tag, |slot| same_owned_key(key_of(&slot), probe)) {
                Probe::Found(old) => old,
                Probe::Vacant(vacancy) => {
                    vacancy.insert(core, &value.raw, key.take().expect("still here"), 0);
                    return None;
                }
            };
            let previous = old.upgrade();
            if previous.is_some() && mode == Write::IfAbsent {
                // Kept: the entry stays as it is.
                return previous;
            }
            // Replaced (or dead, its removal still pending): a new entry for `value` takes the
            // original key object over; the old entry, which iterators may still read, gets the
            // key given (equal to it) and leaves, its pending removal finding nothing. This is
            // also what happens when `value` is the live value already: as in Python, where
            // `d[key] = value` always stores a fresh `KeyedRef`, the entry (the weak reference
            // that `valuerefs` and `getweakrefs` return) is a new one.
            let mut original = key.take().expect("still here");
            // SAFETY: the old node is indexed, so it holds its key; we hold the lock.
            core::mem::swap(unsafe { old.extra_mut() }, &mut original);
            state.remove(core, old, bin);
            state.insert(core, &value.raw, tag, original, 0);
            return previous;
        }
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
        self.write(key, hash, value, Write::Replace, &mut false)
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
        let tag = fold(self.hash(key));
        // Nothing is taken out: the lock without a bin. (The strong handle is made under the
        // lock and returned after it is released; a key's `Eq` that panics leaves nothing.)
        let mut guard = self.table.core().lock_bare();
        guard
            .state()
            .find(tag, |slot| key_of(&slot).borrow() == key)
            .and_then(|slot| slot.upgrade())
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
        let tag = fold(self.hash(key));
        let mut guard = self.table.core().lock_bare();
        guard
            .state()
            .find(tag, |slot| key_of(&slot).borrow() == key)
            .is_some_and(|slot| slot.is_alive())
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
        // Declared before the lock is taken, so that it drops after: it may be the last handle.
        let mut value = None;
        self.find(key, |state, bin, core, found| {
            if let Some(slot) = found {
                value = slot.upgrade();
                // The key stays in the node (for iterators that may still yield the entry) and
                // is dropped with it.
                state.remove(core, slot, bin);
            }
        });
        value
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
        let mut removed = None;
        self.find(key, |state, bin, core, found| {
            if let Some(slot) = found {
                let value = slot.upgrade();
                // SAFETY: an indexed node holds its key; we hold the lock.
                let key = unsafe { slot.take_extra() };
                state.remove(core, slot, bin);
                removed = Some((key, value));
            }
        });
        // Without a live value, the key drops here, after the lock.
        let (key, value) = removed?;
        Some((key, value?))
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
        self.write(key, hash, default, Write::IfAbsent, &mut false)
            .unwrap_or_else(|| default.clone())
    }

    /// The live value under `key`, or else the value `make` returns, stored under `key`: Python's
    /// `setdefault` with a default built only when needed.
    ///
    /// `make` runs without the dictionary's lock, only when no live value was found, and only
    /// once however many threads race for the same key: while it runs the key is reserved
    /// ([`entry`](Self::entry)), and the others wait for its value, then return it. Other keys
    /// are not held up. If `make` panics, the reservation ends and a waiting thread builds the
    /// value instead. (`make` must not write to the same key: in the thread-safe flavor that
    /// deadlocks, in `unsync` it panics.)
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
        self.entry(key).or_insert_with(make)
    }

    /// The entry of `key`, to read, insert or remove in place (as `HashMap::entry`).
    ///
    /// An entry is [occupied](Entry::Occupied) when `key` maps to a live value: the entry holds
    /// that value (a strong handle), so it cannot die while you hold the entry. A key whose value
    /// died (even before its removal ran) is [vacant](Entry::Vacant). A vacant entry *reserves*
    /// the key until it is used or dropped: other threads' writes of that key (`insert`,
    /// `setdefault`, `entry`, `get_or_insert_with`) wait for it, so that what you insert is not
    /// raced; reads (`get`, `contains_key`, iteration) see the key as absent meanwhile. No lock of
    /// the dictionary is held while you hold an entry: other keys are not held up. (The thread
    /// holding a vacant entry must not write the same key other than through it: in the
    /// thread-safe flavor that deadlocks, in `unsync` it panics.)
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    /// use weakref_core::collections::value_entry::Entry;
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(&'static str);
    ///
    /// let cache = WeakValueDictionary::new();
    /// let logo = match cache.entry("logo") {
    ///     Entry::Occupied(entry) => entry.into_value(),
    ///     Entry::Vacant(entry) => entry.insert(&Obj::new(Image("logo.png"))),
    /// };
    /// // The cache holds it weakly: only `logo` keeps it alive.
    /// assert_eq!(cache.entry("logo").or_insert_with(|| unreachable!()).0, "logo.png");
    /// drop(logo);
    /// assert!(matches!(cache.entry("logo"), Entry::Vacant(_)));
    /// ```
    pub fn entry(&self, key: K) -> Entry<'_, K, V, S, F> {
        let hash = self.hash_key(&key);
        let tag = fold(hash);
        loop {
            let mut guard = self.table.core().lock();
            let state = guard.state();
            if state.reserved(hash) {
                state.register_waiter(WAITS_FOR_RESERVATION);
                guard.park();
                continue;
            }
            let found = state.find(tag, |slot| same_owned_key(key_of(&slot), &key));
            if let Some(value) = found.and_then(|slot| slot.upgrade()) {
                drop(guard);
                return Entry::Occupied(OccupiedEntry::new(self, key, value));
            }
            state.reserve(hash);
            drop(guard);
            return Entry::Vacant(VacantEntry::new(self, key, hash));
        }
    }

    /// Keeps only the entries for which `keep` returns `true` (as `HashMap::retain`).
    ///
    /// `keep` runs without the dictionary's lock, on each entry the dictionary has when `retain`
    /// starts and whose value is still alive when reached (it gets a clone of the key, and may use
    /// the dictionary); an entry it rejects is removed if its key still maps to that value.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let imgs: Vec<_> = (0..4).map(|i| Obj::new(Image(i))).collect();
    /// let d: WeakValueDictionary<u8, Image> = imgs.iter().map(|img| (img.0, img)).collect();
    /// d.retain(|key, img| *key < 2 && img.0 < 2);
    /// assert_eq!(d.len(), 2);
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(&K, &Obj<V, F>) -> bool)
    where
        K: Clone,
    {
        for (key, value) in self.iter() {
            if !keep(&key, &value) {
                self.remove_if_value(&key, &value);
            }
        }
    }

    /// Removes `key`'s entry if it maps to `value` (this very object).
    pub(crate) fn remove_if_value(&self, key: &K, value: &Obj<V, F>) {
        let tag = fold(self.hash_key(key));
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        let found = state.find(tag, |slot| same_owned_key(key_of(&slot), key));
        if let Some(slot) = found {
            if core::ptr::addr_eq(slot.obj().as_ptr(), value.raw.inner().as_ptr()) {
                state.remove(core, slot, bin);
            }
        }
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
        // Declared before the guard: returned, or (never, since it was found alive) dropped
        // after the lock.
        let mut value = None;
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        let slot = state.find_any(|slot| {
            value = slot.upgrade();
            value.is_some()
        })?;
        // SAFETY: an indexed node holds its key; we hold the lock.
        let key = unsafe { slot.take_extra() };
        state.remove(core, slot, bin);
        drop(guard);
        Some((key, value?))
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
        self.table.clear();
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
        self.table.core().lock().state().len()
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

    /// An iterator over `(key, value)` for the live entries (Python's `d.items()`).
    ///
    /// It sees the entries the dictionary has now: entries added later are not seen, entries
    /// removed later still are (unless their key was handed back), and changes never disturb it.
    /// Each value is upgraded when reached; entries whose value died by then are skipped. A
    /// yielded value is yours: it stays alive while you hold it, and the iterator holds no other.
    /// Keys are cloned (under the lock) a batch at a time, as they are reached.
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
            walk: Walk::new(&self.table),
        }
    }

    /// An iterator over the keys of the live entries (Python's `d.keys()`), as [`iter`](Self::iter)
    /// sees them.
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
        self.iter().map(|(key, _)| key)
    }

    /// An iterator over the live values (Python's `d.values()`), as [`iter`](Self::iter) sees
    /// them (no key is cloned).
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
        let mut walk: Walk<V, K, F, ()> = Walk::new(&self.table);
        core::iter::from_fn(move || walk.next::<Nothing>().map(|(value, ())| value))
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
        // Declared before the guard: if a key's `Clone` panics midway, the clones made so far
        // are dropped after the lock is released.
        let mut refs = Vec::new();
        let mut guard = self.table.core().lock();
        let state = guard.state();
        refs.reserve_exact(state.len());
        refs.extend(state.slots().map(|slot| KeyedRef {
            // SAFETY: an indexed node holds its key; we hold the lock.
            key: key_of(&slot).clone(),
            weak: WeakRef { raw: slot.handle() },
        }));
        drop(guard);
        refs
    }
}

/// The iterator of [`WeakValueDictionary::iter`]: `(key, value)` for each entry the dictionary had
/// when it was made whose value is still alive when reached.
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
    walk: Walk<V, K, F, K>,
}

// SAFETY: the iterator holds a reference to the dictionary's table (reached under its lock from
// any thread, and freed on whichever drops the last reference), cloned keys, and pointers to
// thread-safe objects, which it upgrades to `Obj<V, Sync>` on whichever thread iterates: the
// bounds of a `Vec<(K, WeakRef<V, Sync>)>`, which the iterator once held.
unsafe impl<K: Send, V: ?Sized + Send + Sync> Send for ValueDictIter<K, V, flavor::Sync> {}
// SAFETY: as for `Send`; `&ValueDictIter` only reads the remaining length.
unsafe impl<K: Sync, V: ?Sized + Send + Sync> Sync for ValueDictIter<K, V, flavor::Sync> {}

impl<K: Clone, V: ?Sized, F: Flavor> Iterator for ValueDictIter<K, V, F> {
    type Item = (K, Obj<V, F>);

    #[inline]
    fn next(&mut self) -> Option<(K, Obj<V, F>)> {
        self.walk.next::<Cloned>().map(|(value, key)| (key, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.walk.remaining()))
    }
}

impl<K: Clone, V: ?Sized, F: Flavor> FusedIterator for ValueDictIter<K, V, F> {}

impl<K, V: ?Sized, F: Flavor> fmt::Debug for ValueDictIter<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueDictIter")
            .field("remaining", &self.walk.remaining())
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
        let mut copy = Self::with_hasher(self.table.hasher.clone());
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

    /// The live entries (see [`WeakValueDictionary::iter`]).
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
        if self.table.ptr_eq(&other.table) {
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
    use super::super::table::SlabNode;
    use crate::flavor::{Sync, Unsync};

    #[test]
    fn an_entry_is_its_object_pointer_node_and_key() {
        assert_eq!(size_of::<SlabNode<u8, u64, Sync>>(), 48);
        assert_eq!(size_of::<SlabNode<dyn core::any::Any, u64, Unsync>>(), 56);
    }
}
