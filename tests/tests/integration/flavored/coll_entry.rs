// The Rust-idiom API of the weak collections, both flavors: `entry` (occupied / vacant, as
// `HashMap`'s), `retain`, `WeakKeyDictionary::get_with` / `get_with_mut` for values that are not
// `Clone`, and `get_or_insert_with` building a missing value once. `include!`d into one module per
// flavor, after `coll_support.rs`.

mod entry_api {
    use std::cell::Cell;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::wr::collections::{key_entry, value_entry};
    use super::*;

    /// A value that is not `Clone`, counting its drops.
    #[derive(Debug, PartialEq)]
    struct Tally {
        n: u32,
    }

    thread_local! {
        static MADE: Cell<u32> = const { Cell::new(0) };
    }

    fn made() -> u32 {
        MADE.with(Cell::get)
    }

    fn make(v: u32) -> Obj<Item> {
        MADE.with(|n| n.set(n.get() + 1));
        Obj::new(Item(v))
    }

    #[test]
    fn wvd_entry_is_occupied_by_a_live_value_and_vacant_otherwise() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let a = Obj::new(Item(1));
        d.insert(1, &a);
        match d.entry(1) {
            value_entry::Entry::Occupied(entry) => {
                assert_eq!(*entry.key(), 1);
                assert!(Obj::ptr_eq(entry.get(), &a));
            }
            value_entry::Entry::Vacant(_) => panic!("1 maps to a live value"),
        }
        assert!(matches!(d.entry(2), value_entry::Entry::Vacant(_)));
        drop(a);
        // A key whose value died is vacant.
        let value_entry::Entry::Vacant(entry) = d.entry(1) else {
            panic!("the value died")
        };
        assert_eq!(*entry.key(), 1);
        assert_eq!(entry.into_key(), 1);
        assert!(d.is_empty());
    }

    #[test]
    fn wvd_occupied_entry_holds_its_value_alive() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let a = Obj::new(Item(1));
        d.insert(1, &a);
        let value_entry::Entry::Occupied(entry) = d.entry(1) else {
            unreachable!()
        };
        drop(a);
        assert_eq!(d.len(), 1, "the entry's handle keeps the value");
        let (key, value) = entry.into_parts();
        assert_eq!((key, value.0), (1, 1));
        drop(value);
        assert!(d.is_empty());
    }

    #[test]
    fn wvd_vacant_and_occupied_inserts() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let (a, b) = (Obj::new(Item(1)), Obj::new(Item(2)));
        let value_entry::Entry::Vacant(vacant) = d.entry(7) else {
            unreachable!()
        };
        assert!(Obj::ptr_eq(&vacant.insert(&a), &a));
        assert!(Obj::ptr_eq(&d.get(&7).unwrap(), &a));
        let value_entry::Entry::Occupied(occupied) = d.entry(7) else {
            unreachable!()
        };
        assert!(Obj::ptr_eq(&occupied.insert(&b), &a), "the held value");
        assert!(Obj::ptr_eq(&d.get(&7).unwrap(), &b));
        assert_eq!(getweakrefcount(&a), 0, "a's entry left");
        assert_eq!(getweakrefcount(&b), 1);
    }

    #[test]
    fn wvd_occupied_remove_removes_only_the_value_it_holds() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let (a, b) = (Obj::new(Item(1)), Obj::new(Item(2)));
        d.insert(1, &a);
        let value_entry::Entry::Occupied(stale) = d.entry(1) else {
            unreachable!()
        };
        d.insert(1, &b); // replaced meanwhile
        assert!(Obj::ptr_eq(&stale.remove(), &a));
        assert!(Obj::ptr_eq(&d.get(&1).unwrap(), &b), "the new value stays");
        let value_entry::Entry::Occupied(current) = d.entry(1) else {
            unreachable!()
        };
        assert!(Obj::ptr_eq(&current.remove(), &b));
        assert!(d.is_empty());
    }

    #[test]
    fn wvd_entry_combinators() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let start = made();
        let a = d.entry(1).or_insert_with(|| make(10));
        let again = d.entry(1).or_insert_with(|| make(11));
        assert!(Obj::ptr_eq(&a, &again));
        assert_eq!(made() - start, 1, "built once");
        let b = d.entry(2).or_insert_with_key(|key| make(*key * 100));
        assert_eq!(b.0, 200);
        let c = Obj::new(Item(3));
        assert!(Obj::ptr_eq(&d.entry(3).or_insert(&c), &c));
        assert!(
            Obj::ptr_eq(&d.entry(3).or_insert(&a), &c),
            "kept while alive"
        );
        let seen = Cell::new(0);
        d.entry(3).and_modify(|v| seen.set(v.0)).or_insert(&a);
        assert_eq!(seen.get(), 3);
        d.entry(4).and_modify(|_| unreachable!()).or_insert(&a);
        assert!(Obj::ptr_eq(&d.get(&4).unwrap(), &a));
        assert_eq!(*d.entry(5).key(), 5);
        assert_eq!(d.len(), 4);
        assert!(format!("{:?}", d.entry(1)).starts_with("Occupied"));
        assert!(format!("{:?}", d.entry(9)).starts_with("Vacant"));
    }

    #[test]
    fn wvd_get_or_insert_with_rebuilds_a_dead_value() {
        let d: WeakValueDictionary<&str, Item> = WeakValueDictionary::new();
        let start = made();
        let first = d.get_or_insert_with("k", || make(1));
        drop(first);
        let second = d.get_or_insert_with("k", || make(2));
        assert_eq!(second.0, 2);
        assert_eq!(made() - start, 2);
    }

    #[test]
    fn wvd_panicking_constructor_ends_the_reservation() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.get_or_insert_with(1, || panic!("the constructor fails"))
        }));
        assert!(outcome.is_err());
        assert!(d.is_empty());
        // The key is writable again, by every means.
        let a = d.get_or_insert_with(1, || Obj::new(Item(1)));
        let b = Obj::new(Item(2));
        d.insert(1, &b);
        assert!(Obj::ptr_eq(&d.get(&1).unwrap(), &b));
        drop(a);
    }

    #[test]
    fn wvd_dropped_vacant_entry_ends_the_reservation() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        drop(d.entry(1));
        let a = Obj::new(Item(1));
        assert!(d.insert(1, &a).is_none());
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn wvd_reserved_key_reads_as_absent() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let a = Obj::new(Item(1));
        let value_entry::Entry::Vacant(entry) = d.entry(1) else {
            unreachable!()
        };
        assert!(d.get(&1).is_none() && !d.contains_key(&1) && d.is_empty());
        assert_eq!(d.iter().count(), 0);
        // Other keys are free.
        d.insert(2, &a);
        assert_eq!(d.len(), 1);
        entry.insert(&a);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn wvd_retain() {
        let values = items(0..6);
        let d = wvd_of(&values);
        let mut seen = Vec::new();
        d.retain(|key, value| {
            seen.push(*key);
            // The dictionary is usable from inside.
            assert!(d.contains_key(key));
            value.0 % 2 == 0
        });
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
        assert_eq!(sorted(d.values()), [0, 2, 4]);
    }

    #[test]
    fn set_retain() {
        let values = items(0..6);
        let s = set_of(&values);
        s.retain(|member| member.0 >= 3);
        assert_eq!(sorted(s.iter()), [3, 4, 5]);
    }

    #[test]
    fn wkd_get_with_and_get_with_mut_lend_the_value() {
        let d: WeakKeyDictionary<Item, Tally> = WeakKeyDictionary::new();
        let k = Obj::new(Item(1));
        d.insert(&k, Tally { n: 1 });
        assert_eq!(d.get_with(&Item(1), |t| t.n), Some(1));
        assert_eq!(d.get_with(&Item(2), |t| t.n), None);
        assert_eq!(
            d.get_with_mut(&k, |t| {
                t.n += 1;
                // Other entries, and the dictionary itself, are usable meanwhile.
                assert_eq!(d.len(), 1);
                assert!(d.contains_key(&Item(1)));
                t.n
            }),
            Some(2)
        );
        assert_eq!(d.get_with(&k, |t| t.n), Some(2));
        assert_eq!(d.remove(&Item(1)), Some(Tally { n: 2 }));
    }

    #[test]
    fn wkd_get_with_keeps_the_key_alive_while_lent() {
        let d: WeakKeyDictionary<Item, Tally> = WeakKeyDictionary::new();
        let k = Obj::new(Item(1));
        d.insert(&k, Tally { n: 1 });
        let mut k = Some(k);
        d.get_with(&Item(1), |_| {
            drop(k.take()); // the last outside handle
            assert_eq!(d.len(), 1, "the lend holds the key");
        });
        assert!(d.is_empty(), "the key died when the value came back");
    }

    #[test]
    fn wkd_value_cleared_while_lent_is_dropped_after() {
        let d: WeakKeyDictionary<Item, Tally> = WeakKeyDictionary::new();
        let k = Obj::new(Item(1));
        d.insert(&k, Tally { n: 1 });
        d.get_with_mut(&k, |t| {
            d.clear();
            assert!(d.is_empty());
            t.n = 5;
        });
        assert!(d.is_empty() && d.get_with(&k, |t| t.n).is_none());
        d.insert(&k, Tally { n: 6 });
        assert_eq!(d.get_with(&k, |t| t.n), Some(6));
    }

    #[test]
    fn wkd_entry_lends_the_value_and_keeps_the_first_key() {
        let d: WeakKeyDictionary<Item, Tally> = WeakKeyDictionary::new();
        let (first, equal) = (Obj::new(Item(1)), Obj::new(Item(1)));
        let key_entry::Entry::Vacant(vacant) = d.entry(&first) else {
            unreachable!()
        };
        assert!(Obj::ptr_eq(vacant.key(), &first));
        let mut occupied = vacant.insert(Tally { n: 1 });
        occupied.get_mut().n += 1;
        assert_eq!(occupied.get().n, 2);
        drop(occupied);
        let key_entry::Entry::Occupied(mut occupied) = d.entry(&equal) else {
            unreachable!()
        };
        assert!(Obj::ptr_eq(occupied.key(), &first), "the first key wins");
        assert_eq!(occupied.insert(Tally { n: 10 }), Tally { n: 2 });
        let (key, value) = occupied.remove_entry();
        assert!(Obj::ptr_eq(&key, &first));
        assert_eq!(value, Tally { n: 10 });
        assert!(d.is_empty());
        let key_entry::Entry::Vacant(vacant) = d.entry(&equal) else {
            unreachable!()
        };
        assert!(Obj::ptr_eq(&vacant.into_key(), &equal));
        assert!(d.is_empty());
    }

    #[test]
    fn wkd_entry_combinators() {
        let d: WeakKeyDictionary<Item, u32> = WeakKeyDictionary::new();
        let keys = items(0..3);
        for _ in 0..3 {
            for k in &keys {
                *d.entry(k).or_insert(100).get_mut() += 1;
                d.entry(k).and_modify(|n| *n += 10).or_insert(0);
            }
        }
        assert_eq!(d.get(&Item(0)), Some(133));
        let fresh = Obj::new(Item(9));
        assert_eq!(*d.entry(&fresh).or_insert_with_key(|k| k.0 * 2).get(), 18);
        assert_eq!(*d.entry(&fresh).or_insert_with(|| unreachable!()).get(), 18);
        let other = Obj::new(Item(10));
        assert_eq!(*d.entry(&other).or_default().get(), 0);
        assert!(Obj::ptr_eq(d.entry(&other).key(), &other));
        let key_entry::Entry::Occupied(entry) = d.entry(&other) else {
            unreachable!()
        };
        assert_eq!(entry.remove(), 0);
        assert_eq!(d.len(), 4);
        assert_eq!(d.setdefault(&keys[0], 0), 133);
        assert_eq!(d.get_or_insert_with(&other, || 7), 7);
    }

    #[test]
    fn wkd_retain_lends_each_value() {
        let keys = items(0..6);
        let d: WeakKeyDictionary<Item, Tally> = WeakKeyDictionary::new();
        for k in &keys {
            d.insert(k, Tally { n: k.0 });
        }
        d.retain(|key, tally| {
            tally.n += 100;
            assert!(d.contains_key(key), "the dictionary is usable meanwhile");
            key.0 % 3 == 0
        });
        assert_eq!(d.len(), 2);
        assert_eq!(d.get_with(&Item(3), |t| t.n), Some(103));
        assert_eq!(d.get_with(&Item(1), |t| t.n), None);
    }

    #[test]
    fn wkd_panicking_closure_gives_the_value_back() {
        let d: WeakKeyDictionary<Item, Tally> = WeakKeyDictionary::new();
        let k = Obj::new(Item(1));
        d.insert(&k, Tally { n: 1 });
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.get_with_mut(&k, |t| {
                t.n = 2;
                panic!("the closure fails");
            })
        }));
        assert!(outcome.is_err());
        assert_eq!(d.get_with(&k, |t| t.n), Some(2), "given back, not lost");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.entry(&Obj::new(Item(2)))
                .or_insert_with(|| panic!("no value"))
        }));
        assert!(outcome.is_err());
        // The reservation ended with the panic.
        let k2 = Obj::new(Item(2));
        d.insert(&k2, Tally { n: 3 });
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn iteration_sees_values_changed_in_place() {
        let keys = items(0..3);
        let d: WeakKeyDictionary<Item, u32> = keys.iter().map(|k| (k, 0)).collect();
        for k in &keys {
            d.get_with_mut(k, |n| *n = k.0 + 1);
        }
        let mut values: Vec<u32> = d.values().collect();
        values.sort_unstable();
        assert_eq!(values, [1, 2, 3]);
    }

    #[test]
    fn escaped_references_outlive_their_slots_and_hash_stably() {
        use std::hash::{BuildHasher, RandomState};
        let state = RandomState::new();
        let values = items(0..3);
        let d = wvd_of(&values);
        let refs = d.valuerefs();
        let hashes: Vec<u64> = refs.iter().map(|r| state.hash_one(r.weakref())).collect();
        d.clear();
        // The slots of the removed entries are not reused while their references live.
        let fresh = items(10..13);
        for (i, v) in fresh.iter().enumerate() {
            d.insert(i as u32, v);
        }
        for (r, h) in refs.iter().zip(&hashes) {
            assert!(r.upgrade().is_some());
            assert_eq!(state.hash_one(r.weakref()), *h);
        }
        drop(values);
        for (r, h) in refs.iter().zip(&hashes) {
            assert!(r.upgrade().is_none());
            assert_eq!(state.hash_one(r.weakref()), *h, "kept after death");
        }
        drop(d);
        for (r, h) in refs.iter().zip(&hashes) {
            assert_eq!(state.hash_one(r.weakref()), *h, "and after the dictionary");
        }
    }
}
