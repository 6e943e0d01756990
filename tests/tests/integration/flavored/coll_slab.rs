// The slab behind every collection, across many chunks (a chunk holds fewer than 100 entries of
// these collections): slot reuse, iteration across chunk boundaries, and iterators open while
// entries die and new ones take fresh slots in new chunks. `include!`d into one module per
// flavor, after `coll_support.rs`.

mod slab {
    use std::collections::BTreeSet;

    use super::*;

    /// Enough entries for a dozen chunks (three under Miri, which is slow); a multiple of 20.
    const MANY: u32 = if cfg!(miri) { 260 } else { 1000 };
    /// The size of a slice of `MANY` in twentieths.
    const fn twentieths(n: u32) -> u32 {
        MANY / 20 * n
    }

    /// `v.0 -> v` for each `v`.
    fn by_value(values: &[Obj<Item>]) -> WeakValueDictionary<u32, Item> {
        values.iter().map(|v| (v.0, v)).collect()
    }

    /// `v -> v.0` for each `v`.
    fn by_key(keys: &[Obj<Item>]) -> WeakKeyDictionary<Item, u32> {
        let d = WeakKeyDictionary::new();
        for k in keys {
            d.insert(k, k.0);
        }
        d
    }

    /// Compares two sets, reporting sizes and the first differences rather than the sets.
    #[track_caller]
    fn same<T: Ord + std::fmt::Debug>(got: &BTreeSet<T>, want: &BTreeSet<T>) {
        let missing: Vec<&T> = want.difference(got).take(5).collect();
        let extra: Vec<&T> = got.difference(want).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{} entries, want {}; missing {missing:?}, extra {extra:?}",
            got.len(),
            want.len()
        );
    }

    fn values_of(d: &WeakValueDictionary<u32, Item>) -> BTreeSet<(u32, u32)> {
        d.iter().map(|(k, v)| (k, v.0)).collect()
    }

    fn keys_of(d: &WeakKeyDictionary<Item, u32>) -> BTreeSet<(u32, u32)> {
        d.iter().map(|(k, v)| (k.0, v)).collect()
    }

    fn set_values(s: &WeakSet<Item>) -> BTreeSet<u32> {
        s.iter().map(|e| e.0).collect()
    }

    #[test]
    fn many_chunks_remove_reinsert_and_iterate() {
        let mut values = items(0..MANY);
        let d = by_value(&values);
        let kd = by_key(&values);
        let s = set_of(&values);
        let many = MANY as usize;
        assert_eq!((d.len(), kd.len(), s.len()), (many, many, many));
        // Every third object dies, every fifth key is removed explicitly.
        values.retain(|v| v.0 % 3 != 0);
        for k in (0..MANY).filter(|k| k % 5 == 0) {
            d.remove(&k);
            kd.remove(&Item(k));
            s.discard(&Item(k));
        }
        let alive = |k: &u32| k % 3 != 0 && k % 5 != 0;
        let expect: BTreeSet<u32> = (0..MANY).filter(alive).collect();
        assert_eq!(d.len(), expect.len());
        assert_eq!((kd.len(), s.len()), (expect.len(), expect.len()));
        same(&values_of(&d), &expect.iter().map(|&k| (k, k)).collect());
        same(&keys_of(&kd), &expect.iter().map(|&k| (k, k)).collect());
        same(&set_values(&s), &expect);
        // The freed slots are taken again (no iterator is open): the collections stay exact.
        let fresh = items(MANY..MANY + twentieths(10));
        for v in &fresh {
            d.insert(v.0, v);
            kd.insert(v, v.0);
            s.add(v);
        }
        let expect: BTreeSet<u32> = expect
            .into_iter()
            .chain(MANY..MANY + twentieths(10))
            .collect();
        same(&values_of(&d), &expect.iter().map(|&k| (k, k)).collect());
        same(&keys_of(&kd), &expect.iter().map(|&k| (k, k)).collect());
        same(&set_values(&s), &expect);
        let last_kept = (0..MANY).rev().find(alive).expect("some keys stay");
        for k in [1, 2, last_kept, MANY + 1, MANY + twentieths(10) - 1] {
            assert_eq!(d.get(&k).map(|v| v.0), Some(k));
            assert_eq!(kd.get(&Item(k)), Some(k));
            assert!(s.contains(&Item(k)));
        }
        drop((values, fresh));
        assert_eq!((d.len(), kd.len(), s.len()), (0, 0, 0));
        assert!(values_of(&d).is_empty() && keys_of(&kd).is_empty() && set_values(&s).is_empty());
    }

    #[test]
    fn iterators_open_across_chunks_while_entries_die_and_arrive() {
        let mut values = items(0..MANY);
        let d = by_value(&values);
        let kd = by_key(&values);
        let s = set_of(&values);
        let mut it_d = d.iter();
        let mut it_k = kd.iter();
        let mut it_s = s.iter();
        // Take part of the first chunks, one at a time.
        let taken = twentieths(3) as usize;
        let mut seen_d: BTreeSet<u32> = (&mut it_d).take(taken).map(|(k, _)| k).collect();
        let mut seen_k: BTreeSet<u32> = (&mut it_k).take(taken).map(|(k, _)| k.0).collect();
        let mut seen_s: BTreeSet<u32> = (&mut it_s).take(taken).map(|e| e.0).collect();
        // Half of everything dies (also entries already yielded, also entries not reached),
        // and new entries arrive (in fresh slots: the iterators must not see them).
        values.retain(|v| v.0 % 2 == 0);
        let fresh = items(MANY..MANY + twentieths(8));
        for v in &fresh {
            d.insert(v.0, v);
            kd.insert(v, v.0);
            s.add(v);
        }
        seen_d.extend(it_d.map(|(k, _)| k));
        seen_k.extend(it_k.map(|(k, _)| k.0));
        seen_s.extend(it_s.map(|e| e.0));
        for seen in [&seen_d, &seen_k, &seen_s] {
            assert!(
                seen.iter().all(|&k| k < MANY),
                "nothing inserted after iter()"
            );
            // Everything alive when reached was yielded, exactly once (sets dedupe, so count).
            assert!((0..MANY).filter(|k| k % 2 == 0).all(|k| seen.contains(&k)));
            assert!(
                seen.iter().filter(|&&k| k % 2 == 1).count() <= taken,
                "the dead not yet reached are skipped"
            );
        }
        // With the iterators closed, the slots of the dead are free again.
        let live = twentieths(10 + 8) as usize;
        assert_eq!((d.len(), kd.len(), s.len()), (live, live, live));
        let again = items(MANY + twentieths(8)..MANY + twentieths(18));
        for v in &again {
            d.insert(v.0, v);
            kd.insert(v, v.0);
            s.add(v);
        }
        let live = twentieths(10 + 18) as usize;
        assert_eq!((d.len(), kd.len(), s.len()), (live, live, live));
        let expect: BTreeSet<u32> = (0..MANY)
            .filter(|k| k % 2 == 0)
            .chain(MANY..MANY + twentieths(18))
            .collect();
        same(&values_of(&d), &expect.iter().map(|&k| (k, k)).collect());
        same(&keys_of(&kd), &expect.iter().map(|&k| (k, k)).collect());
        same(&set_values(&s), &expect);
    }

    #[test]
    fn an_iterator_counts_each_entry_once_across_chunk_boundaries() {
        let values = items(0..MANY);
        let d = by_value(&values);
        let kd = by_key(&values);
        let s = set_of(&values);
        // Interleaved iterators, opened at different times, each counting every entry once.
        let mut a = d.iter();
        let first: Vec<u32> = (&mut a).take(MANY as usize / 3).map(|(k, _)| k).collect();
        let b = d.iter();
        let rest: Vec<u32> = a.map(|(k, _)| k).collect();
        let all: Vec<u32> = b.map(|(k, _)| k).collect();
        assert_eq!(first.len() + rest.len(), MANY as usize);
        let union: BTreeSet<u32> = first.iter().chain(&rest).copied().collect();
        assert_eq!(union.len(), MANY as usize);
        assert_eq!(all.iter().copied().collect::<BTreeSet<_>>(), union);
        assert_eq!(kd.iter().count(), MANY as usize);
        assert_eq!(s.iter().count(), MANY as usize);
        assert_eq!(kd.keys().count() + s.iter().count(), 2 * MANY as usize);
        drop(values);
        assert_eq!(
            (d.iter().count(), kd.iter().count(), s.iter().count()),
            (0, 0, 0)
        );
    }

    #[test]
    fn insert_then_die_cycles_reuse_slots() {
        let d = WeakValueDictionary::<u32, Item>::new();
        let kd = WeakKeyDictionary::<Item, u32>::new();
        let s = WeakSet::<Item>::new();
        let keep = items(0..200);
        for v in &keep {
            d.insert(v.0, v);
            kd.insert(v, v.0);
            s.add(v);
        }
        // (Fewer rounds under Miri.)
        let rounds = if cfg!(miri) { 300 } else { 20_000 };
        for round in 0..rounds {
            let v = Obj::new(Item(1_000_000 + round));
            d.insert(v.0, &v);
            kd.insert(&v, v.0);
            s.add(&v);
            assert_eq!(d.len(), 201);
            if round % 100 == 0 {
                // An iterator open across a death: the slot is not reused until it closes.
                let mut it = d.iter();
                let one = it.next();
                drop(v);
                let w = Obj::new(Item(2_000_000 + round));
                d.insert(w.0, &w);
                assert_eq!(
                    it.count() + usize::from(one.is_some()),
                    200 + usize::from(one.as_ref().is_some_and(|(k, _)| *k >= 1_000_000))
                );
                drop((one, w));
            }
        }
        assert_eq!((d.len(), kd.len(), s.len()), (200, 200, 200));
        same(&values_of(&d), &(0..200).map(|k| (k, k)).collect());
    }

    /// A value whose `Clone` panics for one number, once.
    #[derive(Debug)]
    struct Touchy(u32, Arc<std::sync::atomic::AtomicU32>);

    impl Clone for Touchy {
        fn clone(&self) -> Self {
            if self.1.compare_exchange(self.0, u32::MAX, SeqCst, SeqCst).is_ok() {
                panic!("Clone panics");
            }
            Touchy(self.0, Arc::clone(&self.1))
        }
    }

    #[test]
    fn an_iterator_resumed_after_a_panicking_clone_yields_no_entry_twice() {
        // (Fewer under Miri: still more than two batches.)
        let n = if cfg!(miri) { 140 } else { 300 };
        let keys = items(0..n);
        for bad in [0, 5, 63, 64, n / 2, n - 1] {
            let trigger = Arc::new(std::sync::atomic::AtomicU32::new(u32::MAX));
            let d = WeakKeyDictionary::<Item, Touchy>::new();
            for k in &keys {
                d.insert(k, Touchy(k.0, Arc::clone(&trigger)));
            }
            trigger.store(bad, SeqCst);
            let mut it = d.iter();
            let mut seen = BTreeSet::new();
            let mut panics = 0;
            loop {
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| it.next())) {
                    Ok(Some((k, v))) => {
                        assert_eq!(k.0, v.0);
                        assert!(seen.insert(k.0), "{} yielded twice (bad {bad})", k.0);
                    }
                    Ok(None) => break,
                    Err(_) => panics += 1,
                }
            }
            drop(it);
            // The entry whose clone panicked is skipped; every other one is yielded once.
            assert_eq!(panics, 1);
            same(&seen, &(0..n).filter(|&k| k != bad).collect());
            assert_eq!(d.len(), n as usize);
        }
    }
}
