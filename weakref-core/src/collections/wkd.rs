//! `WeakKeyDictionary` and its iterator, generic over the flavor.

use core::borrow::Borrow;
use core::fmt;
use core::hash::BuildHasher;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ops::{BitOr, BitOrAssign};
use std::hash::RandomState;
use std::panic::{RefUnwindSafe, UnwindSafe};

use super::equivalence::{self, ByValue, Hashable};
use super::key_entry::{Entry, OccupiedEntry, VacantEntry};
use super::key_matches;
use super::table::{Bin, Core, Probe, Slot, State, TableRef, fold};
use super::walk::{Cloned, Nothing, Walk};
use super::wvd::WAITS_FOR_RESERVATION;
use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf, SyncIf};
use crate::obj::Obj;
use crate::raw::RawWeak;
use crate::weakref::WeakRef;

/// What a waiting reader or writer of the single-threaded flavor says.
const WAITS_FOR_CHECKOUT: &str = "a weak key dictionary's value was used while an entry \
     handle (or a `get_with` or `get_with_mut` closure) of the same thread had it checked out";

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
/// * Iteration sees the entries the dictionary had when it started (entries added later are not
///   seen, entries removed later still are, unless their value was handed back); keys are upgraded
///   as they are reached and dead ones skipped, values cloned as they are reached, a batch at a
///   time, under the lock.
/// * Order is unspecified. Each entry holds one weak reference with a callback.
/// * Values need not be `Clone`: [`get_with`](Self::get_with) and
///   [`get_with_mut`](Self::get_with_mut) lend the value to a closure, and an
///   [entry](Self::entry) lends it for as long as you hold it. A lent value is *checked out*:
///   the entry is not locked, the dictionary is not, but other readers and writers of that value
///   wait until it is given back.
///
/// # User code under the lock
///
/// With `ByValue`, the keys' `Eq` runs under the dictionary's lock, and so does the values' `Clone`
/// in the methods that return values ([`get`](Self::get), iteration, copies); they must not use the
/// same dictionary (in the thread-safe flavor that deadlocks, in `unsync` it panics). Keys are
/// hashed outside the lock, and closures given a value ([`get_with`](Self::get_with),
/// [`retain`](Self::retain), the entry API) run without it (but with the value checked out: they
/// must not use that same value through the dictionary). Nothing is dropped under the lock.
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
    pub(crate) table: TableRef<K, V, S, F>,
    mode: PhantomData<fn() -> M>,
}

// SAFETY: the table is shared by the dictionary and by its nodes, which deaths and last handles
// reach on any thread (and may free the table there, once the dictionary is gone). Each entry is
// a thread-safe weak-reference node (atomic counts, locked list) that upgrades to an
// `Obj<K, Sync>` on any thread, as a `WeakRef<K, Sync>` does (`K: Send + Sync`). Values are only
// reached under the table's lock, or by one thread at a time while checked out, and may be
// dropped on any thread (`V: Send`). The hasher is used through `&self` from every thread and
// dropped on any (`S: Send + Sync`). These are the bounds the fields' auto traits gave when the
// entries held `WeakRef`s.
unsafe impl<K: ?Sized + Send + Sync, V: Send, S: Send + Sync, M> Send
    for WeakKeyDictionary<K, V, S, M, flavor::Sync>
{
}
// SAFETY: as for `Send`: every method takes `&self`, the table is behind its lock, and a value
// is lent (checked out) to one thread at a time.
unsafe impl<K: ?Sized + Send + Sync, V: Send, S: Send + Sync, M> Sync
    for WeakKeyDictionary<K, V, S, M, flavor::Sync>
{
}

// A panic never leaves the table inconsistent (see "Nothing dropped under the lock" in
// `table.rs`), as the `Mutex` it once was promised: what a thread-safe `Arc<Mutex<..>>` was.
impl<K: ?Sized, V, S: RefUnwindSafe, M> UnwindSafe for WeakKeyDictionary<K, V, S, M, flavor::Sync> {}
impl<K: ?Sized, V, S: RefUnwindSafe, M> RefUnwindSafe
    for WeakKeyDictionary<K, V, S, M, flavor::Sync>
{
}

impl<K: ?Sized, V, S, M, F: Flavor> WeakKeyDictionary<K, V, S, M, F> {
    /// An empty dictionary with room for `capacity` entries, hashing with `hasher`: the body of
    /// every constructor, without their bounds (the public ones state them; `RandomState`, the
    /// hasher of `new`, is `Send + Sync`).
    fn build(capacity: usize, hasher: S) -> Self {
        Self {
            table: TableRef::new(capacity, hasher),
            mode: PhantomData,
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

    /// Gives a checked-out value back (or drops it, after the lock, if its entry left meanwhile)
    /// and wakes the waiters.
    pub(crate) fn check_in(&self, slot: Slot<K, V, F>, value: Option<V>) {
        let mut guard = self.table.core().lock();
        let (state, bin, _) = guard.parts();
        if let Some(value) = value {
            if slot.indexed() {
                // SAFETY: the entry is ours to give back (checked out: `MOVED`); we hold the lock.
                unsafe { slot.put_extra(value) };
            } else {
                bin.discard(value);
            }
        }
        slot.end_checkout();
        state.wake_all(bin);
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

    /// The 64-bit hash of `key`.
    pub(crate) fn hash(&self, key: &K) -> u64 {
        equivalence::hash_key::<M, K, S>(key, &self.table.hasher)
    }

    /// Runs `then` under the lock with the slot of `key`'s entry, if it has one. `then` returns
    /// `Err(why)` to wait (for a value checked out to be given back, or a reservation to end)
    /// and try again; `why` is what the single-threaded flavor panics with instead.
    fn find_then<R>(
        &self,
        key: &K,
        mut then: impl FnMut(
            &mut State<K, V, F>,
            &mut Bin<K, V, F>,
            &Core<K, V, F>,
            Option<Slot<K, V, F>>,
        ) -> Result<R, &'static str>,
    ) -> R {
        let tag = fold(self.hash(key));
        let addr = equivalence::address::<K>(key);
        loop {
            let mut guard = self.table.core().lock();
            let (state, bin, core) = guard.parts();
            let found = state.find(tag, |slot| key_matches::<K, V, M, F>(slot, key, addr, bin));
            match then(state, bin, core, found) {
                // The guard drops here: the lock is released, then the comparisons'
                // temporaries and whatever `then` removed are dropped.
                Ok(done) => return done,
                Err(why) => {
                    state.register_waiter(why);
                    guard.park();
                }
            }
        }
    }

    /// Whether `slot`'s value is checked out.
    fn busy(_: &State<K, V, F>, slot: Slot<K, V, F>) -> bool {
        slot.busy()
    }

    /// Checks out `key`'s value (waiting while it is checked out elsewhere), if `key` has an
    /// entry: the value is lent to the result until it drops.
    pub(crate) fn check_out(&self, key: &K) -> Option<Checkout<'_, K, V, S, M, F>> {
        self.find_then(key, |state, _, _, found| {
            let Some(slot) = found else {
                return Ok(None);
            };
            if Self::busy(state, slot) {
                return Err(WAITS_FOR_CHECKOUT);
            }
            Ok(Self::lend(self, state, slot))
        })
    }

    /// Lends the value of the entry in `slot` (indexed, not checked out), if its key is alive.
    fn lend<'a>(
        this: &'a Self,
        _: &mut State<K, V, F>,
        slot: Slot<K, V, F>,
    ) -> Option<Checkout<'a, K, V, S, M, F>> {
        let key = slot.upgrade()?;
        let handle = slot.handle();
        // SAFETY: an indexed entry that is not checked out holds its value; we hold the lock.
        let value = unsafe { slot.take_extra() };
        slot.start_checkout();
        Some(Checkout {
            dict: this,
            slot,
            value: Some(value),
            key,
            _handle: handle,
        })
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
        let tag = fold(hash);
        let addr = equivalence::address::<K>(key);
        // Out here until stored: if a key's `Eq` panics, it is dropped after the lock.
        let mut value = Some(value);
        loop {
            let mut guard = self.table.core().lock();
            let (state, bin, core) = guard.parts();
            let reserved = state.reserved(hash);
            if !reserved {
                match state.probe(tag, |slot| {
                    key_matches::<K, V, M, F>(slot, &**key, addr, bin)
                }) {
                    Probe::Found(slot) if slot.busy() => {}
                    Probe::Found(slot) => {
                        // SAFETY: an indexed entry that is not checked out holds its value; we
                        // hold the lock.
                        let stored = unsafe { slot.extra_mut() };
                        return Some(core::mem::replace(
                            stored,
                            value.take().expect("stored once"),
                        ));
                    }
                    Probe::Vacant(vacancy) => {
                        // Making a weak reference runs no user code.
                        vacancy.insert(core, &key.raw, value.take().expect("stored once"), 0);
                        return None;
                    }
                }
            }
            // A vacant entry (another thread's constructor) has the key, or its value is
            // checked out: wait for it.
            state.register_waiter(if reserved {
                WAITS_FOR_RESERVATION
            } else {
                WAITS_FOR_CHECKOUT
            });
            guard.park();
        }
    }

    /// Stores `value` for `key` (no entry for it, and its key reserved by the caller, which this
    /// ends) and checks it out at once.
    pub(crate) fn insert_reserved(
        &self,
        key: &Obj<K, F>,
        hash: u64,
        value: V,
    ) -> Checkout<'_, K, V, S, M, F> {
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        state.unreserve(hash, bin);
        // While reserved, no other write of the key could store an entry for it.
        let slot = state.insert(core, &key.raw, fold(hash), value, 0);
        Self::lend(self, state, slot).expect("the caller holds the key")
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
        self.find_then(key, |state, _, _, found| match found {
            Some(slot) if Self::busy(state, slot) => Err(WAITS_FOR_CHECKOUT),
            // SAFETY: an indexed entry that is not checked out holds its value; we hold the lock.
            Some(slot) => Ok(Some(unsafe { slot.extra() }.clone())),
            None => Ok(None),
        })
    }

    /// Calls `f` with the value for `key`, if there is one, and returns what it returns: a look at
    /// a value that need not be `Clone`.
    ///
    /// `f` runs without the dictionary's lock, so it may use the dictionary; the value is checked
    /// out meanwhile (other readers and writers of this value wait, other entries are free), so
    /// `f` must not use this same value through the dictionary (in the thread-safe flavor that
    /// deadlocks, in `unsync` it panics). The key stays alive while `f` runs.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// struct Meta {
    ///     name: String,
    /// }
    ///
    /// let d: WeakKeyDictionary<Node, Meta> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, Meta { name: "root".into() });
    /// assert_eq!(d.get_with(&Node(1), |meta| meta.name.len()), Some(4));
    /// assert_eq!(d.get_with(&Node(2), |meta| meta.name.len()), None);
    /// ```
    pub fn get_with<R>(&self, key: &K, f: impl FnOnce(&V) -> R) -> Option<R> {
        let checkout = self.check_out(key)?;
        Some(f(checkout.value()))
    }

    /// Calls `f` with the value for `key`, mutably, if there is one, and returns what it returns.
    /// As [`get_with`](Self::get_with): no lock is held while `f` runs, and the value is checked out.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, Vec<&str>> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, vec![]);
    /// d.get_with_mut(&node, |log| log.push("visited"));
    /// assert_eq!(d.get(&node), Some(vec!["visited"]));
    /// ```
    pub fn get_with_mut<R>(&self, key: &K, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let mut checkout = self.check_out(key)?;
        Some(f(checkout.value_mut()))
    }

    /// The entry of `key`, to read, change, insert or remove in place (as `HashMap::entry`).
    ///
    /// An entry is [occupied](Entry::Occupied) when an equal live key (the key object itself,
    /// with `ById`) has an entry: the entry then holds that stored key (a strong handle) and
    /// lends you the value until it drops (the value is *checked out*: other readers and writers
    /// of it wait; nothing else does). Otherwise it is [vacant](Entry::Vacant), and *reserves*
    /// the key: other writes of that key wait until the entry is used or dropped. No lock of the
    /// dictionary is held while you hold an entry. (Do not use the same key through the
    /// dictionary while you hold its entry: in the thread-safe flavor that deadlocks, in
    /// `unsync` it panics.)
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Word(&'static str);
    ///
    /// let counts: WeakKeyDictionary<Word, u32> = WeakKeyDictionary::new();
    /// let words = [Obj::new(Word("a")), Obj::new(Word("b")), Obj::new(Word("a"))];
    /// for word in &words {
    ///     *counts.entry(word).or_insert(0).get_mut() += 1;
    /// }
    /// assert_eq!(counts.get(&Word("a")), Some(2)); // the first `a` is the key
    /// assert_eq!(counts.get(&Word("b")), Some(1));
    /// ```
    pub fn entry(&self, key: &Obj<K, F>) -> Entry<'_, K, V, S, M, F> {
        let hash = self.hash(key);
        self.find_then(key, |state, _, _, found| {
            if state.reserved(hash) {
                return Err(WAITS_FOR_RESERVATION);
            }
            match found {
                Some(slot) if Self::busy(state, slot) => Err(WAITS_FOR_CHECKOUT),
                Some(slot) => match Self::lend(self, state, slot) {
                    Some(checkout) => Ok(Entry::Occupied(OccupiedEntry::new(checkout))),
                    // The stored key died just now: its entry is leaving.
                    None => {
                        state.reserve(hash);
                        Ok(Entry::Vacant(VacantEntry::new(self, key.clone(), hash)))
                    }
                },
                None => {
                    state.reserve(hash);
                    Ok(Entry::Vacant(VacantEntry::new(self, key.clone(), hash)))
                }
            }
        })
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
        self.find_then(key, |_, _, _, found| Ok(found.is_some()))
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
        self.find_then(key, |state, bin, core, found| match found {
            Some(slot) if Self::busy(state, slot) => Err(WAITS_FOR_CHECKOUT),
            Some(slot) => {
                // SAFETY: an indexed entry that is not checked out holds its value; we hold the
                // lock.
                let value = unsafe { slot.take_extra() };
                state.remove(core, slot, bin);
                Ok(Some(value))
            }
            None => Ok(None),
        })
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
        let removed = self.find_then(key, |state, bin, core, found| match found {
            Some(slot) if Self::busy(state, slot) => Err(WAITS_FOR_CHECKOUT),
            Some(slot) => {
                let stored = slot.upgrade();
                // SAFETY: an indexed entry that is not checked out holds its value; we hold the
                // lock.
                let value = unsafe { slot.take_extra() };
                state.remove(core, slot, bin);
                Ok(Some((stored, value)))
            }
            None => Ok(None),
        });
        // If the key died since it matched, its value drops here, after the lock.
        let (key, value) = removed?;
        Some((key?, value))
    }

    /// Python's `d.setdefault(key, default)`: a clone of the value for `key`, or else `default`,
    /// stored under `key` and returned (cloned). Atomic (see [`entry`](Self::entry)); the clone is
    /// made without the lock.
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
        self.entry(key).or_insert(default).get().clone()
    }

    /// A clone of the value for `key`, or else of the value `make` returns, stored under `key`.
    /// `make` runs without the lock, only when `key` has no entry, and only once however many
    /// threads race for it (the key is reserved meanwhile: see [`entry`](Self::entry)); if it
    /// panics, a waiting thread tries.
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
        self.entry(key).or_insert_with(make).get().clone()
    }

    /// Keeps only the entries for which `keep` returns `true` (as `HashMap::retain`).
    ///
    /// `keep` runs without the dictionary's lock, on each entry the dictionary has when `retain`
    /// starts and whose key is still alive when reached, with its value checked out (see
    /// [`get_with_mut`](Self::get_with_mut)); an entry it rejects is removed and its value dropped.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let nodes: Vec<_> = (0..4).map(|i| Obj::new(Node(i))).collect();
    /// let d: WeakKeyDictionary<Node, u32> = nodes.iter().map(|n| (n, u32::from(n.0))).collect();
    /// d.retain(|node, value| {
    ///     *value += 10;
    ///     node.0 % 2 == 0
    /// });
    /// assert_eq!(d.len(), 2);
    /// assert_eq!(d.get(&Node(2)), Some(12));
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(&Obj<K, F>, &mut V) -> bool) {
        let mut walk: Walk<K, V, F, ()> = Walk::new(&self.table);
        while let Some((key, ())) = walk.next::<Nothing>() {
            let Some(mut checkout) = self.check_out_object(&key) else {
                continue;
            };
            if !keep(&key, checkout.value_mut()) {
                drop(checkout.remove());
            }
        }
    }

    /// Checks out the entry of this very key object, if it has one (no `Eq` runs).
    fn check_out_object(&self, key: &Obj<K, F>) -> Option<Checkout<'_, K, V, S, M, F>> {
        let tag = fold(self.hash(key));
        let addr = equivalence::address::<K>(key);
        loop {
            let mut guard = self.table.core().lock();
            let state = guard.state();
            let slot = state.find(tag, |slot| slot.value_addr() == addr)?;
            if !Self::busy(state, slot) {
                return Self::lend(self, state, slot);
            }
            state.register_waiter(WAITS_FOR_CHECKOUT);
            guard.park();
        }
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
        // Declared before the guard: returned, or (never, since it was found alive) dropped
        // after the lock.
        let mut key = None;
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        // Checked-out entries are skipped.
        let slot = state.find_any(|slot| {
            key = if !slot.busy() { slot.upgrade() } else { None };
            key.is_some()
        })?;
        // SAFETY: an indexed entry that is not checked out holds its value; we hold the lock.
        let value = unsafe { slot.take_extra() };
        state.remove(core, slot, bin);
        drop(guard);
        Some((key?, value))
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
        self.table.clear();
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
        self.table.core().lock().state().len()
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

    /// An iterator over `(key, value)` for the live entries (Python's `d.items()`): the entries
    /// the dictionary has now (entries added later are not seen), each key upgraded and each value
    /// cloned when reached (under the lock, a batch at a time); entries whose key died by then are
    /// skipped. It keeps alive only the key it yields; a value checked out when reached is waited
    /// for.
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
        KeyDictIter {
            walk: Walk::new(&self.table),
        }
    }

    /// An iterator over the live keys (Python's `d.keys()`), as [`iter`](Self::iter) sees them
    /// (no value is cloned).
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
        let mut walk: Walk<K, V, F, ()> = Walk::new(&self.table);
        core::iter::from_fn(move || walk.next::<Nothing>().map(|(key, ())| key))
    }

    /// An iterator over clones of the values of the live entries (Python's `d.values()`), as
    /// [`iter`](Self::iter) sees them.
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
        let handles = self.table.live_handles();
        handles.into_iter().map(|raw| WeakRef { raw }).collect()
    }
}

/// A value lent by its entry (checked out): given back when dropped.
pub(crate) struct Checkout<'a, K: ?Sized, V, S, M, F: Flavor> {
    dict: &'a WeakKeyDictionary<K, V, S, M, F>,
    slot: Slot<K, V, F>,
    /// The value, until given back (or taken by a removal).
    value: Option<V>,
    /// The stored key, kept alive while the value is lent.
    key: Obj<K, F>,
    /// Keeps the node, and so the slot, ours until the value is back.
    _handle: RawWeak<K, F>,
}

impl<K: ?Sized, V, S, M, F: Flavor> Checkout<'_, K, V, S, M, F> {
    pub(crate) fn key(&self) -> &Obj<K, F> {
        &self.key
    }

    pub(crate) fn value(&self) -> &V {
        self.value.as_ref().expect("lent until given back")
    }

    pub(crate) fn value_mut(&mut self) -> &mut V {
        self.value.as_mut().expect("lent until given back")
    }

    /// Removes the entry (if it is still there) and takes the value for good.
    pub(crate) fn remove(mut self) -> V {
        let value = self.value.take().expect("lent until given back");
        let mut guard = self.dict.table.core().lock();
        let (state, bin, core) = guard.parts();
        if self.slot.indexed() {
            // The value is out (`MOVED`): the removal takes nothing else.
            state.remove(core, self.slot, bin);
        }
        drop(guard);
        value
        // `self` drops here: its check-in gives nothing back, ends the checkout and wakes the
        // waiters.
    }
}

impl<K: ?Sized, V, S, M, F: Flavor> Drop for Checkout<'_, K, V, S, M, F> {
    fn drop(&mut self) {
        self.dict.check_in(self.slot, self.value.take());
        // The handle and the key drop next, with no lock held.
    }
}

/// The iterator of [`WeakKeyDictionary::iter`]: `(key, value)` for each entry the dictionary had
/// when it was made whose key is still alive when reached.
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
    walk: Walk<K, V, F, V>,
}

// SAFETY: the iterator holds a reference to the dictionary's table (reached under its lock from
// any thread, and freed on whichever drops the last reference), cloned values, and pointers to
// thread-safe objects, which it upgrades to `Obj<K, Sync>` on whichever thread iterates: the
// bounds of a `Vec<(WeakRef<K, Sync>, V)>`, which the iterator once held.
unsafe impl<K: ?Sized + Send + Sync, V: Send> Send for KeyDictIter<K, V, flavor::Sync> {}
// SAFETY: as for `Send`; `&KeyDictIter` only reads the remaining length.
unsafe impl<K: ?Sized + Send + Sync, V: Sync> Sync for KeyDictIter<K, V, flavor::Sync> {}

impl<K: ?Sized, V: Clone, F: Flavor> Iterator for KeyDictIter<K, V, F> {
    type Item = (Obj<K, F>, V);

    #[inline]
    fn next(&mut self) -> Option<(Obj<K, F>, V)> {
        self.walk.next::<Cloned>()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.walk.remaining()))
    }
}

impl<K: ?Sized, V: Clone, F: Flavor> FusedIterator for KeyDictIter<K, V, F> {}

impl<K: ?Sized, V, F: Flavor> fmt::Debug for KeyDictIter<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDictIter")
            .field("remaining", &self.walk.remaining())
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
        let copy = Self::with_hasher(self.table.hasher.clone());
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

    /// The live entries (see [`WeakKeyDictionary::iter`]).
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
        if self.table.ptr_eq(&other.table) {
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
    use super::super::table::SlabNode;
    use crate::flavor::{Sync, Unsync};

    #[test]
    fn an_entry_is_its_object_pointer_node_and_value() {
        assert_eq!(size_of::<SlabNode<u8, u64, Sync>>(), 48);
        assert_eq!(size_of::<SlabNode<dyn core::any::Any, u64, Unsync>>(), 56);
    }
}
