//! `WeakValueDictionary`, written once and instantiated per flavor by [`wvd_api!`].

/// Defines `WeakValueDictionary`, its iterator and `KeyedRef` for one flavor, next to that
/// flavor's `Obj` and `WeakRef` (which must be in scope). The parameters are those of
/// `collections_api!`.
macro_rules! wvd_api {
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
        /// One entry: the key, and the value watched through a weak reference whose callback
        /// removes the entry.
        struct ValueEntry<K, V> {
            hash: u64,
            key: K,
            value: WeakRef<V>,
        }

        impl<K, V> $crate::collections::table::Entry for ValueEntry<K, V> {
            type Weak = WeakRef<V>;

            fn holds(&self, weak: &WeakRef<V>) -> bool {
                self.value.ptr_eq(weak)
            }
        }

        /// Whether two owned keys are equal (`Eq`, through `Hashable`).
        fn same_owned_key<K: $crate::collections::Hashable>(a: &K, b: &K) -> bool {
            $crate::collections::equivalence::same_key::<$crate::collections::ByValue, K>(a, b)
        }

        /// What a dictionary's handles and its entries' callbacks share.
        struct ValueDictInner<K, V, S> {
            table: $crate::collections::table::Table<ValueEntry<K, V>, $Family>,
            hasher: S,
        }

        #[doc = concat!(
            "A dictionary whose values are held weakly: Python's `weakref.WeakValueDictionary`.",
            "\n\n",
            "Keys are ordinary owned values compared by `Hash + Eq`; each value is an [`Obj`] ",
            "the dictionary does not keep alive. The moment a value dies its entry leaves the ",
            "dictionary, so [`len`](Self::len) is exact and a dead value is never returned. ",
            "Use it for caches and registries that must not keep their data alive.\n\n",
            "All methods take `&self`", $threads, "\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Image {\n    pixels: Vec<u8>,\n}\n\n",
            "let cache: WeakValueDictionary<String, Image> = WeakValueDictionary::new();\n",
            "let img = Obj::new(Image { pixels: vec![0; 64] });\n",
            "cache.insert(\"logo\".to_string(), &img);\n",
            "assert!(Obj::ptr_eq(&cache.get(\"logo\").unwrap(), &img));\n",
            "assert_eq!(cache.len(), 1);\n\n",
            "drop(img); // the last strong handle: the entry leaves at once\n",
            "assert_eq!(cache.len(), 0);\n",
            "assert!(cache.get(\"logo\").is_none());\n",
            "```\n\n",
            "# Semantics\n\n",
            "* Re-inserting a key replaces the value and keeps the original key object, as a ",
            "dict does. The death of a replaced value never removes the new entry.\n",
            "* Iteration ([`iter`](Self::iter), [`keys`](Self::keys), [`values`](Self::values)) ",
            "works on a snapshot of the entries taken under the lock: entries dying, being ",
            "removed or added meanwhile never disturb it. Values are upgraded as they are ",
            "reached, so an entry that dies before it is reached is skipped.\n",
            "* Order is unspecified (CPython keeps insertion order; a hash table does not).\n",
            "* Each entry holds one weak reference with a callback ",
            "([`getweakrefcount`](super::getweakrefcount) counts it). The callback holds only a weak pointer to the ",
            "dictionary: dropping the dictionary first is fine.\n\n",
            "# User code under the lock\n\n",
            "The keys' `Eq` and (for snapshots, copies and comparisons) `Clone` run under the ",
            "dictionary's lock; they must not use the same dictionary (in the thread-safe ",
            "flavor that deadlocks, in `unsync` it panics). Keys are hashed outside the lock. ",
            "Nothing is dropped under the lock: values may die, and their callbacks, or ",
            "other threads, may use the dictionary freely.",
        )]
        pub struct WeakValueDictionary<K, V, S = std::hash::RandomState> {
            inner: $Shared<ValueDictInner<K, V, S>>,
        }

        impl<K, V> WeakValueDictionary<K, V, std::hash::RandomState>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
        {
            #[doc = concat!(
                "An empty dictionary.\n\n",
                "```\n",
                "use ", $path, "::{WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d: WeakValueDictionary<u32, Image> = WeakValueDictionary::new();\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn new() -> Self {
                Self::with_hasher(Default::default())
            }

            #[doc = concat!(
                "An empty dictionary with room for `capacity` entries.\n\n",
                "```\n",
                "use ", $path, "::{WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d: WeakValueDictionary<u32, Image> = WeakValueDictionary::with_capacity(8);\n",
                "assert_eq!(d.len(), 0);\n",
                "```",
            )]
            pub fn with_capacity(capacity: usize) -> Self {
                Self::with_capacity_and_hasher(capacity, Default::default())
            }
        }

        impl<K, V, S> WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            #[doc = concat!(
                "An empty dictionary hashing its keys with `hasher`.\n\n",
                "```\n",
                "use std::hash::RandomState;\n",
                "use ", $path, "::{WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d: WeakValueDictionary<u32, Image> =\n",
                "    WeakValueDictionary::with_hasher(RandomState::new());\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn with_hasher(hasher: S) -> Self {
                Self::with_capacity_and_hasher(0, hasher)
            }

            #[doc = concat!(
                "An empty dictionary with room for `capacity` entries, hashing with `hasher`.",
                "\n\n",
                "```\n",
                "use std::hash::RandomState;\n",
                "use ", $path, "::{WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d: WeakValueDictionary<u32, Image> =\n",
                "    WeakValueDictionary::with_capacity_and_hasher(4, RandomState::new());\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
                Self {
                    inner: $Shared::new(ValueDictInner {
                        table: $crate::collections::table::Table::with_capacity(capacity),
                        hasher,
                    }),
                }
            }

            /// The weak reference of a new entry for `value` under `hash`: its callback
            /// removes that entry, if the dictionary still exists and still holds it.
            fn watch(&self, hash: u64, value: &Obj<V>) -> WeakRef<V> {
                let inner = $Shared::downgrade(&self.inner);
                WeakRef::with_callback(value, move |dead: &WeakRef<V>| {
                    if let Some(inner) = inner.upgrade() {
                        inner.table.remove_dead(hash, dead);
                    }
                })
            }

            fn hash<Q: core::hash::Hash + ?Sized>(&self, key: &Q) -> u64 {
                self.inner.hasher.hash_one(key)
            }

            /// The hash of an owned key (`K: Hashable` is `Hash + Eq`, seen through the trait
            /// that gives the unhashable-type error).
            fn hash_key(&self, key: &K) -> u64 {
                $crate::collections::equivalence::hash_key::<$crate::collections::ByValue, K, S>(
                    key,
                    &self.inner.hasher,
                )
            }

            /// The live value under an owned key.
            fn get_by_key(&self, key: &K) -> Option<Obj<V>> {
                let hash = self.hash_key(key);
                self.inner.table.with(|table| {
                    table
                        .find(hash, |entry| same_owned_key(&entry.key, key))
                        .and_then(|entry| entry.value.upgrade())
                })
            }

            #[doc = concat!(
                "Maps `key` to `value` (Python's `d[key] = value`); returns the previous ",
                "value if it was still alive.\n\n",
                "The dictionary holds `value` weakly. If `key` was present, its original key ",
                "object is kept and only the value is replaced.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image(u8);\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let (a, b) = (Obj::new(Image(1)), Obj::new(Image(2)));\n",
                "assert!(d.insert(\"k\", &a).is_none());\n",
                "assert!(Obj::ptr_eq(&d.insert(\"k\", &b).unwrap(), &a));\n",
                "assert_eq!(d.get(\"k\").unwrap().0, 2);\n",
                "```",
            )]
            pub fn insert(&self, key: K, value: &Obj<V>) -> Option<Obj<V>> {
                let hash = self.hash_key(&key);
                // The key and the new reference stay out here until stored, so that if a key's
                // `Eq` panics they are dropped after the table lock is released.
                let mut unstored = Some((key, self.watch(hash, value)));
                let (previous, garbage) = self.inner.table.with(|table| {
                    let (key, _) = unstored.as_ref().expect("taken only below");
                    match table.entry(hash, |entry| same_owned_key(&entry.key, key), |entry| entry.hash) {
                        hashbrown::hash_table::Entry::Occupied(mut found) => {
                            // The first key stays; the new one is dropped after the lock.
                            let (key, weak) = unstored.take().expect("still here");
                            let old = core::mem::replace(&mut found.get_mut().value, weak);
                            (old.upgrade(), Some((old, key)))
                        }
                        hashbrown::hash_table::Entry::Vacant(slot) => {
                            let (key, weak) = unstored.take().expect("still here");
                            slot.insert(ValueEntry { hash, key, value: weak });
                            (None, None)
                        }
                    }
                });
                drop((garbage, unstored));
                previous
            }

            #[doc = concat!(
                "Inserts every `(key, value)` pair, values given as `Obj` or `&Obj` ",
                "(Python's `d.update(pairs)`); later pairs win. Takes `&self`, so a shared ",
                "dictionary can be updated; [`Extend`] does the same through `&mut`.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image(u8);\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let imgs = [Obj::new(Image(1)), Obj::new(Image(2))];\n",
                "d.update([(\"a\", &imgs[0]), (\"b\", &imgs[1]), (\"a\", &imgs[1])]);\n",
                "assert_eq!(d.len(), 2);\n",
                "assert_eq!(d.get(\"a\").unwrap().0, 2);\n",
                "```",
            )]
            pub fn update<I, B>(&self, pairs: I)
            where
                I: IntoIterator<Item = (K, B)>,
                B: core::borrow::Borrow<Obj<V>>,
            {
                for (key, value) in pairs {
                    self.insert(key, value.borrow());
                }
            }

            #[doc = concat!(
                "The value under `key` if it is alive (Python's `d.get(key)`).\n\n",
                "The value is upgraded under the lock, so a value returned is never dead and ",
                "stays alive while you hold it.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(String::from(\"a\"), &img);\n",
                "assert!(d.get(\"a\").is_some()); // `String` keys, looked up by `&str`\n",
                "assert!(d.get(\"b\").is_none());\n",
                "```",
            )]
            pub fn get<Q>(&self, key: &Q) -> Option<Obj<V>>
            where
                K: core::borrow::Borrow<Q>,
                Q: core::hash::Hash + Eq + ?Sized,
            {
                let hash = self.hash(key);
                self.inner.table.with(|table| {
                    table
                        .find(hash, |entry| entry.key.borrow() == key)
                        .and_then(|entry| entry.value.upgrade())
                })
            }

            #[doc = concat!(
                "Whether `key` maps to a live value (Python's `key in d`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(1, &img);\n",
                "assert!(d.contains_key(&1));\n",
                "drop(img);\n",
                "assert!(!d.contains_key(&1));\n",
                "```",
            )]
            pub fn contains_key<Q>(&self, key: &Q) -> bool
            where
                K: core::borrow::Borrow<Q>,
                Q: core::hash::Hash + Eq + ?Sized,
            {
                let hash = self.hash(key);
                self.inner.table.with(|table| {
                    table
                        .find(hash, |entry| entry.key.borrow() == key)
                        .is_some_and(|entry| entry.value.is_alive())
                })
            }

            #[doc = concat!(
                "Removes `key`'s entry and returns its value if it was alive (Python's ",
                "`d.pop(key)`; `None` where Python raises `KeyError`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(1, &img);\n",
                "assert!(Obj::ptr_eq(&d.remove(&1).unwrap(), &img));\n",
                "assert!(d.remove(&1).is_none());\n",
                "```",
            )]
            pub fn remove<Q>(&self, key: &Q) -> Option<Obj<V>>
            where
                K: core::borrow::Borrow<Q>,
                Q: core::hash::Hash + Eq + ?Sized,
            {
                self.remove_entry(key).map(|(_, value)| value)
            }

            #[doc = concat!(
                "Removes `key`'s entry and returns the stored key and the value, if the value ",
                "was alive.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(String::from(\"a\"), &img);\n",
                "let (key, _value) = d.remove_entry(\"a\").unwrap();\n",
                "assert_eq!(key, \"a\");\n",
                "```",
            )]
            pub fn remove_entry<Q>(&self, key: &Q) -> Option<(K, Obj<V>)>
            where
                K: core::borrow::Borrow<Q>,
                Q: core::hash::Hash + Eq + ?Sized,
            {
                let hash = self.hash(key);
                let removed = self.inner.table.with(|table| {
                    let found = table.find_entry(hash, |entry| entry.key.borrow() == key).ok()?;
                    let entry = found.remove().0;
                    let value = entry.value.upgrade();
                    Some((entry, value))
                });
                let (entry, value) = removed?;
                Some((entry.key, value?))
            }

            #[doc = concat!(
                "Python's `d.setdefault(key, default)`: the live value under `key`, or else ",
                "`default`, stored under `key` and returned. Atomic: concurrent callers of ",
                "`setdefault` for one key all get the same live value, never a dead one.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image(u8);\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let (a, b) = (Obj::new(Image(1)), Obj::new(Image(2)));\n",
                "assert!(Obj::ptr_eq(&d.setdefault(7, &a), &a));\n",
                "assert!(Obj::ptr_eq(&d.setdefault(7, &b), &a)); // `a` is alive: kept\n",
                "drop(a);\n",
                "assert!(Obj::ptr_eq(&d.setdefault(7, &b), &b));\n",
                "```",
            )]
            pub fn setdefault(&self, key: K, default: &Obj<V>) -> Obj<V> {
                let hash = self.hash_key(&key);
                // As in `insert`: out here until stored, dropped after the lock on every path.
                let mut unstored = Some((key, self.watch(hash, default)));
                let (existing, garbage) = self.inner.table.with(|table| {
                    let (key, _) = unstored.as_ref().expect("taken only below");
                    match table.entry(hash, |entry| same_owned_key(&entry.key, key), |entry| entry.hash) {
                        hashbrown::hash_table::Entry::Occupied(mut found) => {
                            let entry = found.get_mut();
                            match entry.value.upgrade() {
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
                        hashbrown::hash_table::Entry::Vacant(slot) => {
                            let (key, weak) = unstored.take().expect("still here");
                            slot.insert(ValueEntry { hash, key, value: weak });
                            (None, None)
                        }
                    }
                });
                drop((garbage, unstored));
                existing.unwrap_or_else(|| default.clone())
            }

            #[doc = concat!(
                "The live value under `key`, or else the value `make` returns, stored under ",
                "`key`.\n\n",
                "`make` runs without the lock held, only when no live value was found. If ",
                "another thread stores a live value for `key` meanwhile, that value wins and ",
                "is returned; the one `make` built is dropped (as with [`setdefault`]",
                "(Self::setdefault), the result is never dead).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image(String);\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = d.get_or_insert_with(\"logo\", || Obj::new(Image(\"logo\".into())));\n",
                "let again = d.get_or_insert_with(\"logo\", || unreachable!());\n",
                "assert!(Obj::ptr_eq(&img, &again));\n",
                "```",
            )]
            pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> Obj<V>) -> Obj<V> {
                let hash = self.hash_key(&key);
                let existing = self.inner.table.with(|table| {
                    table
                        .find(hash, |entry| same_owned_key(&entry.key, &key))
                        .and_then(|entry| entry.value.upgrade())
                });
                if let Some(existing) = existing {
                    return existing;
                }
                let value = make();
                self.setdefault(key, &value)
            }

            #[doc = concat!(
                "Removes some entry with a live value and returns it (Python's `d.popitem()`; ",
                "`None` where Python raises `KeyError`). Which entry is unspecified.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(1, &img);\n",
                "let (key, value) = d.popitem().unwrap();\n",
                "assert_eq!(key, 1);\n",
                "assert!(Obj::ptr_eq(&value, &img));\n",
                "assert!(d.popitem().is_none());\n",
                "```",
            )]
            pub fn popitem(&self) -> Option<(K, Obj<V>)> {
                let (entry, value) = self.inner.table.with(|table| {
                    let (hash, weak, value) = table.iter().find_map(|entry| {
                        let value = entry.value.upgrade()?;
                        Some((entry.hash, entry.value.clone(), value))
                    })?;
                    let found = table.find_entry(hash, |entry| entry.value.ptr_eq(&weak)).ok()?;
                    Some((found.remove().0, value))
                })?;
                Some((entry.key, value))
            }

            #[doc = concat!(
                "Removes every entry (Python's `d.clear()`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(1, &img);\n",
                "d.clear();\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn clear(&self) {
                let entries = self.inner.table.with(core::mem::take);
                drop(entries);
            }

            #[doc = concat!(
                "The number of entries (Python's `len(d)`): exact, since an entry leaves the ",
                "moment its value dies.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let (a, b) = (Obj::new(Image), Obj::new(Image));\n",
                "d.insert(1, &a);\n",
                "d.insert(2, &b);\n",
                "assert_eq!(d.len(), 2);\n",
                "drop(a);\n",
                "assert_eq!(d.len(), 1);\n",
                "```",
            )]
            pub fn len(&self) -> usize {
                self.inner.table.with(|table| table.len())
            }

            #[doc = concat!(
                "Whether the dictionary is empty (Python's `not d`).\n\n",
                "```\n",
                "use ", $path, "::{WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d: WeakValueDictionary<u8, Image> = WeakValueDictionary::new();\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// The keys and weak references of the live entries, taken under the lock.
            fn snapshot(&self) -> Vec<(K, WeakRef<V>)>
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

            #[doc = concat!(
                "An iterator over `(key, value)` for the live entries (Python's `d.items()`).",
                "\n\n",
                "It works on a snapshot: changes to the dictionary after this call are not ",
                "seen, and never disturb it. Each value is upgraded when reached; entries whose ",
                "value died by then are skipped. A yielded value is yours: it stays alive while ",
                "you hold it.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image(u8);\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let imgs = [Obj::new(Image(1)), Obj::new(Image(2))];\n",
                "for img in &imgs {\n",
                "    d.insert(img.0, img);\n",
                "}\n",
                "let mut items: Vec<_> = d.iter().map(|(k, v)| (k, v.0)).collect();\n",
                "items.sort();\n",
                "assert_eq!(items, [(1, 1), (2, 2)]);\n",
                "```",
            )]
            pub fn iter(&self) -> ValueDictIter<K, V>
            where
                K: Clone,
            {
                ValueDictIter { snapshot: self.snapshot().into_iter() }
            }

            #[doc = concat!(
                "An iterator over the keys of the live entries (Python's `d.keys()`), from a ",
                "snapshot as for [`iter`](Self::iter).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(\"only\", &img);\n",
                "assert_eq!(d.keys().collect::<Vec<_>>(), [\"only\"]);\n",
                "```",
            )]
            pub fn keys(&self) -> impl Iterator<Item = K> + use<K, V, S>
            where
                K: Clone,
            {
                self.snapshot()
                    .into_iter()
                    .filter_map(|(key, value)| value.is_alive().then_some(key))
            }

            #[doc = concat!(
                "An iterator over the live values (Python's `d.values()`), from a snapshot as ",
                "for [`iter`](Self::iter).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image(u8);\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image(9));\n",
                "d.insert(1, &img);\n",
                "assert_eq!(d.values().map(|v| v.0).collect::<Vec<_>>(), [9]);\n",
                "```",
            )]
            pub fn values(&self) -> impl Iterator<Item = Obj<V>> + use<K, V, S> {
                let refs: Vec<WeakRef<V>> = self.inner.table.with(|table| {
                    table.iter().map(|entry| entry.value.clone()).collect()
                });
                refs.into_iter().filter_map(|value| value.upgrade())
            }

            #[doc = concat!(
                "Handles to the entries' weak references, each carrying its key (Python's ",
                "`d.valuerefs()`, a list of `KeyedRef`s).\n\n",
                "They are the entries' own weak-reference objects, not new ones, and may die ",
                "after this returns.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(\"a\", &img);\n",
                "let refs = d.valuerefs();\n",
                "assert_eq!(*refs[0].key(), \"a\");\n",
                "assert!(Obj::ptr_eq(&refs[0].upgrade().unwrap(), &img));\n",
                "drop(img);\n",
                "assert!(refs[0].upgrade().is_none());\n",
                "```",
            )]
            pub fn valuerefs(&self) -> Vec<KeyedRef<K, V>>
            where
                K: Clone,
            {
                self.snapshot()
                    .into_iter()
                    .map(|(key, weak)| KeyedRef { key, weak })
                    .collect()
            }
        }

        #[doc = concat!(
            "The iterator of [`WeakValueDictionary::iter`]: `(key, value)` for each entry ",
            "of a snapshot whose value is still alive when reached.\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Image;\n\n",
            "let d = WeakValueDictionary::new();\n",
            "let (a, b) = (Obj::new(Image), Obj::new(Image));\n",
            "d.insert(1, &a);\n",
            "d.insert(2, &b);\n",
            "let mut it = d.iter();\n",
            "let (first, _value) = it.next().unwrap();\n",
            "drop(if first == 1 { b } else { a }); // the other entry dies mid-iteration\n",
            "assert!(it.next().is_none()); // skipped, no error\n",
            "assert_eq!(d.len(), 1);\n",
            "```",
        )]
        pub struct ValueDictIter<K, V> {
            snapshot: std::vec::IntoIter<(K, WeakRef<V>)>,
        }

        impl<K, V> Iterator for ValueDictIter<K, V> {
            type Item = (K, Obj<V>);

            fn next(&mut self) -> Option<(K, Obj<V>)> {
                self.snapshot
                    .by_ref()
                    .find_map(|(key, value)| Some((key, value.upgrade()?)))
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                (0, Some(self.snapshot.len()))
            }
        }

        impl<K, V> core::iter::FusedIterator for ValueDictIter<K, V> {}

        impl<K: core::fmt::Debug, V> core::fmt::Debug for ValueDictIter<K, V> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct("ValueDictIter")
                    .field("remaining", &self.snapshot.len())
                    .finish()
            }
        }

        #[doc = concat!(
            "A handle to a [`WeakValueDictionary`] entry's weak reference, with the entry's ",
            "key: Python's `weakref.KeyedRef`, as [`WeakValueDictionary::valuerefs`] returns ",
            "them. It derefs to the [`WeakRef`].\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Image;\n\n",
            "let d = WeakValueDictionary::new();\n",
            "let img = Obj::new(Image);\n",
            "d.insert(5, &img);\n",
            "let keyed = d.valuerefs().pop().unwrap();\n",
            "assert_eq!(*keyed.key(), 5);\n",
            "assert!(keyed.is_alive()); // a `WeakRef` method, through `Deref`\n",
            "```",
        )]
        #[derive(Clone)]
        pub struct KeyedRef<K, V> {
            key: K,
            weak: WeakRef<V>,
        }

        impl<K, V> KeyedRef<K, V> {
            #[doc = concat!(
                "The key of the entry this reference belongs to (Python's `r.key`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(\"logo\", &img);\n",
                "assert_eq!(*d.valuerefs()[0].key(), \"logo\");\n",
                "```",
            )]
            pub fn key(&self) -> &K {
                &self.key
            }

            #[doc = concat!(
                "The weak reference itself: the entry's own weak-reference object.\n\n",
                "```\n",
                "use ", $path, "::{getweakrefcount, Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(1, &img);\n",
                "let keyed = d.valuerefs().pop().unwrap();\n",
                "assert!(keyed.weakref().callback_pending()); // it removes the entry on death\n",
                "assert_eq!(getweakrefcount(&img), 1); // not a new weak reference\n",
                "```",
            )]
            pub fn weakref(&self) -> &WeakRef<V> {
                &self.weak
            }

            #[doc = concat!(
                "Splits the handle into the key and the weak reference.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakValueDictionary, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Image;\n\n",
                "let d = WeakValueDictionary::new();\n",
                "let img = Obj::new(Image);\n",
                "d.insert(1, &img);\n",
                "let (key, weak) = d.valuerefs().pop().unwrap().into_parts();\n",
                "assert_eq!(key, 1);\n",
                "assert!(Obj::ptr_eq(&weak.upgrade().unwrap(), &img));\n",
                "```",
            )]
            pub fn into_parts(self) -> (K, WeakRef<V>) {
                (self.key, self.weak)
            }
        }

        impl<K, V> core::ops::Deref for KeyedRef<K, V> {
            type Target = WeakRef<V>;

            fn deref(&self) -> &WeakRef<V> {
                &self.weak
            }
        }

        impl<K: core::fmt::Debug, V> core::fmt::Debug for KeyedRef<K, V> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct("KeyedRef")
                    .field("key", &self.key)
                    .field("weak", &self.weak)
                    .finish()
            }
        }

        impl<K, V, S> Default for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + Default + $($hasher)* 'static,
        {
            /// An empty dictionary.
            fn default() -> Self {
                Self::with_hasher(S::default())
            }
        }

        impl<K, V, S> Clone for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + Clone + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
        {
            /// An independent copy (Python's `d.copy()`): the same keys and the same value
            /// objects, each entry with its own weak reference, so entries of the copy die
            /// independently of the original's (and of its removals).
            fn clone(&self) -> Self {
                let mut copy = Self::with_hasher(self.inner.hasher.clone());
                copy.extend(self.iter());
                copy
            }
        }

        impl<K, V, S> Extend<(K, Obj<V>)> for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
            fn extend<I: IntoIterator<Item = (K, Obj<V>)>>(&mut self, pairs: I) {
                self.update(pairs);
            }
        }

        impl<'a, K, V, S> Extend<(K, &'a Obj<V>)> for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
            fn extend<I: IntoIterator<Item = (K, &'a Obj<V>)>>(&mut self, pairs: I) {
                self.update(pairs);
            }
        }

        impl<K, V, S, P> FromIterator<P> for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + Default + $($hasher)* 'static,
            Self: Extend<P>,
        {
            /// A dictionary of the pairs (Python's `WeakValueDictionary(pairs)`).
            fn from_iter<I: IntoIterator<Item = P>>(pairs: I) -> Self {
                let mut dict = Self::default();
                dict.extend(pairs);
                dict
            }
        }

        impl<'a, K, V, S> IntoIterator for &'a WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + Clone + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            type Item = (K, Obj<V>);
            type IntoIter = ValueDictIter<K, V>;

            fn into_iter(self) -> ValueDictIter<K, V> {
                self.iter()
            }
        }

        impl<K, V, S> IntoIterator for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + Clone + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            type Item = (K, Obj<V>);
            type IntoIter = ValueDictIter<K, V>;

            /// The live entries, from a snapshot (see [`WeakValueDictionary::iter`]).
            fn into_iter(self) -> ValueDictIter<K, V> {
                self.iter()
            }
        }

        impl<K, V, S> PartialEq for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + Clone + $($owned)* 'static,
            V: $crate::Weakrefable + PartialEq + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            /// Whether both have the same keys mapping to equal live values (Python's
            /// `Mapping.__eq__`), from a snapshot of each.
            fn eq(&self, other: &Self) -> bool {
                if $Shared::ptr_eq(&self.inner, &other.inner) {
                    return true;
                }
                let mine: Vec<(K, Obj<V>)> = self.iter().collect();
                let theirs: Vec<(K, Obj<V>)> = other.iter().collect();
                mine.len() == theirs.len()
                    && mine.iter().all(|(key, value)| {
                        other.get_by_key(key).is_some_and(|found| *found == **value)
                    })
            }
        }

        impl<K, V, S> core::fmt::Debug for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + Clone + core::fmt::Debug + $($owned)* 'static,
            V: $crate::Weakrefable + core::fmt::Debug + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
        {
            /// The live entries, as a map: `{key: value, ...}` (Python prints only
            /// `<WeakValueDictionary at 0x…>`; the contents are more useful here).
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_map().entries(self.iter()).finish()
            }
        }

        impl<K, V, S, I, P> core::ops::BitOr<I> for &WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + Clone + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            I: IntoIterator<Item = P>,
            WeakValueDictionary<K, V, S>: Extend<P>,
        {
            type Output = WeakValueDictionary<K, V, S>;

            /// A new dictionary with this one's entries updated by `pairs` (Python's
            /// `d | other`: the right side wins).
            fn bitor(self, pairs: I) -> WeakValueDictionary<K, V, S> {
                let mut merged = self.clone();
                merged.extend(pairs);
                merged
            }
        }

        impl<K, V, S, I, P> core::ops::BitOrAssign<I> for WeakValueDictionary<K, V, S>
        where
            K: $crate::collections::Hashable + $($owned)* 'static,
            V: $crate::Weakrefable + $($referent)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            I: IntoIterator<Item = P>,
            WeakValueDictionary<K, V, S>: Extend<P>,
        {
            /// Updates this dictionary with `pairs` (Python's `d |= other`).
            fn bitor_assign(&mut self, pairs: I) {
                self.extend(pairs);
            }
        }
    };
}

pub(crate) use wvd_api;
