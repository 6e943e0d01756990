//! `WeakKeyDictionary`, written once and instantiated per flavor by [`wkd_api!`].

/// Defines `WeakKeyDictionary`, `WeakIdKeyDictionary` and their iterator for one flavor, next
/// to that flavor's `Obj`, `WeakRef` and `weak_key_matches` (which must be in scope). The
/// parameters are those of `collections_api!`.
macro_rules! wkd_api {
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
        /// One entry: the key watched through a weak reference whose callback removes the
        /// entry, the key's address (for identity), and the value.
        struct KeyEntry<K, V> {
            hash: u64,
            addr: usize,
            key: WeakRef<K>,
            value: V,
        }

        impl<K, V> $crate::collections::table::Entry for KeyEntry<K, V> {
            type Weak = WeakRef<K>;

            fn holds(&self, weak: &WeakRef<K>) -> bool {
                self.key.ptr_eq(weak)
            }
        }

        /// What a dictionary's handles and its entries' callbacks share.
        struct KeyDictInner<K, V, S> {
            table: $crate::collections::table::Table<KeyEntry<K, V>, $Family>,
            hasher: S,
        }

        #[doc = concat!(
            "A dictionary whose keys are held weakly: Python's `weakref.WeakKeyDictionary`.",
            "\n\n",
            "Keys are [`Obj`]s the dictionary does not keep alive; values are owned. The ",
            "moment a key dies its entry leaves the dictionary, so [`len`](Self::len) is exact. ",
            "Use it to attach data to objects without keeping them alive.\n\n",
            "`M` chooses how keys compare: [`ByValue`](crate::ByValue) (the default) by the ",
            "referents' `Hash + Eq`, so any live object equal to a key finds its entry, or ",
            "[`ById`](crate::ById) by identity, for any [`Weakrefable`](crate::Weakrefable) ",
            "type ([`WeakIdKeyDictionary`]).\n\n",
            "All methods take `&self`", $threads, "\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
            "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
            "struct Node(u32);\n\n",
            "let meta: WeakKeyDictionary<Node, &str> = WeakKeyDictionary::new();\n",
            "let node = Obj::new(Node(1));\n",
            "meta.insert(&node, \"root\");\n",
            "assert_eq!(meta.get(&*node), Some(\"root\"));\n",
            "assert_eq!(meta.get(&Node(1)), Some(\"root\")); // an equal value finds it\n\n",
            "drop(node); // the key dies: its entry leaves at once\n",
            "assert!(meta.is_empty());\n",
            "```\n\n",
            "# Semantics\n\n",
            "* The first key object inserted wins: inserting under an equal, distinct key ",
            "replaces the value but keeps the original key, and the entry still dies with ",
            "that original (CPython's behaviour).\n",
            "* Values are held strongly: a value that owns its own key keeps the entry alive ",
            "for good, as in Python. Remove such entries explicitly.\n",
            "* Iteration works on a snapshot (keys as weak references, values cloned) taken ",
            "under the lock; keys are upgraded as they are reached and dead ones skipped.\n",
            "* Order is unspecified. Each entry holds one weak reference with a callback.\n\n",
            "# User code under the lock\n\n",
            "With `ByValue`, the keys' `Eq` runs under the dictionary's lock, and so does the ",
            "values' `Clone` in the methods that return values ([`get`](Self::get), ",
            "iteration, copies); they must not use the same dictionary (in the thread-safe ",
            "flavor that deadlocks, in `unsync` it panics). Keys are hashed outside the lock. ",
            "Nothing is dropped under the lock.",
        )]
        pub struct WeakKeyDictionary<
            K,
            V,
            S = std::hash::RandomState,
            M = $crate::collections::ByValue,
        > {
            inner: $Shared<KeyDictInner<K, V, S>>,
            mode: core::marker::PhantomData<fn() -> M>,
        }

        #[doc = concat!(
            "A [`WeakKeyDictionary`] whose keys compare by identity: any ",
            "[`Weakrefable`](crate::Weakrefable) type can be a key, no `Hash` or `Eq` needed.",
            "\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakIdKeyDictionary, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Window;\n\n",
            "let titles = WeakIdKeyDictionary::new();\n",
            "let (a, b) = (Obj::new(Window), Obj::new(Window));\n",
            "titles.insert(&a, \"main\");\n",
            "titles.insert(&b, \"help\");\n",
            "assert_eq!(titles.get(&*a), Some(\"main\"));\n",
            "assert_eq!(titles.len(), 2);\n",
            "```",
        )]
        pub type WeakIdKeyDictionary<K, V, S = std::hash::RandomState> =
            WeakKeyDictionary<K, V, S, $crate::collections::ById>;

        impl<K, V, M> WeakKeyDictionary<K, V, std::hash::RandomState, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            M: 'static,
        {
            #[doc = concat!(
                "An empty dictionary.\n\n",
                "```\n",
                "use ", $path, "::{WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node;\n\n",
                "let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::new();\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn new() -> Self {
                Self::with_hasher(Default::default())
            }

            #[doc = concat!(
                "An empty dictionary with room for `capacity` entries.\n\n",
                "```\n",
                "use ", $path, "::{WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node;\n\n",
                "let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::with_capacity(8);\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn with_capacity(capacity: usize) -> Self {
                Self::with_capacity_and_hasher(capacity, Default::default())
            }
        }

        impl<K, V, S, M> WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            #[doc = concat!(
                "An empty dictionary hashing its keys with `hasher`.\n\n",
                "```\n",
                "use std::hash::RandomState;\n",
                "use ", $path, "::{WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node;\n\n",
                "let d: WeakKeyDictionary<Node, u32> = WeakKeyDictionary::with_hasher(RandomState::new());\n",
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
                "use ", $path, "::{WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node;\n\n",
                "let d: WeakKeyDictionary<Node, u32> =\n",
                "    WeakKeyDictionary::with_capacity_and_hasher(4, RandomState::new());\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
                Self {
                    inner: $Shared::new(KeyDictInner {
                        table: $crate::collections::table::Table::with_capacity(capacity),
                        hasher,
                    }),
                    mode: core::marker::PhantomData,
                }
            }

            /// The weak reference of a new entry for `key` under `hash`.
            fn watch(&self, hash: u64, key: &Obj<K>) -> WeakRef<K> {
                let inner = $Shared::downgrade(&self.inner);
                WeakRef::with_callback(key, move |dead: &WeakRef<K>| {
                    if let Some(inner) = inner.upgrade() {
                        inner.table.remove_dead(hash, dead);
                    }
                })
            }

            fn hash(&self, key: &K) -> u64 {
                $crate::collections::equivalence::hash_key::<M, K, S>(key, &self.inner.hasher)
            }

            #[doc = concat!(
                "Maps `key` to `value` (Python's `d[key] = value`); returns the previous value.",
                "\n\n",
                "If an entry for an equal key exists, its value is replaced and its original ",
                "key object kept (the first key wins); otherwise a new entry watches `key`.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "assert_eq!(d.insert(&node, 10), None);\n",
                "assert_eq!(d.insert(&node, 20), Some(10));\n",
                "```",
            )]
            pub fn insert(&self, key: &Obj<K>, value: V) -> Option<V> {
                let hash = self.hash(key);
                let addr = $crate::collections::equivalence::address::<K>(key);
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                // Likewise the value, until it is stored.
                let mut unstored = Some(value);
                let previous = self.inner.table.with(|table| {
                    let found = table.entry(
                        hash,
                        |entry| weak_key_matches::<K, M>(&entry.key, entry.addr, key, addr, &mut temps),
                        |entry| entry.hash,
                    );
                    let previous = match found {
                        hashbrown::hash_table::Entry::Occupied(mut found) => {
                            let value = unstored.take().expect("stored once");
                            Some(core::mem::replace(&mut found.get_mut().value, value))
                        }
                        hashbrown::hash_table::Entry::Vacant(slot) => {
                            // Creating a weak reference runs no user code.
                            let key = self.watch(hash, key);
                            let value = unstored.take().expect("stored once");
                            slot.insert(KeyEntry { hash, addr, key, value });
                            None
                        }
                    };
                    previous
                });
                drop((temps, unstored));
                previous
            }

            #[doc = concat!(
                "Inserts every `(key, value)` pair, keys given as `Obj` or `&Obj` (Python's ",
                "`d.update(pairs)`); later pairs win. Takes `&self`, so a shared dictionary ",
                "can be updated; [`Extend`] does the same through `&mut`.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let nodes = [Obj::new(Node(1)), Obj::new(Node(2))];\n",
                "d.update([(&nodes[0], 'a'), (&nodes[1], 'b'), (&nodes[0], 'c')]);\n",
                "assert_eq!(d.len(), 2);\n",
                "assert_eq!(d.get(&Node(1)), Some('c'));\n",
                "```",
            )]
            pub fn update<I, B>(&self, pairs: I)
            where
                I: IntoIterator<Item = (B, V)>,
                B: core::borrow::Borrow<Obj<K>>,
            {
                for (key, value) in pairs {
                    self.insert(key.borrow(), value);
                }
            }

            /// Runs `f` on the entry for `key`, if there is one, under the lock; returns what
            /// it returns and the temporaries of the lookup, to drop after the lock.
            fn find_with<R>(
                &self,
                key: &K,
                f: impl FnOnce(&mut hashbrown::HashTable<KeyEntry<K, V>>, u64, usize) -> R,
            ) -> R {
                let hash = self.hash(key);
                let addr = $crate::collections::equivalence::address::<K>(key);
                self.inner.table.with(|table| f(table, hash, addr))
            }

            #[doc = concat!(
                "A clone of the value for `key` (Python's `d.get(key)`). `key` may be the key ",
                "object itself or, with `ByValue`, any equal value.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, String::from(\"meta\"));\n",
                "assert_eq!(d.get(&*node).as_deref(), Some(\"meta\"));\n",
                "assert_eq!(d.get(&Node(2)), None);\n",
                "```",
            )]
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
                            weak_key_matches::<K, M>(&entry.key, entry.addr, key, addr, &mut temps)
                        })
                        .map(|entry| entry.value.clone())
                });
                drop(temps);
                value
            }

            #[doc = concat!(
                "Whether `key` has an entry (Python's `key in d`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, ());\n",
                "assert!(d.contains_key(&Node(1)));\n",
                "assert!(!d.contains_key(&Node(2)));\n",
                "```",
            )]
            pub fn contains_key(&self, key: &K) -> bool {
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                let found = self.find_with(key, |table, hash, addr| {
                    table
                        .find(hash, |entry| {
                            weak_key_matches::<K, M>(&entry.key, entry.addr, key, addr, &mut temps)
                        })
                        .is_some()
                });
                drop(temps);
                found
            }

            #[doc = concat!(
                "Removes `key`'s entry and returns its value (Python's `d.pop(key)`; `None` ",
                "where Python raises `KeyError`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, 5);\n",
                "assert_eq!(d.remove(&*node), Some(5));\n",
                "assert_eq!(d.remove(&*node), None);\n",
                "```",
            )]
            pub fn remove(&self, key: &K) -> Option<V> {
                self.remove_entry(key).map(|(_, value)| value)
            }

            #[doc = concat!(
                "Removes `key`'s entry and returns the stored key object and the value.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, 5);\n",
                "let (key, value) = d.remove_entry(&Node(1)).unwrap();\n",
                "assert!(Obj::ptr_eq(&key, &node));\n",
                "assert_eq!(value, 5);\n",
                "```",
            )]
            pub fn remove_entry(&self, key: &K) -> Option<(Obj<K>, V)> {
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                let removed = self.find_with(key, |table, hash, addr| {
                    let removed = table
                        .find_entry(hash, |entry| {
                            weak_key_matches::<K, M>(&entry.key, entry.addr, key, addr, &mut temps)
                        })
                        .ok()
                        .and_then(|found| {
                            let entry = found.remove().0;
                            let key = entry.key.upgrade()?;
                            Some((key, entry))
                        });
                    removed
                });
                drop(temps);
                removed.map(|(key, entry)| (key, entry.value))
            }

            #[doc = concat!(
                "Python's `d.setdefault(key, default)`: a clone of the value for `key`, or else ",
                "`default`, stored under `key` and returned (cloned). Atomic.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "assert_eq!(d.setdefault(&node, 1), 1);\n",
                "assert_eq!(d.setdefault(&node, 2), 1);\n",
                "```",
            )]
            pub fn setdefault(&self, key: &Obj<K>, default: V) -> V
            where
                V: Clone,
            {
                let hash = self.hash(key);
                let addr = $crate::collections::equivalence::address::<K>(key);
                // Strong handles taken while comparing; held out here so that, even if an `Eq`
                // panics, they are dropped after the table lock is released.
                let mut temps = Vec::new();
                let (value, unused) = self.inner.table.with(|table| {
                    let found = table.entry(
                        hash,
                        |entry| weak_key_matches::<K, M>(&entry.key, entry.addr, key, addr, &mut temps),
                        |entry| entry.hash,
                    );
                    match found {
                        hashbrown::hash_table::Entry::Occupied(found) => {
                            (found.get().value.clone(), Some(default))
                        }
                        hashbrown::hash_table::Entry::Vacant(slot) => {
                            let weak = self.watch(hash, key);
                            let entry = slot.insert(KeyEntry { hash, addr, key: weak, value: default });
                            (entry.get().value.clone(), None)
                        }
                    }
                });
                drop((unused, temps));
                value
            }

            #[doc = concat!(
                "A clone of the value for `key`, or else of the value `make` returns, stored ",
                "under `key`. `make` runs without the lock held, only when `key` was absent; ",
                "if another thread inserts `key` meanwhile, its value wins.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "assert_eq!(d.get_or_insert_with(&node, || 7), 7);\n",
                "assert_eq!(d.get_or_insert_with(&node, || unreachable!()), 7);\n",
                "```",
            )]
            pub fn get_or_insert_with(&self, key: &Obj<K>, make: impl FnOnce() -> V) -> V
            where
                V: Clone,
            {
                if let Some(value) = self.get(key) {
                    return value;
                }
                self.setdefault(key, make())
            }

            #[doc = concat!(
                "Removes some entry with a live key and returns it (Python's `d.popitem()`; ",
                "`None` where Python raises `KeyError`). Which entry is unspecified.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, \"x\");\n",
                "let (key, value) = d.popitem().unwrap();\n",
                "assert!(Obj::ptr_eq(&key, &node) && value == \"x\");\n",
                "assert!(d.popitem().is_none());\n",
                "```",
            )]
            pub fn popitem(&self) -> Option<(Obj<K>, V)> {
                let (key, entry) = self.inner.table.with(|table| {
                    let (hash, weak, key) = table.iter().find_map(|entry| {
                        let key = entry.key.upgrade()?;
                        Some((entry.hash, entry.key.clone(), key))
                    })?;
                    let found = table.find_entry(hash, |entry| entry.key.ptr_eq(&weak)).ok()?;
                    Some((key, found.remove().0))
                })?;
                Some((key, entry.value))
            }

            #[doc = concat!(
                "Removes every entry (Python's `d.clear()`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, ());\n",
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
                "moment its key dies.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, ());\n",
                "assert_eq!(d.len(), 1);\n",
                "drop(node);\n",
                "assert_eq!(d.len(), 0);\n",
                "```",
            )]
            pub fn len(&self) -> usize {
                self.inner.table.with(|table| table.len())
            }

            #[doc = concat!(
                "Whether the dictionary is empty.\n\n",
                "```\n",
                "use ", $path, "::{WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node;\n\n",
                "let d: WeakKeyDictionary<Node, ()> = WeakKeyDictionary::new();\n",
                "assert!(d.is_empty());\n",
                "```",
            )]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            #[doc = concat!(
                "An iterator over `(key, value)` for the live entries (Python's `d.items()`), ",
                "from a snapshot taken under the lock (values cloned then). Keys are upgraded ",
                "when reached; entries whose key died by then are skipped.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, 'a');\n",
                "let items: Vec<_> = d.iter().map(|(k, v)| (k.0, v)).collect();\n",
                "assert_eq!(items, [(1, 'a')]);\n",
                "```",
            )]
            pub fn iter(&self) -> KeyDictIter<K, V>
            where
                V: Clone,
            {
                let snapshot: Vec<(WeakRef<K>, V)> = self.inner.table.with(|table| {
                    let mut snapshot = Vec::with_capacity(table.len());
                    // Dead entries (removals still queued) are rare: the iterator skips them.
                    snapshot.extend(
                        table
                            .iter()
                            .map(|entry| (entry.key.clone(), entry.value.clone())),
                    );
                    snapshot
                });
                KeyDictIter { snapshot: snapshot.into_iter() }
            }

            #[doc = concat!(
                "An iterator over the live keys (Python's `d.keys()`), from a snapshot.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, ());\n",
                "assert!(Obj::ptr_eq(&d.keys().next().unwrap(), &node));\n",
                "```",
            )]
            pub fn keys(&self) -> impl Iterator<Item = Obj<K>> + use<K, V, S, M> {
                self.keyrefs().into_iter().filter_map(|key| key.upgrade())
            }

            #[doc = concat!(
                "An iterator over clones of the values of the live entries (Python's ",
                "`d.values()`), from a snapshot.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, 3);\n",
                "assert_eq!(d.values().collect::<Vec<_>>(), [3]);\n",
                "```",
            )]
            pub fn values(&self) -> impl Iterator<Item = V> + use<K, V, S, M>
            where
                V: Clone,
            {
                self.iter().map(|(_, value)| value)
            }

            #[doc = concat!(
                "Handles to the entries' weak references to their keys (Python's ",
                "`d.keyrefs()`): the entries' own weak-reference objects, which may die after ",
                "this returns.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
                "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
                "struct Node(u8);\n\n",
                "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
                "let node = Obj::new(Node(1));\n",
                "d.insert(&node, ());\n",
                "let refs = d.keyrefs();\n",
                "assert!(Obj::ptr_eq(&refs[0].upgrade().unwrap(), &node));\n",
                "```",
            )]
            pub fn keyrefs(&self) -> Vec<WeakRef<K>> {
                self.inner.table.with(|table| {
                    table
                        .iter()
                        .filter(|entry| entry.key.is_alive())
                        .map(|entry| entry.key.clone())
                        .collect()
                })
            }
        }

        #[doc = concat!(
            "The iterator of [`WeakKeyDictionary::iter`]: `(key, value)` for each entry of a ",
            "snapshot whose key is still alive when reached.\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakKeyDictionary, Weakrefable};\n\n",
            "#[derive(Hash, PartialEq, Eq, Weakrefable)]\n",
            "struct Node(u8);\n\n",
            "let d: WeakKeyDictionary<Node, _> = WeakKeyDictionary::new();\n",
            "let node = Obj::new(Node(1));\n",
            "d.insert(&node, ());\n",
            "let mut it = d.iter();\n",
            "drop(node); // dies before it is reached\n",
            "assert!(it.next().is_none());\n",
            "```",
        )]
        pub struct KeyDictIter<K, V> {
            snapshot: std::vec::IntoIter<(WeakRef<K>, V)>,
        }

        impl<K, V> Iterator for KeyDictIter<K, V> {
            type Item = (Obj<K>, V);

            fn next(&mut self) -> Option<(Obj<K>, V)> {
                self.snapshot
                    .by_ref()
                    .find_map(|(key, value)| Some((key.upgrade()?, value)))
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                (0, Some(self.snapshot.len()))
            }
        }

        impl<K, V> core::iter::FusedIterator for KeyDictIter<K, V> {}

        impl<K, V> core::fmt::Debug for KeyDictIter<K, V> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct("KeyDictIter")
                    .field("remaining", &self.snapshot.len())
                    .finish()
            }
        }

        impl<K, V, S, M> Default for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            S: core::hash::BuildHasher + Default + $($hasher)* 'static,
            M: 'static,
        {
            /// An empty dictionary.
            fn default() -> Self {
                Self::with_hasher(S::default())
            }
        }

        impl<K, V, S, M> Clone for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: Clone + $($owned)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            M: 'static,
        {
            /// An independent copy (Python's `d.copy()`): the same key objects, cloned
            /// values, each entry with its own weak reference.
            fn clone(&self) -> Self {
                let copy = Self::with_hasher(self.inner.hasher.clone());
                for (key, value) in self.iter() {
                    copy.insert(&key, value);
                }
                copy
            }
        }

        impl<K, V, S, M> Extend<(Obj<K>, V)> for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
            fn extend<I: IntoIterator<Item = (Obj<K>, V)>>(&mut self, pairs: I) {
                self.update(pairs);
            }
        }

        impl<'a, K, V, S, M> Extend<(&'a Obj<K>, V)> for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// Inserts every pair (Python's `d.update(pairs)`); later pairs win.
            fn extend<I: IntoIterator<Item = (&'a Obj<K>, V)>>(&mut self, pairs: I) {
                self.update(pairs);
            }
        }

        impl<K, V, S, M, P> FromIterator<P> for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            S: core::hash::BuildHasher + Default + $($hasher)* 'static,
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

        impl<'a, K, V, S, M> IntoIterator for &'a WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: Clone + $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            type Item = (Obj<K>, V);
            type IntoIter = KeyDictIter<K, V>;

            fn into_iter(self) -> KeyDictIter<K, V> {
                self.iter()
            }
        }

        impl<K, V, S, M> IntoIterator for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: Clone + $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            type Item = (Obj<K>, V);
            type IntoIter = KeyDictIter<K, V>;

            /// The live entries, from a snapshot (see [`WeakKeyDictionary::iter`]).
            fn into_iter(self) -> KeyDictIter<K, V> {
                self.iter()
            }
        }

        impl<K, V, S, M> PartialEq for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: Clone + PartialEq + $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// Whether both map the same live keys to equal values (Python's
            /// `Mapping.__eq__`), from a snapshot of each.
            fn eq(&self, other: &Self) -> bool {
                if $Shared::ptr_eq(&self.inner, &other.inner) {
                    return true;
                }
                let mine: Vec<(Obj<K>, V)> = self.iter().collect();
                let theirs: Vec<(Obj<K>, V)> = other.iter().collect();
                mine.len() == theirs.len()
                    && mine
                        .iter()
                        .all(|(key, value)| other.get(key).is_some_and(|found| found == *value))
            }
        }

        impl<K, V, S, M> core::fmt::Debug for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + core::fmt::Debug + $($referent)* 'static,
            V: Clone + core::fmt::Debug + $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
        {
            /// The live entries, as a map: `{key: value, ...}`.
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_map().entries(self.iter()).finish()
            }
        }

        impl<K, V, S, M, I, P> core::ops::BitOr<I> for &WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: Clone + $($owned)* 'static,
            S: core::hash::BuildHasher + Clone + $($hasher)* 'static,
            M: 'static,
            I: IntoIterator<Item = P>,
            WeakKeyDictionary<K, V, S, M>: Extend<P>,
        {
            type Output = WeakKeyDictionary<K, V, S, M>;

            /// A new dictionary with this one's entries updated by `pairs` (Python's
            /// `d | other`: the right side wins).
            fn bitor(self, pairs: I) -> WeakKeyDictionary<K, V, S, M> {
                let mut merged = self.clone();
                merged.extend(pairs);
                merged
            }
        }

        impl<K, V, S, M, I, P> core::ops::BitOrAssign<I> for WeakKeyDictionary<K, V, S, M>
        where
            K: $crate::Weakrefable + $crate::collections::Hashable<M> + $($referent)* 'static,
            V: $($owned)* 'static,
            S: core::hash::BuildHasher + $($hasher)* 'static,
            M: 'static,
            I: IntoIterator<Item = P>,
            WeakKeyDictionary<K, V, S, M>: Extend<P>,
        {
            /// Updates this dictionary with `pairs` (Python's `d |= other`).
            fn bitor_assign(&mut self, pairs: I) {
                self.extend(pairs);
            }
        }
    };
}

pub(crate) use wkd_api;
