//! The entry API of [`WeakValueDictionary`]: [`Entry`],
//! [`OccupiedEntry`] and [`VacantEntry`], from
//! [`WeakValueDictionary::entry`](crate::generic::WeakValueDictionary::entry).
//!
//! An entry is a decision taken under the dictionary's lock and carried out of it, so that no
//! user code runs under the lock:
//!
//! * an [occupied](Entry::Occupied) entry holds the live value its key maps to (a strong handle:
//!   it cannot die while you hold the entry);
//! * a [vacant](Entry::Vacant) entry *reserves* its key: until it is used or dropped, other
//!   threads' writes of that key wait for it, so that a value built for it (by
//!   [`Entry::or_insert_with`]) is built once, and no other write slips in between. Reads see
//!   the key as absent meanwhile. A key whose value died is vacant, even while its removal is
//!   still pending.
//!
//! The dictionary's lock is not held while an entry exists, and other keys are never held up.
//!
//! ```
//! use weakref_core::collections::value_entry::Entry;
//! use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Texture(&'static str);
//!
//! let cache: WeakValueDictionary<&str, Texture> = WeakValueDictionary::new();
//! let grass = cache.entry("grass").or_insert_with(|| Obj::new(Texture("grass.png")));
//! match cache.entry("grass") {
//!     Entry::Occupied(entry) => assert!(Obj::ptr_eq(entry.get(), &grass)),
//!     Entry::Vacant(_) => unreachable!("`grass` keeps it alive"),
//! }
//! drop(grass);
//! assert!(matches!(cache.entry("grass"), Entry::Vacant(_)));
//! ```

use core::fmt;
use std::hash::RandomState;

use super::wvd::{WeakValueDictionary, Write};
use crate::flavor::{self, Flavor};
use crate::obj::Obj;

/// An entry of a [`WeakValueDictionary`], from
/// [`entry`](crate::generic::WeakValueDictionary::entry): its key maps to a live value, or not.
pub enum Entry<'a, K, V: ?Sized, S = RandomState, F: Flavor = flavor::Sync> {
    /// The key maps to a live value, which the entry holds.
    Occupied(OccupiedEntry<'a, K, V, S, F>),
    /// The key has no live value; the entry reserves it.
    Vacant(VacantEntry<'a, K, V, S, F>),
}

/// An entry whose key maps to a live value, held by the entry (see [`Entry`]).
pub struct OccupiedEntry<'a, K, V: ?Sized, S = RandomState, F: Flavor = flavor::Sync> {
    dict: &'a WeakValueDictionary<K, V, S, F>,
    key: K,
    value: Obj<V, F>,
}

/// An entry whose key has no live value; it reserves the key until it is used or dropped (see
/// [`Entry`]).
pub struct VacantEntry<'a, K, V: ?Sized, S = RandomState, F: Flavor = flavor::Sync> {
    dict: &'a WeakValueDictionary<K, V, S, F>,
    /// The key, until it is stored or handed back.
    key: Option<K>,
    hash: u64,
    /// Whether the reservation is still ours to end.
    reserved: bool,
}

impl<'a, K, V: ?Sized, S, F: Flavor> OccupiedEntry<'a, K, V, S, F> {
    pub(crate) fn new(dict: &'a WeakValueDictionary<K, V, S, F>, key: K, value: Obj<V, F>) -> Self {
        Self { dict, key, value }
    }

    /// The key given to [`entry`](crate::generic::WeakValueDictionary::entry) (equal to the
    /// stored one).
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert(3, &img);
    /// let Entry::Occupied(entry) = d.entry(3) else { unreachable!() };
    /// assert_eq!(*entry.key(), 3);
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// The value, which the entry keeps alive.
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert("a", &img);
    /// let Entry::Occupied(entry) = d.entry("a") else { unreachable!() };
    /// drop(img);
    /// assert_eq!(Obj::strong_count(entry.get()), 1); // the entry's handle
    /// ```
    pub fn get(&self) -> &Obj<V, F> {
        &self.value
    }

    /// The value.
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert("a", &img);
    /// let Entry::Occupied(entry) = d.entry("a") else { unreachable!() };
    /// assert!(Obj::ptr_eq(&entry.into_value(), &img));
    /// ```
    pub fn into_value(self) -> Obj<V, F> {
        self.value
    }

    /// The key given, and the value.
    pub fn into_parts(self) -> (K, Obj<V, F>) {
        (self.key, self.value)
    }
}

impl<K, V, S, F: Flavor> OccupiedEntry<'_, K, V, S, F>
where
    K: super::Hashable + crate::flavor::SendIf<F> + 'static,
    V: ?Sized + crate::Weakrefable + crate::flavor::SendIf<F> + crate::flavor::SyncIf<F> + 'static,
    S: core::hash::BuildHasher + crate::flavor::SendIf<F> + crate::flavor::SyncIf<F> + 'static,
{
    /// Maps the key to `value` (as [`insert`](crate::generic::WeakValueDictionary::insert)
    /// does); returns the value the entry held.
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let (old, new) = (Obj::new(Image(1)), Obj::new(Image(2)));
    /// d.insert("a", &old);
    /// let Entry::Occupied(entry) = d.entry("a") else { unreachable!() };
    /// assert!(Obj::ptr_eq(&entry.insert(&new), &old));
    /// assert_eq!(d.get("a").unwrap().0, 2);
    /// ```
    pub fn insert(self, value: &Obj<V, F>) -> Obj<V, F> {
        self.dict.insert(self.key, value);
        self.value
    }

    /// Removes the key's entry if it still maps to the entry's value (another thread may have
    /// replaced it meanwhile); returns the value.
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// d.insert("a", &img);
    /// let Entry::Occupied(entry) = d.entry("a") else { unreachable!() };
    /// assert!(Obj::ptr_eq(&entry.remove(), &img));
    /// assert!(d.is_empty());
    /// ```
    pub fn remove(self) -> Obj<V, F> {
        self.dict.remove_if_value(&self.key, &self.value);
        self.value
    }
}

impl<'a, K, V: ?Sized, S, F: Flavor> VacantEntry<'a, K, V, S, F> {
    pub(crate) fn new(dict: &'a WeakValueDictionary<K, V, S, F>, key: K, hash: u64) -> Self {
        Self {
            dict,
            key: Some(key),
            hash,
            reserved: true,
        }
    }

    /// The key given to [`entry`](crate::generic::WeakValueDictionary::entry).
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<&str, Image> = WeakValueDictionary::new();
    /// let Entry::Vacant(entry) = d.entry("a") else { unreachable!() };
    /// assert_eq!(*entry.key(), "a");
    /// ```
    pub fn key(&self) -> &K {
        self.key.as_ref().expect("held until the entry is consumed")
    }

    /// The key given, without inserting anything: the reservation ends.
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<String, Image> = WeakValueDictionary::new();
    /// let Entry::Vacant(entry) = d.entry("a".to_string()) else { unreachable!() };
    /// assert_eq!(entry.into_key(), "a");
    /// ```
    pub fn into_key(mut self) -> K {
        self.key.take().expect("held until the entry is consumed")
        // `self` drops here: the reservation ends.
    }
}

impl<K, V, S, F: Flavor> VacantEntry<'_, K, V, S, F>
where
    K: super::Hashable + crate::flavor::SendIf<F> + 'static,
    V: ?Sized + crate::Weakrefable + crate::flavor::SendIf<F> + crate::flavor::SyncIf<F> + 'static,
    S: core::hash::BuildHasher + crate::flavor::SendIf<F> + crate::flavor::SyncIf<F> + 'static,
{
    /// Stores `value` under the key (held weakly, as always), ending the reservation; returns
    /// another handle to it.
    ///
    /// ```
    /// use weakref_core::collections::value_entry::Entry;
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = Obj::new(Image);
    /// let Entry::Vacant(entry) = d.entry("a") else { unreachable!() };
    /// entry.insert(&img);
    /// assert!(Obj::ptr_eq(&d.get("a").unwrap(), &img));
    /// ```
    pub fn insert(self, value: &Obj<V, F>) -> Obj<V, F> {
        self.store(value);
        value.clone()
    }

    /// Stores `value`, ending the reservation.
    fn store(mut self, value: &Obj<V, F>) {
        let key = self.key.take().expect("held until the entry is consumed");
        // The write ends the reservation first thing under the lock, and clears `reserved` with
        // it: should the write panic after that (a key's `Eq`), `Drop` does not end it again
        // (another entry may hold the key's reservation by then).
        let _previous = self
            .dict
            .write(key, self.hash, value, Write::Reserved, &mut self.reserved);
    }
}

impl<K, V: ?Sized, S, F: Flavor> Drop for VacantEntry<'_, K, V, S, F> {
    /// Ends the reservation, if the entry was not used (a waiting writer goes on); also when a
    /// constructor panics.
    fn drop(&mut self) {
        if self.reserved {
            self.dict.unreserve(self.hash);
        }
    }
}

impl<'a, K, V, S, F: Flavor> Entry<'a, K, V, S, F>
where
    K: super::Hashable + crate::flavor::SendIf<F> + 'static,
    V: ?Sized + crate::Weakrefable + crate::flavor::SendIf<F> + crate::flavor::SyncIf<F> + 'static,
    S: core::hash::BuildHasher + crate::flavor::SendIf<F> + crate::flavor::SyncIf<F> + 'static,
{
    /// The key given to [`entry`](crate::generic::WeakValueDictionary::entry).
    ///
    /// ```
    /// use weakref_core::{WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image;
    ///
    /// let d: WeakValueDictionary<u8, Image> = WeakValueDictionary::new();
    /// assert_eq!(*d.entry(7).key(), 7);
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(entry) => entry.key(),
            Entry::Vacant(entry) => entry.key(),
        }
    }

    /// The live value, or else `default`, stored (Python's `setdefault`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let (a, b) = (Obj::new(Image(1)), Obj::new(Image(2)));
    /// assert_eq!(d.entry("k").or_insert(&a).0, 1);
    /// assert_eq!(d.entry("k").or_insert(&b).0, 1); // `a` is alive
    /// ```
    pub fn or_insert(self, default: &Obj<V, F>) -> Obj<V, F> {
        match self {
            Entry::Occupied(entry) => entry.into_value(),
            Entry::Vacant(entry) => entry.insert(default),
        }
    }

    /// The live value, or else the one `make` builds, stored. `make` runs without the
    /// dictionary's lock, with the key reserved: in the thread-safe flavor, threads racing for
    /// the same missing key build it once (the others wait, then get it); if `make` panics, the
    /// reservation ends and a waiting thread tries.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(u8);
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = d.entry("k").or_insert_with(|| Obj::new(Image(5)));
    /// assert_eq!(d.entry("k").or_insert_with(|| unreachable!()).0, 5);
    /// ```
    pub fn or_insert_with(self, make: impl FnOnce() -> Obj<V, F>) -> Obj<V, F> {
        match self {
            Entry::Occupied(entry) => entry.into_value(),
            Entry::Vacant(entry) => {
                let value = make();
                entry.store(&value);
                value
            }
        }
    }

    /// [`or_insert_with`](Self::or_insert_with), with `make` given the key.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Image(String);
    ///
    /// let d = WeakValueDictionary::new();
    /// let img = d.entry("logo").or_insert_with_key(|key| Obj::new(Image(format!("{key}.png"))));
    /// assert_eq!(img.0, "logo.png");
    /// ```
    pub fn or_insert_with_key(self, make: impl FnOnce(&K) -> Obj<V, F>) -> Obj<V, F> {
        match self {
            Entry::Occupied(entry) => entry.into_value(),
            Entry::Vacant(entry) => {
                let value = make(entry.key());
                entry.store(&value);
                value
            }
        }
    }

    /// Calls `f` with the live value, if there is one; returns the entry.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Hits(AtomicU32);
    ///
    /// let d = WeakValueDictionary::new();
    /// let hits = d.entry("page").or_insert_with(|| Obj::new(Hits(AtomicU32::new(0))));
    /// d.entry("page")
    ///     .and_modify(|h| {
    ///         h.0.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .or_insert_with(|| unreachable!());
    /// assert_eq!(hits.0.load(Ordering::Relaxed), 1);
    /// ```
    pub fn and_modify(self, f: impl FnOnce(&Obj<V, F>)) -> Self {
        if let Entry::Occupied(entry) = &self {
            f(entry.get());
        }
        self
    }
}

impl<K: fmt::Debug, V: ?Sized, S, F: Flavor> fmt::Debug for Entry<'_, K, V, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(entry) => f.debug_tuple("Occupied").field(entry).finish(),
            Entry::Vacant(entry) => f.debug_tuple("Vacant").field(entry).finish(),
        }
    }
}

impl<K: fmt::Debug, V: ?Sized, S, F: Flavor> fmt::Debug for OccupiedEntry<'_, K, V, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<K: fmt::Debug, V: ?Sized, S, F: Flavor> fmt::Debug for VacantEntry<'_, K, V, S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry")
            .field("key", &self.key)
            .finish()
    }
}
