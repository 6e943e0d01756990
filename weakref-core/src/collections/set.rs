//! `WeakSet`, written once and instantiated per flavor by [`set_api!`]; its set algebra is in
//! `set_ops.rs`.

/// Defines `WeakSet`, `WeakIdSet` and their iterator for one flavor, next to that flavor's
/// `Obj`, `WeakRef` and `weak_key_matches` (which must be in scope). The parameters are those
/// of `collections_api!`.
macro_rules! set_api {
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
        /// One element, watched through a weak reference whose callback removes it.
        struct SetEntry<T> {
            hash: u64,
            addr: usize,
            weak: WeakRef<T>,
        }

        impl<T> $crate::collections::table::Entry for SetEntry<T> {
            type Weak = WeakRef<T>;

            fn holds(&self, weak: &WeakRef<T>) -> bool {
                self.weak.ptr_eq(weak)
            }
        }

        /// What a set's handles and its entries' callbacks share.
        struct SetInner<T, S> {
            table: $crate::collections::table::Table<SetEntry<T>, $Family>,
            hasher: S,
        }

        #[doc = concat!(
            "A set whose elements are held weakly: Python's `weakref.WeakSet`.\n\n",
            "Elements are [`Obj`]s the set does not keep alive. The moment one dies it leaves ",
            "the set, so [`len`](Self::len) is exact: observer lists that empty themselves.\n\n",
            "`M` chooses how elements compare: [`ByValue`](crate::ByValue) (the default) by ",
            "the referents' `Hash + Eq`, or [`ById`](crate::ById) by identity, for any ",
            "[`Weakrefable`](crate::Weakrefable) type ([`WeakIdSet`]).\n\n",
            "All methods take `&self`", $threads, "\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
            "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
            "struct Tag(&'static str);\n\n",
            "let tags: WeakSet<Tag> = WeakSet::new();\n",
            "let red = Obj::new(Tag(\"red\"));\n",
            "assert!(tags.add(&red));\n",
            "assert!(!tags.add(&red)); // already there\n",
            "assert!(tags.contains(&Tag(\"red\")));\n",
            "drop(red);\n",
            "assert!(tags.is_empty());\n",
            "```\n\n",
            "# Semantics\n\n",
            "* Adding an element equal to a member keeps the member (the first wins), so the ",
            "entry dies with the original.\n",
            "* The set algebra ([`union`](Self::union), `|`, `&`, `-`, `^` and their `*=` ",
            "forms, [`is_subset`](Self::is_subset), ...) takes any iterable of `Obj<T>` or ",
            "`&Obj<T>` on the right, other weak sets included. Results hold their members ",
            "weakly and independently.\n",
            "* Iteration works on a snapshot of weak references taken under the lock; elements ",
            "are upgraded as they are reached and dead ones skipped. Order is unspecified.\n\n",
            "# User code under the lock\n\n",
            "With `ByValue`, the elements' `Eq` runs under the set's lock and must not use the ",
            "same set (in the thread-safe flavor that deadlocks, in `unsync` it panics). ",
            "Elements are hashed outside the lock; nothing is dropped under it.",
        )]
        pub struct WeakSet<T, S = std::hash::RandomState, M = $crate::collections::ByValue> {
            inner: $Shared<SetInner<T, S>>,
            mode: core::marker::PhantomData<fn() -> M>,
        }

        #[doc = concat!(
            "A [`WeakSet`] whose elements compare by identity: any ",
            "[`Weakrefable`](crate::Weakrefable) type can be an element, no `Hash` or `Eq` ",
            "needed. The natural choice for observer lists.\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakIdSet, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Listener;\n\n",
            "let listeners = WeakIdSet::new();\n",
            "let a = Obj::new(Listener);\n",
            "listeners.add(&a);\n",
            "assert_eq!(listeners.len(), 1);\n",
            "drop(a);\n",
            "assert!(listeners.is_empty());\n",
            "```",
        )]
        pub type WeakIdSet<T, S = std::hash::RandomState> =
            WeakSet<T, S, $crate::collections::ById>;

        impl<T, M> WeakSet<T, std::hash::RandomState, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            M: 'static,
        {
            #[doc = concat!(
                "An empty set.\n\n",
                "```\n",
                "use ", $path, "::{WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag;\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn new() -> Self {
                Self::with_hasher(Default::default())
            }

            #[doc = concat!(
                "An empty set with room for `capacity` elements.\n\n",
                "```\n",
                "use ", $path, "::{WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag;\n\n",
                "let s: WeakSet<Tag> = WeakSet::with_capacity(8);\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn with_capacity(capacity: usize) -> Self {
                Self::with_capacity_and_hasher(capacity, Default::default())
            }
        }

        impl<T, S, M> WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            #[doc = concat!(
                "An empty set hashing its elements with `hasher`.\n\n",
                "```\n",
                "use std::hash::RandomState;\n",
                "use ", $path, "::{WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag;\n\n",
                "let s: WeakSet<Tag> = WeakSet::with_hasher(RandomState::new());\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn with_hasher(hasher: S) -> Self {
                Self::with_capacity_and_hasher(0, hasher)
            }

            #[doc = concat!(
                "An empty set with room for `capacity` elements, hashing with `hasher`.\n\n",
                "```\n",
                "use std::hash::RandomState;\n",
                "use ", $path, "::{WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag;\n\n",
                "let s: WeakSet<Tag> = WeakSet::with_capacity_and_hasher(4, RandomState::new());\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
                Self {
                    inner: $Shared::new(SetInner {
                        table: $crate::collections::table::Table::with_capacity(capacity),
                        hasher,
                    }),
                    mode: core::marker::PhantomData,
                }
            }

            /// An empty set with the same hasher.
            pub(crate) fn empty_like(&self) -> Self
            where
                S: Clone,
            {
                Self::with_hasher(self.inner.hasher.clone())
            }

            /// The weak reference of a new entry for `element` under `hash`.
            fn watch(&self, hash: u64, element: &Obj<T>) -> WeakRef<T> {
                let inner = $Shared::downgrade(&self.inner);
                WeakRef::with_callback(element, move |dead: &WeakRef<T>| {
                    if let Some(inner) = inner.upgrade() {
                        inner.table.remove_dead(hash, dead);
                    }
                })
            }

            fn hash(&self, element: &T) -> u64 {
                $crate::collections::equivalence::hash_key::<M, T, S>(element, &self.inner.hasher)
            }

            #[doc = concat!(
                "Adds `element` (Python's `s.add(x)`); returns whether it was new.\n\n",
                "If an equal member exists, the set is unchanged: the member stays, and no ",
                "new weak reference is made.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let (a, also_a) = (Obj::new(Tag(1)), Obj::new(Tag(1)));\n",
                "assert!(s.add(&a));\n",
                "assert!(!s.add(&also_a)); // equal: `a` stays the member\n",
                "drop(a);\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn add(&self, element: &Obj<T>) -> bool {
                let hash = self.hash(element);
                let addr = $crate::collections::equivalence::address::<T>(element);
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                let added = self.inner.table.with(|table| {
                    let found = table.entry(
                        hash,
                        |entry| weak_key_matches::<T, M>(&entry.weak, entry.addr, element, addr, &mut temps),
                        |entry| entry.hash,
                    );
                    let added = match found {
                        hashbrown::hash_table::Entry::Occupied(_) => false,
                        hashbrown::hash_table::Entry::Vacant(slot) => {
                            // Creating a weak reference runs no user code.
                            let weak = self.watch(hash, element);
                            slot.insert(SetEntry { hash, addr, weak });
                            true
                        }
                    };
                    added
                });
                drop(temps);
                added
            }

            #[doc = concat!(
                "Whether `element`, or with `ByValue` an element equal to it, is a live member ",
                "(Python's `x in s`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "assert!(s.contains(&*a));\n",
                "assert!(s.contains(&Tag(1)));\n",
                "assert!(!s.contains(&Tag(2)));\n",
                "```",
            )]
            pub fn contains(&self, element: &T) -> bool {
                let hash = self.hash(element);
                let addr = $crate::collections::equivalence::address::<T>(element);
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                let found = self.inner.table.with(|table| {
                    table
                        .find(hash, |entry| {
                            weak_key_matches::<T, M>(&entry.weak, entry.addr, element, addr, &mut temps)
                        })
                        .is_some()
                });
                drop(temps);
                found
            }

            /// Takes the member matching `element` out of the table.
            fn take(&self, element: &T) -> Option<SetEntry<T>> {
                let hash = self.hash(element);
                let addr = $crate::collections::equivalence::address::<T>(element);
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                let taken = self.inner.table.with(|table| {
                    table
                        .find_entry(hash, |entry| {
                            weak_key_matches::<T, M>(&entry.weak, entry.addr, element, addr, &mut temps)
                        })
                        .ok()
                        .map(|found| found.remove().0)
                });
                drop(temps);
                taken
            }

            #[doc = concat!(
                "Removes `element` if it is a member (Python's `s.discard(x)`); returns ",
                "whether it was.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "assert!(s.discard(&Tag(1)));\n",
                "assert!(!s.discard(&Tag(1)));\n",
                "```",
            )]
            pub fn discard(&self, element: &T) -> bool {
                self.take(element).is_some()
            }

            #[doc = concat!(
                "Removes `element`, or fails with [`KeyError`](crate::KeyError) if it is not a ",
                "member (Python's `s.remove(x)`).\n\n",
                "```\n",
                "use ", $path, "::{KeyError, Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "assert_eq!(s.remove(&a), Ok(()));\n",
                "assert_eq!(s.remove(&a), Err(KeyError));\n",
                "```",
            )]
            pub fn remove(&self, element: &T) -> Result<(), $crate::collections::KeyError> {
                match self.take(element) {
                    Some(_) => Ok(()),
                    None => Err($crate::collections::KeyError),
                }
            }

            #[doc = concat!(
                "Removes and returns some live member (Python's `s.pop()`; `None` where Python ",
                "raises `KeyError`). Which one is unspecified.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "assert!(Obj::ptr_eq(&s.pop().unwrap(), &a));\n",
                "assert!(s.pop().is_none());\n",
                "```",
            )]
            pub fn pop(&self) -> Option<Obj<T>> {
                let (element, entry) = self.inner.table.with(|table| {
                    let (hash, weak, element) = table.iter().find_map(|entry| {
                        let element = entry.weak.upgrade()?;
                        Some((entry.hash, entry.weak.clone(), element))
                    })?;
                    let found = table.find_entry(hash, |entry| entry.weak.ptr_eq(&weak)).ok()?;
                    Some((element, found.remove().0))
                })?;
                drop(entry);
                Some(element)
            }

            #[doc = concat!(
                "Removes every member (Python's `s.clear()`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "s.clear();\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn clear(&self) {
                let entries = self.inner.table.with(core::mem::take);
                drop(entries);
            }

            #[doc = concat!(
                "The number of members (Python's `len(s)`): exact, since a member leaves the ",
                "moment it dies.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));\n",
                "s.add(&a);\n",
                "s.add(&b);\n",
                "drop(a);\n",
                "assert_eq!(s.len(), 1);\n",
                "```",
            )]
            pub fn len(&self) -> usize {
                self.inner.table.with(|table| table.len())
            }

            #[doc = concat!(
                "Whether the set is empty.\n\n",
                "```\n",
                "use ", $path, "::{WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag;\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "assert!(s.is_empty());\n",
                "```",
            )]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            #[doc = concat!(
                "An iterator over the live members (Python's `iter(s)`), from a snapshot of ",
                "weak references taken under the lock: members are upgraded as they are ",
                "reached, dead ones skipped, and changes to the set never disturb it.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "let mut it = s.iter();\n",
                "s.clear(); // does not disturb the iterator\n",
                "assert_eq!(it.next().unwrap().0, 1);\n",
                "```",
            )]
            pub fn iter(&self) -> SetIter<T> {
                SetIter { snapshot: self.weakrefs().into_iter() }
            }

            #[doc = concat!(
                "Handles to the members' weak references, the set's own weak-reference ",
                "objects (Python's `s.data`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakSet, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Tag(u8);\n\n",
                "let s: WeakSet<Tag> = WeakSet::new();\n",
                "let a = Obj::new(Tag(1));\n",
                "s.add(&a);\n",
                "let refs = s.weakrefs();\n",
                "drop(a);\n",
                "assert!(!refs[0].is_alive());\n",
                "```",
            )]
            pub fn weakrefs(&self) -> Vec<WeakRef<T>> {
                self.inner.table.with(|table| {
                    let mut snapshot = Vec::with_capacity(table.len());
                    snapshot.extend(
                        table
                            .iter()
                            .filter(|entry| entry.weak.is_alive())
                            .map(|entry| entry.weak.clone()),
                    );
                    snapshot
                })
            }

            /// Whether both handles are to one set.
            pub(crate) fn same_set(&self, other: &Self) -> bool {
                $Shared::ptr_eq(&self.inner, &other.inner)
            }
        }

        #[doc = concat!(
            "The iterator of [`WeakSet::iter`]: the members of a snapshot that are still alive ",
            "when reached.\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakIdSet, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Listener;\n\n",
            "let s = WeakIdSet::new();\n",
            "let a = Obj::new(Listener);\n",
            "s.add(&a);\n",
            "let mut it = s.iter();\n",
            "drop(a); // dies before it is reached\n",
            "assert!(it.next().is_none());\n",
            "```",
        )]
        pub struct SetIter<T> {
            snapshot: std::vec::IntoIter<WeakRef<T>>,
        }

        impl<T> Iterator for SetIter<T> {
            type Item = Obj<T>;

            fn next(&mut self) -> Option<Obj<T>> {
                self.snapshot.by_ref().find_map(|weak| weak.upgrade())
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                (0, Some(self.snapshot.len()))
            }
        }

        impl<T> core::iter::FusedIterator for SetIter<T> {}

        impl<T> core::fmt::Debug for SetIter<T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct("SetIter")
                    .field("remaining", &self.snapshot.len())
                    .finish()
            }
        }

        impl<T, S, M> Default for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + Default + $($hasher)* 'static,
            M: 'static,
        {
            /// An empty set.
            fn default() -> Self {
                Self::with_hasher(S::default())
            }
        }

        impl<T, S, M> Clone for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            M: 'static,
        {
            /// An independent copy (Python's `s.copy()`): the same members, each with its
            /// own weak reference, dying independently of the original's entries.
            fn clone(&self) -> Self {
                let copy = self.empty_like();
                for element in self.iter() {
                    copy.add(&element);
                }
                copy
            }
        }

        impl<T, S, M, E> Extend<E> for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
            E: core::borrow::Borrow<Obj<T>>,
        {
            /// Adds every element (Python's `s.update(elements)`).
            fn extend<I: IntoIterator<Item = E>>(&mut self, elements: I) {
                for element in elements {
                    self.add(core::borrow::Borrow::<Obj<T>>::borrow(&element));
                }
            }
        }

        impl<T, S, M, E> FromIterator<E> for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + Default + $($hasher)* 'static,
            M: 'static,
            E: core::borrow::Borrow<Obj<T>>,
        {
            /// A set of the elements (Python's `WeakSet(elements)`).
            fn from_iter<I: IntoIterator<Item = E>>(elements: I) -> Self {
                let mut set = Self::default();
                set.extend(elements);
                set
            }
        }

        impl<'a, T, S, M> IntoIterator for &'a WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            type Item = Obj<T>;
            type IntoIter = SetIter<T>;

            fn into_iter(self) -> SetIter<T> {
                self.iter()
            }
        }

        impl<T, S, M> IntoIterator for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            type Item = Obj<T>;
            type IntoIter = SetIter<T>;

            /// The live members, from a snapshot (see [`WeakSet::iter`]).
            fn into_iter(self) -> SetIter<T> {
                self.iter()
            }
        }

        impl<T, S, M> core::fmt::Debug for WeakSet<T, S, M>
        where
            T: $crate::Weakrefable + $crate::collections::Hashable<M> + core::fmt::Debug + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// The live members, as a set: `{a, b, ...}`.
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_set().entries(self.iter()).finish()
            }
        }
    };
}

pub(crate) use set_api;
