//! The entry API of [`WeakKeyDictionary`]: [`Entry`],
//! [`OccupiedEntry`] and [`VacantEntry`], from
//! [`WeakKeyDictionary::entry`](crate::generic::WeakKeyDictionary::entry).
//!
//! An entry is a decision taken under the dictionary's lock and carried out of it, so that no
//! user code runs under the lock:
//!
//! * an [occupied](Entry::Occupied) entry holds the stored key (a strong handle: it cannot die
//!   while you hold the entry) and has the value *checked out*: lent to you until the entry
//!   drops. Other readers and writers of that value wait meanwhile; nothing else does.
//! * a [vacant](Entry::Vacant) entry *reserves* its key: until it is used or dropped, other
//!   writes of that key wait for it, so that a value built for it is built once. A key whose
//!   entry's key object died is vacant, even while its removal is still pending.
//!
//! ```
//! use weakref_core::collections::key_entry::Entry;
//! use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
//!
//! #[derive(Hash, PartialEq, Eq, Weakrefable)]
//! struct Node(u8);
//!
//! let d: WeakKeyDictionary<Node, Vec<&str>> = WeakKeyDictionary::new();
//! let node = Obj::new(Node(1));
//! d.entry(&node).or_default().get_mut().push("created");
//! match d.entry(&node) {
//!     Entry::Occupied(mut entry) => entry.get_mut().push("seen"),
//!     Entry::Vacant(_) => unreachable!(),
//! }
//! assert_eq!(d.get(&node), Some(vec!["created", "seen"]));
//! ```

use core::fmt;
use std::hash::RandomState;

use super::equivalence::{ByValue, Hashable};
use super::wkd::{Checkout, WeakKeyDictionary};
use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf, SyncIf};
use crate::obj::Obj;

/// An entry of a [`WeakKeyDictionary`], from
/// [`entry`](crate::generic::WeakKeyDictionary::entry): its key has an entry, or not.
pub enum Entry<'a, K: ?Sized, V, S = RandomState, M = ByValue, F: Flavor = flavor::Sync> {
    /// The key has an entry, whose value the entry lends.
    Occupied(OccupiedEntry<'a, K, V, S, M, F>),
    /// The key has no entry; the entry reserves it.
    Vacant(VacantEntry<'a, K, V, S, M, F>),
}

/// An entry whose key has an entry in the dictionary: it holds the stored key and lends the
/// value until it drops (see [`Entry`]).
pub struct OccupiedEntry<'a, K: ?Sized, V, S = RandomState, M = ByValue, F: Flavor = flavor::Sync> {
    checkout: Checkout<'a, K, V, S, M, F>,
}

/// An entry whose key has no entry in the dictionary; it reserves the key until it is used or
/// dropped (see [`Entry`]).
pub struct VacantEntry<'a, K: ?Sized, V, S = RandomState, M = ByValue, F: Flavor = flavor::Sync> {
    dict: &'a WeakKeyDictionary<K, V, S, M, F>,
    key: Obj<K, F>,
    hash: u64,
    /// Whether the reservation is still ours to end.
    reserved: bool,
}

impl<'a, K: ?Sized, V, S, M, F: Flavor> OccupiedEntry<'a, K, V, S, M, F> {
    pub(crate) fn new(checkout: Checkout<'a, K, V, S, M, F>) -> Self {
        Self { checkout }
    }

    /// The stored key: the first key object inserted for it (which the entry keeps alive).
    ///
    /// ```
    /// use weakref_core::collections::key_entry::Entry;
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u8> = WeakKeyDictionary::new();
    /// let (first, equal) = (Obj::new(Node(1)), Obj::new(Node(1)));
    /// d.insert(&first, 0);
    /// let Entry::Occupied(entry) = d.entry(&equal) else { unreachable!() };
    /// assert!(Obj::ptr_eq(entry.key(), &first));
    /// ```
    pub fn key(&self) -> &Obj<K, F> {
        self.checkout.key()
    }

    /// The value.
    ///
    /// ```
    /// use weakref_core::collections::key_entry::Entry;
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, &str> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, "meta");
    /// let Entry::Occupied(entry) = d.entry(&node) else { unreachable!() };
    /// assert_eq!(*entry.get(), "meta");
    /// ```
    pub fn get(&self) -> &V {
        self.checkout.value()
    }

    /// The value, mutably.
    ///
    /// ```
    /// use weakref_core::collections::key_entry::Entry;
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 1);
    /// if let Entry::Occupied(mut entry) = d.entry(&node) {
    ///     *entry.get_mut() += 1;
    /// }
    /// assert_eq!(d.get(&node), Some(2));
    /// ```
    pub fn get_mut(&mut self) -> &mut V {
        self.checkout.value_mut()
    }

    /// Replaces the value; returns the old one.
    ///
    /// ```
    /// use weakref_core::collections::key_entry::Entry;
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 1);
    /// let Entry::Occupied(mut entry) = d.entry(&node) else { unreachable!() };
    /// assert_eq!(entry.insert(5), 1);
    /// drop(entry);
    /// assert_eq!(d.get(&node), Some(5));
    /// ```
    pub fn insert(&mut self, value: V) -> V {
        core::mem::replace(self.checkout.value_mut(), value)
    }

    /// Removes the entry (if another thread did not meanwhile); returns the value.
    ///
    /// ```
    /// use weakref_core::collections::key_entry::Entry;
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.insert(&node, 1);
    /// let Entry::Occupied(entry) = d.entry(&node) else { unreachable!() };
    /// assert_eq!(entry.remove(), 1);
    /// assert!(d.is_empty());
    /// ```
    pub fn remove(self) -> V {
        self.checkout.remove()
    }

    /// Removes the entry; returns the stored key and the value.
    pub fn remove_entry(self) -> (Obj<K, F>, V) {
        let key = self.checkout.key().clone();
        (key, self.checkout.remove())
    }
}

impl<'a, K: ?Sized, V, S, M, F: Flavor> VacantEntry<'a, K, V, S, M, F> {
    pub(crate) fn new(
        dict: &'a WeakKeyDictionary<K, V, S, M, F>,
        key: Obj<K, F>,
        hash: u64,
    ) -> Self {
        Self {
            dict,
            key,
            hash,
            reserved: true,
        }
    }

    /// The key given to [`entry`](crate::generic::WeakKeyDictionary::entry).
    pub fn key(&self) -> &Obj<K, F> {
        &self.key
    }

    /// The key given, without inserting anything: the reservation ends.
    pub fn into_key(self) -> Obj<K, F> {
        self.key.clone()
        // `self` drops here: the reservation ends.
    }
}

impl<'a, K, V, S, M, F: Flavor> VacantEntry<'a, K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: core::hash::BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// Stores `value` for the key (held weakly, as always), ending the reservation; returns the
    /// new entry, which lends the value until it drops.
    ///
    /// ```
    /// use weakref_core::collections::key_entry::Entry;
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// let Entry::Vacant(entry) = d.entry(&node) else { unreachable!() };
    /// *entry.insert(1).get_mut() += 1;
    /// assert_eq!(d.get(&node), Some(2));
    /// ```
    pub fn insert(mut self, value: V) -> OccupiedEntry<'a, K, V, S, M, F> {
        // The insertion ends the reservation first thing under the lock; nothing there can
        // panic but an allocation.
        self.reserved = false;
        let checkout = self.dict.insert_reserved(&self.key, self.hash, value);
        OccupiedEntry::new(checkout)
    }
}

impl<K: ?Sized, V, S, M, F: Flavor> Drop for VacantEntry<'_, K, V, S, M, F> {
    /// Ends the reservation, if the entry was not used (a waiting writer goes on); also when a
    /// constructor panics.
    fn drop(&mut self) {
        if self.reserved {
            self.dict.unreserve(self.hash);
        }
    }
}

impl<'a, K, V, S, M, F: Flavor> Entry<'a, K, V, S, M, F>
where
    K: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    V: SendIf<F> + 'static,
    S: core::hash::BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// The stored key (occupied) or the key given (vacant).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// assert!(Obj::ptr_eq(d.entry(&node).key(), &node));
    /// ```
    pub fn key(&self) -> &Obj<K, F> {
        match self {
            Entry::Occupied(entry) => entry.key(),
            Entry::Vacant(entry) => entry.key(),
        }
    }

    /// The occupied entry, or else a new one holding `default`.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// *d.entry(&node).or_insert(10).get_mut() += 1;
    /// *d.entry(&node).or_insert(10).get_mut() += 1;
    /// assert_eq!(d.get(&node), Some(12));
    /// ```
    pub fn or_insert(self, default: V) -> OccupiedEntry<'a, K, V, S, M, F> {
        match self {
            Entry::Occupied(entry) => entry,
            Entry::Vacant(entry) => entry.insert(default),
        }
    }

    /// The occupied entry, or else a new one holding what `make` returns. `make` runs without
    /// the dictionary's lock, with the key reserved: threads racing for the same missing key
    /// build its value once; if `make` panics, the reservation ends and a waiting thread tries.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, String> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// assert_eq!(d.entry(&node).or_insert_with(|| "built".into()).get(), "built");
    /// assert_eq!(d.entry(&node).or_insert_with(|| unreachable!()).get(), "built");
    /// ```
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> OccupiedEntry<'a, K, V, S, M, F> {
        match self {
            Entry::Occupied(entry) => entry,
            Entry::Vacant(entry) => {
                let value = make();
                entry.insert(value)
            }
        }
    }

    /// [`or_insert_with`](Self::or_insert_with), with `make` given the key.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u8> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(4));
    /// assert_eq!(*d.entry(&node).or_insert_with_key(|key| key.0 * 2).get(), 8);
    /// ```
    pub fn or_insert_with_key(
        self,
        make: impl FnOnce(&Obj<K, F>) -> V,
    ) -> OccupiedEntry<'a, K, V, S, M, F> {
        match self {
            Entry::Occupied(entry) => entry,
            Entry::Vacant(entry) => {
                let value = make(entry.key());
                entry.insert(value)
            }
        }
    }

    /// The occupied entry, or else a new one holding `V::default()`.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, Vec<u8>> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// d.entry(&node).or_default().get_mut().push(1);
    /// assert_eq!(d.get(&node), Some(vec![1]));
    /// ```
    pub fn or_default(self) -> OccupiedEntry<'a, K, V, S, M, F>
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// Calls `f` with the value, mutably, if the key has an entry; returns the entry.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakKeyDictionary, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Node(u8);
    ///
    /// let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();
    /// let node = Obj::new(Node(1));
    /// for _ in 0..3 {
    ///     d.entry(&node).and_modify(|n| *n += 1).or_insert(1);
    /// }
    /// assert_eq!(d.get(&node), Some(3));
    /// ```
    pub fn and_modify(mut self, f: impl FnOnce(&mut V)) -> Self {
        if let Entry::Occupied(entry) = &mut self {
            f(entry.get_mut());
        }
        self
    }
}

impl<K: ?Sized + fmt::Debug, V: fmt::Debug, S, M, F: Flavor> fmt::Debug
    for Entry<'_, K, V, S, M, F>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(entry) => f.debug_tuple("Occupied").field(entry).finish(),
            Entry::Vacant(entry) => f.debug_tuple("Vacant").field(entry).finish(),
        }
    }
}

impl<K: ?Sized + fmt::Debug, V: fmt::Debug, S, M, F: Flavor> fmt::Debug
    for OccupiedEntry<'_, K, V, S, M, F>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", &&**self.key())
            .field("value", self.get())
            .finish()
    }
}

impl<K: ?Sized + fmt::Debug, V, S, M, F: Flavor> fmt::Debug for VacantEntry<'_, K, V, S, M, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry")
            .field("key", &&**self.key())
            .finish()
    }
}
