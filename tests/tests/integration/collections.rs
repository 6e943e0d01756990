//! Checklist sections 10-14 (weak collections), each test run against both flavors: `sync`
//! (the crate root) and `unsync`. The multi-threaded tests of section 14 are in `mod threaded`
//! below (thread-safe flavor only); the time-bounded stress test is `collections_stress.rs`.

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    /// The flavor under test, for `coll_dyn.rs`.
    type Flavor = weakref_core::flavor::Sync;

    include!("flavored/coll_support.rs");
    include!("flavored/coll_wvd.rs");
    include!("flavored/coll_wkd.rs");
    include!("flavored/coll_set.rs");
    include!("flavored/coll_iteration.rs");
    include!("flavored/coll_dyn.rs");
    include!("flavored/coll_entry.rs");
    include!("flavored/coll_slab.rs");
}

/// The single-threaded flavor.
// The shared code uses `Arc` so that its callbacks are `Send` for the thread-safe flavor; here
// the weak references inside are not `Send`, which that lint points out.
#[allow(clippy::arc_with_non_send_sync)]
mod unsync {
    use weakref_core::unsync as wr;

    /// The flavor under test, for `coll_dyn.rs`.
    type Flavor = weakref_core::flavor::Unsync;

    include!("flavored/coll_support.rs");
    include!("flavored/coll_wvd.rs");
    include!("flavored/coll_wkd.rs");
    include!("flavored/coll_set.rs");
    include!("flavored/coll_iteration.rs");
    include!("flavored/coll_dyn.rs");
    include!("flavored/coll_entry.rs");
    include!("flavored/coll_slab.rs");
}

/// Checklist section 14 with real threads (thread-safe flavor only).
mod threaded {
    use std::sync::mpsc;
    use std::sync::{Arc, Barrier};
    use std::thread;

    use weakref_core::{
        Obj, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakSet, WeakValueDictionary,
        Weakrefable, generic,
    };

    #[derive(Debug, PartialEq, Eq, Hash, Weakrefable)]
    struct Item(u32);

    fn rounds(full: usize) -> usize {
        if cfg!(miri) { full / 1000 + 5 } else { full }
    }

    fn assert_send_sync<T: Send + Sync>() {}

    /// Observers of several types, shared between threads as trait objects.
    trait Observer: Weakrefable + Send + Sync {
        fn id(&self) -> u32;
    }

    impl Observer for Item {
        fn id(&self) -> u32 {
            self.0
        }
    }

    #[test]
    fn item_145_collections_are_send_and_sync() {
        assert_send_sync::<WeakValueDictionary<String, Item>>();
        assert_send_sync::<WeakKeyDictionary<Item, String>>();
        assert_send_sync::<WeakSet<Item>>();
        assert_send_sync::<WeakIdSet<Item>>();
        // Trait objects, and what the collections hand out.
        assert_send_sync::<WeakValueDictionary<String, dyn Observer>>();
        assert_send_sync::<WeakIdKeyDictionary<dyn Observer, String>>();
        assert_send_sync::<WeakIdSet<dyn Observer>>();
        assert_send_sync::<generic::ValueDictIter<String, dyn Observer>>();
        assert_send_sync::<generic::KeyedRef<String, dyn Observer>>();
        assert_send_sync::<generic::KeyDictIter<dyn Observer, String>>();
        assert_send_sync::<generic::SetIter<dyn Observer>>();
    }

    #[test]
    fn dyn_observers_shared_between_threads_die_on_any_thread() {
        let observers: Arc<WeakIdSet<dyn Observer>> = Arc::new(WeakIdSet::new());
        let by_id: Arc<WeakValueDictionary<u32, dyn Observer>> =
            Arc::new(WeakValueDictionary::new());
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let observers = Arc::clone(&observers);
                let by_id = Arc::clone(&by_id);
                thread::spawn(move || {
                    for i in 0..rounds(2_000) as u32 {
                        let observer: Obj<dyn Observer> =
                            weakref_core::coerce!(Obj::new(Item(t * 1_000_000 + i)));
                        observers.add(&observer);
                        by_id.insert(observer.id(), &observer);
                        let seen = observers.iter().filter(|o| o.id() == observer.id()).count();
                        assert_eq!(seen, 1);
                        // The observer dies here, on this thread, racing the others.
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        assert!(observers.is_empty() && by_id.is_empty());
    }

    #[test]
    fn item_141_threaded_setdefault_never_returns_dead() {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let churn = Arc::clone(&d);
        let other = thread::spawn(move || {
            for i in 0..rounds(20_000) {
                let v = Obj::new(Item(i as u32));
                churn.insert(10, &v); // replaced, then dies on this thread
            }
        });
        for i in 0..rounds(20_000) {
            let fresh = Obj::new(Item(1_000_000 + i as u32));
            let got = d.setdefault(10, &fresh);
            // `got` is a strong handle: alive by construction. It is ours or the live value
            // the other thread stored.
            assert!(Obj::ptr_eq(&got, &fresh) || got.0 < 1_000_000);
        }
        other.join().unwrap();
    }

    #[test]
    fn item_142_threaded_pop_never_returns_none_for_live_value() {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let churn = Arc::clone(&d);
        let other = thread::spawn(move || {
            for i in 0..rounds(20_000) {
                let v = Obj::new(Item(i as u32));
                churn.insert(i as u32 % 64 + 100, &v);
            }
        });
        for _ in 0..rounds(20_000) {
            let obj = Obj::new(Item(10));
            d.insert(10, &obj);
            assert!(Obj::ptr_eq(&d.remove(&10).unwrap(), &obj));
        }
        other.join().unwrap();
    }

    #[test]
    fn item_143_threaded_reassign_keeps_len_one() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let (send, receive) = mpsc::channel::<Obj<Item>>();
        let dropper = thread::spawn(move || {
            // The old values die here, so their removal callbacks race with the inserts.
            for value in receive {
                drop(value);
            }
        });
        for i in 0..rounds(50_000) {
            let o = Obj::new(Item(i as u32));
            d.insert(10, &o);
            assert_eq!(d.len(), 1, "o is alive, so the dict can't be empty");
            send.send(o).unwrap();
        }
        drop(send);
        dropper.join().unwrap();
        assert_eq!(d.len(), 0);
    }

    #[test]
    fn item_144_threaded_copy_while_entries_die() {
        let n = rounds(5_000);
        let values: Vec<Obj<Item>> = (0..n as u32).map(|i| Obj::new(Item(i))).collect();
        let d: Arc<WeakValueDictionary<u32, Item>> =
            Arc::new(values.iter().map(|v| (v.0, v)).collect());
        let k: Arc<WeakKeyDictionary<Item, u32>> =
            Arc::new(values.iter().map(|v| (v, v.0)).collect());
        let barrier = Arc::new(Barrier::new(2));
        let start = Arc::clone(&barrier);
        let killer = thread::spawn(move || {
            start.wait();
            let mut values = values;
            let mut seed = 12345u64;
            while !values.is_empty() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let index = (seed >> 33) as usize % values.len();
                drop(values.swap_remove(index));
            }
        });
        barrier.wait();
        for _ in 0..rounds(50) {
            let dc = (*d).clone();
            let kc = (*k).clone();
            for (key, value) in &dc {
                assert_eq!(key, value.0);
            }
            for (key, value) in &kc {
                assert_eq!(key.0, value);
            }
        }
        killer.join().unwrap();
        assert!(d.is_empty() && k.is_empty());
    }

    #[test]
    fn item_145_concurrent_iteration() {
        let values: Vec<Obj<Item>> = (0..200).map(Item).map(Obj::new).collect();
        let s: Arc<WeakSet<Item>> = Arc::new(values.iter().collect());
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let s = Arc::clone(&s);
                thread::spawn(move || {
                    for _ in 0..rounds(200) {
                        assert!(s.iter().count() <= 200);
                    }
                })
            })
            .collect();
        drop(values);
        for t in threads {
            t.join().unwrap();
        }
        assert!(s.is_empty());
    }

    #[test]
    fn removal_callback_does_not_wait_for_a_busy_collection() {
        // One thread is inside the dictionary's lock (in a key's `Eq`) while another drops
        // the last handle to a value: the drop, callback included, completes without waiting,
        // and the holder applies the removal before it releases the lock.
        use std::hash::{Hash, Hasher};
        use std::sync::Mutex;

        /// Signals that `Eq` was entered, then waits for permission to return.
        type Gate = Arc<Mutex<Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>>>;

        #[derive(Clone, Debug)]
        struct SlowKey(u32, Gate);
        impl PartialEq for SlowKey {
            fn eq(&self, other: &Self) -> bool {
                if let Some((entered, proceed)) = self.1.lock().unwrap().take() {
                    entered.send(()).unwrap();
                    proceed.recv().unwrap();
                }
                self.0 == other.0
            }
        }
        impl Eq for SlowKey {}
        impl Hash for SlowKey {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        let gate = Arc::new(Mutex::new(None));
        let d: Arc<WeakValueDictionary<SlowKey, Item>> = Arc::new(WeakValueDictionary::new());
        let kept = Obj::new(Item(1));
        d.insert(SlowKey(1, Arc::clone(&gate)), &kept);
        let victim = Obj::new(Item(2));
        d.insert(SlowKey(2, Arc::new(Mutex::new(None))), &victim);
        let (entered_tx, entered_rx) = mpsc::channel();
        let (proceed_tx, proceed_rx) = mpsc::channel();
        *gate.lock().unwrap() = Some((entered_tx, proceed_rx));
        let busy = Arc::clone(&d);
        let holder =
            thread::spawn(move || busy.get(&SlowKey(1, Arc::new(Mutex::new(None)))).is_some());
        entered_rx.recv().unwrap(); // the holder is inside `Eq`, under the lock
        drop(victim); // returns although the lock is held
        proceed_tx.send(()).unwrap();
        assert!(holder.join().unwrap());
        assert_eq!(d.len(), 1, "the queued removal was applied by the holder");
    }
}

/// `get_or_insert_with` and the entry API under threads: a missing value built once per key
/// however many threads race for it, without blocking other keys, a panicking constructor letting
/// a waiter try; checked-out values lent to one thread at a time.
mod threaded_entries {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::{Arc, Barrier, mpsc};
    use std::thread;
    use std::time::Duration;

    use weakref_core::collections::value_entry::Entry;
    use weakref_core::{Obj, WeakKeyDictionary, WeakValueDictionary, Weakrefable};

    #[derive(Debug, PartialEq, Eq, Hash, Weakrefable)]
    struct Item(u32);

    #[test]
    fn eight_threads_on_two_keys_build_two_values() {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let built = Arc::new(AtomicU32::new(0));
        let start = Arc::new(Barrier::new(8));
        let done = Arc::new(Barrier::new(8));
        let workers: Vec<_> = (0..8u32)
            .map(|t| {
                let (d, built, start, done) = (
                    Arc::clone(&d),
                    Arc::clone(&built),
                    Arc::clone(&start),
                    Arc::clone(&done),
                );
                thread::spawn(move || {
                    let key = t % 2;
                    start.wait();
                    let value = d.get_or_insert_with(key, || {
                        built.fetch_add(1, Ordering::SeqCst);
                        // Long enough for the others to arrive and wait.
                        thread::sleep(Duration::from_millis(50));
                        Obj::new(Item(key))
                    });
                    assert_eq!(value.0, key);
                    // Everyone holds their value until all have one, so none is rebuilt.
                    done.wait();
                    value
                })
            })
            .collect();
        let values: Vec<Obj<Item>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        assert_eq!(built.load(Ordering::SeqCst), 2, "one construction per key");
        for (t, value) in values.iter().enumerate() {
            assert!(Obj::ptr_eq(value, &values[t % 2]), "all share that object");
        }
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn a_constructor_running_blocks_no_other_key() {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let (entered_tx, entered_rx) = mpsc::channel();
        let (proceed_tx, proceed_rx) = mpsc::channel::<()>();
        let slow = Arc::clone(&d);
        let builder = thread::spawn(move || {
            slow.get_or_insert_with(1, || {
                entered_tx.send(()).unwrap();
                proceed_rx.recv().unwrap();
                Obj::new(Item(1))
            })
        });
        entered_rx.recv().unwrap(); // key 1 is being built
        let other = Obj::new(Item(2));
        d.insert(2, &other);
        assert!(Obj::ptr_eq(&d.get(&2).unwrap(), &other));
        assert_eq!(d.get_or_insert_with(3, || Obj::new(Item(3))).0, 3);
        assert!(
            d.get(&1).is_none(),
            "reads of the reserved key see it absent"
        );
        assert_eq!(d.len(), 1, "3 died at once; 1 is not there yet");
        proceed_tx.send(()).unwrap();
        let one = builder.join().unwrap();
        assert!(Obj::ptr_eq(&d.get(&1).unwrap(), &one));
    }

    #[test]
    fn a_panicking_constructor_lets_a_waiter_build() {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let attempts = Arc::new(AtomicU32::new(0));
        let (entered_tx, entered_rx) = mpsc::channel();
        let failing = Arc::clone(&d);
        let tries = Arc::clone(&attempts);
        let first = thread::spawn(move || {
            failing.get_or_insert_with(1, || {
                tries.fetch_add(1, Ordering::SeqCst);
                entered_tx.send(()).unwrap();
                thread::sleep(Duration::from_millis(100));
                panic!("the first constructor fails");
            })
        });
        entered_rx.recv().unwrap();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let (d, tries) = (Arc::clone(&d), Arc::clone(&attempts));
                thread::spawn(move || {
                    d.get_or_insert_with(1, || {
                        tries.fetch_add(1, Ordering::SeqCst);
                        Obj::new(Item(1))
                    })
                })
            })
            .collect();
        assert!(first.join().is_err());
        let values: Vec<Obj<Item>> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            2,
            "the failure, then one success"
        );
        assert!(values.iter().all(|v| Obj::ptr_eq(v, &values[0])));
    }

    #[test]
    fn writers_of_a_reserved_key_wait_for_the_entry() {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let ours = Obj::new(Item(1));
        let Entry::Vacant(entry) = d.entry(1) else {
            unreachable!()
        };
        let (done_tx, done_rx) = mpsc::channel();
        let writer = Arc::clone(&d);
        let theirs = thread::spawn(move || {
            let theirs = Obj::new(Item(2));
            let previous = writer.insert(1, &theirs);
            done_tx.send(()).unwrap();
            (previous.map(|p| p.0), theirs)
        });
        assert!(
            done_rx.recv_timeout(Duration::from_millis(100)).is_err(),
            "the insert waits for the reservation"
        );
        entry.insert(&ours);
        let (previous, theirs) = theirs.join().unwrap();
        assert_eq!(previous, Some(1), "it came after ours");
        assert!(Obj::ptr_eq(&d.get(&1).unwrap(), &theirs));
    }

    #[test]
    fn checked_out_values_are_lent_to_one_thread_at_a_time() {
        let keys: Vec<Obj<Item>> = (0..2).map(|i| Obj::new(Item(i))).collect();
        let d: Arc<WeakKeyDictionary<Item, u64>> = Arc::new(WeakKeyDictionary::new());
        for k in &keys {
            d.insert(k, 0);
        }
        let rounds = if cfg!(miri) { 20 } else { 2_000 };
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let d = Arc::clone(&d);
                thread::spawn(move || {
                    for i in 0..rounds {
                        let key = Item((t + i) % 2);
                        match i % 3 {
                            // A read-modify-write that only exclusivity keeps exact.
                            0 => {
                                d.get_with_mut(&key, |n| {
                                    let seen = *n;
                                    thread::yield_now();
                                    *n = seen + 1;
                                });
                            }
                            1 => {
                                let mut n = d.entry(&Obj::new(Item(key.0))).or_insert(0);
                                let seen = *n.get();
                                thread::yield_now();
                                *n.get_mut() = seen + 1;
                            }
                            _ => {
                                let _ = d.get(&key);
                                let _ = d.iter().count();
                                d.retain(|_, n| {
                                    *n += 1;
                                    true
                                });
                            }
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        let total: u64 = keys.iter().map(|k| d.get(k).unwrap()).sum();
        let per_thread = rounds as u64;
        // Each round adds one to one key (two for a retain round, one per key).
        let retains = (0..per_thread).filter(|i| i % 3 == 2).count() as u64;
        assert_eq!(total, 4 * (per_thread - retains) + 4 * retains * 2);
    }
}

/// The `unsync` flavor, where waiting for an entry would wait for the thread itself: a clear
/// panic instead of a deadlock.
mod unsync_self_waits {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use weakref_core::unsync::collections::value_entry::Entry;
    use weakref_core::unsync::{Obj, WeakKeyDictionary, WeakValueDictionary, Weakrefable};

    #[derive(Debug, PartialEq, Eq, Hash, Weakrefable)]
    struct Item(u32);

    fn message(outcome: std::thread::Result<()>) -> String {
        let payload = outcome.unwrap_err();
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    }

    #[test]
    fn writing_a_key_reserved_by_this_thread_panics() {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let a = Obj::new(Item(1));
        let Entry::Vacant(entry) = d.entry(1) else {
            unreachable!()
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.insert(1, &a);
        }));
        assert!(message(outcome).contains("reserves"));
        entry.insert(&a);
        assert_eq!(d.len(), 1, "still usable");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.get_or_insert_with(2, || d.get_or_insert_with(2, || Obj::new(Item(2))));
        }));
        assert!(message(outcome).contains("reserves"));
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn using_a_value_checked_out_by_this_thread_panics() {
        let d: WeakKeyDictionary<Item, u32> = WeakKeyDictionary::new();
        let k = Obj::new(Item(1));
        d.insert(&k, 1);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.get_with(&k, |_| d.get(&k));
        }));
        assert!(message(outcome).contains("had it checked out"));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            d.get_with(&k, |_| d.iter().count());
        }));
        assert!(message(outcome).contains("checked out"));
        // Other entries, and the key's presence, are fine meanwhile.
        let k2 = Obj::new(Item(2));
        d.get_with(&k, |_| {
            assert!(d.contains_key(&k));
            d.insert(&k2, 2);
        });
        assert_eq!(d.get(&k), Some(1));
        assert_eq!(d.len(), 2);
    }
}

/// A vacant entry whose insert panics (a key's `Eq`) after its reservation of the key ended
/// must not end a reservation again: by the time the entry drops, another entry may hold the
/// key's (here: made by the dropped key's destructor, which runs after the lock, before the
/// entry drops). Shown in `unsync`, where writing a reserved key panics instead of waiting.
mod reservation_ends_once {
    use std::cell::{Cell, RefCell};
    use std::hash::{Hash, Hasher};
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use std::hash::RandomState;

    use weakref_core::flavor::Unsync;
    use weakref_core::unsync::collections::value_entry::{Entry, VacantEntry};
    use weakref_core::unsync::{Obj, WeakValueDictionary, Weakrefable};

    #[derive(Weakrefable)]
    struct Item;

    type Dict = WeakValueDictionary<Key, Item>;
    type Vacant = VacantEntry<'static, Key, Item, RandomState, Unsync>;

    thread_local! {
        /// Whether the next `Eq` panics (once).
        static EQ_PANICS: Cell<bool> = const { Cell::new(false) };
        /// The dictionary, for the destructor of key 2.
        static DICT: Cell<Option<&'static Dict>> = const { Cell::new(None) };
        /// The entry that destructor made.
        static STASH: RefCell<Option<Vacant>> = const { RefCell::new(None) };
    }

    /// Keys that all hash alike, so that every two are compared and share one reservation.
    struct Key(u32);

    impl PartialEq for Key {
        fn eq(&self, other: &Self) -> bool {
            if EQ_PANICS.with(|armed| armed.replace(false)) {
                panic!("Eq panics");
            }
            self.0 == other.0
        }
    }

    impl Eq for Key {}

    impl Hash for Key {
        fn hash<H: Hasher>(&self, state: &mut H) {
            0u8.hash(state);
        }
    }

    impl Drop for Key {
        fn drop(&mut self) {
            if self.0 != 2 {
                return;
            }
            // Key 2's write panicked, and its reservation ended: another entry reserves.
            let Some(dict) = DICT.with(Cell::take) else {
                return;
            };
            let Entry::Vacant(entry) = dict.entry(Key(3)) else {
                unreachable!("key 3 has no value")
            };
            STASH.with(|stash| *stash.borrow_mut() = Some(entry));
        }
    }

    #[test]
    fn a_panicking_insert_leaves_a_later_reservation_alone() {
        let raw = Box::into_raw(Box::new(Dict::new()));
        // SAFETY: from `Box::into_raw`; freed at the end, after its last use.
        let dict: &'static Dict = unsafe { &*raw };
        let one = Obj::new(Item);
        dict.insert(Key(1), &one);
        let Entry::Vacant(entry) = dict.entry(Key(2)) else {
            unreachable!("key 2 has no value")
        };
        DICT.with(|cell| cell.set(Some(dict)));
        EQ_PANICS.with(|armed| armed.set(true));
        let two = Obj::new(Item);
        assert!(catch_unwind(AssertUnwindSafe(|| entry.insert(&two))).is_err());
        assert!(
            STASH.with(|stash| stash.borrow().is_some()),
            "key 3 reserved"
        );
        // Key 3's entry still holds the reservation: writing a key that shares it panics.
        let four = Obj::new(Item);
        assert!(
            catch_unwind(AssertUnwindSafe(|| dict.insert(Key(4), &four))).is_err(),
            "the reservation of key 3 was ended by key 2's entry"
        );
        let entry = STASH.with(|stash| stash.borrow_mut().take()).unwrap();
        entry.insert(&four);
        assert_eq!(dict.len(), 2);
        // SAFETY: from `Box::into_raw` above; nothing borrows it any more (the entries were
        // consumed, the thread-local was emptied), and `dict` is not used after.
        drop(unsafe { Box::from_raw(raw) });
    }
}

/// A vacant entry used from a key's `Eq` (under the dictionary's lock: forbidden) in `unsync`:
/// its insert panics, and the entry, dropped while that panic unwinds, cannot end its
/// reservation under the held lock; it must not panic again (which would abort the process).
mod reentrant_vacant_entry {
    use std::cell::RefCell;
    use std::hash::{Hash, Hasher, RandomState};
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use weakref_core::flavor::Unsync;
    use weakref_core::unsync::collections::value_entry::{Entry, VacantEntry};
    use weakref_core::unsync::{Obj, WeakValueDictionary, Weakrefable};

    #[derive(Weakrefable)]
    struct Item;

    type Vacant = VacantEntry<'static, Meddler, Item, RandomState, Unsync>;

    thread_local! {
        /// An entry for `Eq` to use.
        static STASH: RefCell<Option<Vacant>> = const { RefCell::new(None) };
    }

    /// A key whose `Eq` inserts through the stashed entry.
    struct Meddler(u32);

    impl Hash for Meddler {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }

    impl PartialEq for Meddler {
        fn eq(&self, other: &Self) -> bool {
            if let Some(entry) = STASH.with(|stash| stash.borrow_mut().take()) {
                entry.insert(&Obj::new(Item));
            }
            self.0 == other.0
        }
    }

    impl Eq for Meddler {}

    #[test]
    fn an_entry_dropped_while_its_reentrant_insert_unwinds_does_not_abort() {
        let raw = Box::into_raw(Box::new(WeakValueDictionary::<Meddler, Item>::new()));
        // SAFETY: from `Box::into_raw`; freed at the end, after its last use.
        let d: &'static WeakValueDictionary<Meddler, Item> = unsafe { &*raw };
        let one = Obj::new(Item);
        d.insert(Meddler(1), &one);
        let Entry::Vacant(entry) = d.entry(Meddler(2)) else {
            unreachable!("no value")
        };
        STASH.with(|stash| *stash.borrow_mut() = Some(entry));
        let outcome = catch_unwind(AssertUnwindSafe(|| d.get(&Meddler(1)).is_some()));
        let payload = outcome.expect_err("the re-entrant insert panics");
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or_default();
        assert!(message.contains("must not use the collection"), "{message}");
        assert_eq!(d.len(), 1, "still usable");
        assert!(d.get(&Meddler(1)).is_some());
        drop(one);
        assert!(d.is_empty());
        assert!(STASH.with(|stash| stash.borrow().is_none()));
        // SAFETY: from `Box::into_raw` above; nothing borrows it any more (the entry was
        // consumed), and `d` is not used after.
        drop(unsafe { Box::from_raw(raw) });
    }
}

/// What the `unsync` flavor does when a key's `Eq` uses its own collection (documented as
/// forbidden): a clear panic, not a `RefCell` error or undefined behaviour; the collection
/// stays usable.
#[allow(clippy::arc_with_non_send_sync)]
mod unsync_reentrancy {
    use std::cell::RefCell;
    use std::hash::{Hash, Hasher};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::rc::Rc;

    use weakref_core::unsync::{Obj, WeakValueDictionary, Weakrefable};

    #[derive(Weakrefable)]
    struct Item;

    type Shared = Rc<RefCell<Option<Rc<WeakValueDictionary<Key, Item>>>>>;

    /// A key whose `Eq` asks its own dictionary for its length.
    #[derive(Clone)]
    struct Key(u32, Shared);

    impl PartialEq for Key {
        fn eq(&self, other: &Self) -> bool {
            if let Some(dict) = self.1.borrow().as_ref() {
                let _ = dict.len();
            }
            self.0 == other.0
        }
    }

    impl Eq for Key {}

    impl Hash for Key {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }

    #[test]
    fn key_eq_using_its_own_collection_panics_clearly() {
        let shared: Shared = Rc::default();
        let dict = Rc::new(WeakValueDictionary::new());
        let item = Obj::new(Item);
        dict.insert(Key(1, Rc::clone(&shared)), &item);
        *shared.borrow_mut() = Some(Rc::clone(&dict));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            dict.get(&Key(1, Rc::default())).is_some()
        }));
        let message = outcome.unwrap_err();
        let message = message.downcast_ref::<&str>().copied().unwrap_or_default();
        assert!(message.contains("must not use the collection"), "{message}");
        shared.borrow_mut().take();
        assert_eq!(dict.len(), 1, "still usable");
        drop(item);
        assert!(dict.is_empty());
    }
}

/// Which collections are `Send` and `Sync`: the thread-safe ones exactly when their contents
/// allow it, the `unsync` ones never (checked without compiling failing code: an inherent
/// constant applies only when its bound holds, otherwise the trait's default does).
mod auto_traits {
    use std::cell::Cell;
    use std::marker::PhantomData;
    use std::rc::Rc;

    use weakref_core::{
        WeakIdSet, WeakKeyDictionary, WeakSet, WeakValueDictionary, Weakrefable, generic, unsync,
    };

    struct Probe<T: ?Sized>(PhantomData<T>);

    trait Fallback {
        const SEND: bool = false;
        const SYNC: bool = false;
    }

    impl<T: ?Sized> Fallback for Probe<T> {}

    impl<T: ?Sized + Send> Probe<T> {
        const SEND: bool = true;
    }

    /// A second inherent block cannot hold another `SEND`, so `SYNC` lives in a wrapper.
    struct SyncProbe<T: ?Sized>(PhantomData<T>);

    impl<T: ?Sized> Fallback for SyncProbe<T> {}

    impl<T: ?Sized + Sync> SyncProbe<T> {
        const SYNC: bool = true;
    }

    macro_rules! send_sync {
        ($t:ty) => {
            (<Probe<$t>>::SEND, <SyncProbe<$t>>::SYNC)
        };
    }

    #[derive(PartialEq, Eq, Hash, Weakrefable)]
    struct Item;

    /// `Send` but not `Sync`.
    #[derive(Weakrefable)]
    struct Flag(#[allow(dead_code)] Cell<bool>);

    trait Observer: Weakrefable {}

    #[test]
    fn the_probe_works() {
        assert_eq!(send_sync!(u8), (true, true));
        assert_eq!(send_sync!(Rc<u8>), (false, false));
        assert_eq!(send_sync!(Cell<u8>), (true, false));
    }

    #[test]
    fn thread_safe_collections_are_send_and_sync_for_thread_safe_contents() {
        assert_eq!(send_sync!(WeakValueDictionary<u8, Item>), (true, true));
        assert_eq!(send_sync!(WeakKeyDictionary<Item, u8>), (true, true));
        assert_eq!(send_sync!(WeakSet<Item>), (true, true));
        assert_eq!(send_sync!(generic::ValueDictIter<u8, Item>), (true, true));
        assert_eq!(send_sync!(generic::KeyDictIter<Item, u8>), (true, true));
        assert_eq!(send_sync!(generic::SetIter<Item>), (true, true));
        assert_eq!(send_sync!(generic::KeyedRef<u8, Item>), (true, true));
        // The bounds the fields gave before the entries held one-word handles: keys and values
        // owned by a collection need `Send`, weakly held objects `Send + Sync`, the hasher
        // `Send + Sync`.
        assert_eq!(
            send_sync!(WeakValueDictionary<Cell<u8>, Item>),
            (true, true)
        );
        assert_eq!(
            send_sync!(WeakValueDictionary<Rc<u8>, Item>),
            (false, false)
        );
        assert_eq!(send_sync!(WeakValueDictionary<u8, Flag>), (false, false));
        assert_eq!(send_sync!(WeakKeyDictionary<Item, Cell<u8>>), (true, true));
        assert_eq!(send_sync!(WeakKeyDictionary<Flag, u8>), (false, false));
        assert_eq!(send_sync!(WeakSet<Flag>), (false, false));
        assert_eq!(send_sync!(WeakIdSet<dyn Observer>), (false, false));
        assert_eq!(
            send_sync!(generic::ValueDictIter<Cell<u8>, Item>),
            (true, false)
        );
        assert_eq!(
            send_sync!(generic::KeyDictIter<Item, Cell<u8>>),
            (true, false)
        );
        assert_eq!(send_sync!(generic::KeyedRef<Cell<u8>, Item>), (true, false));
        assert_eq!(send_sync!(generic::SetIter<Flag>), (false, false));
    }

    #[test]
    fn unsync_collections_are_neither_send_nor_sync() {
        assert_eq!(
            send_sync!(unsync::WeakValueDictionary<u8, Item>),
            (false, false)
        );
        assert_eq!(
            send_sync!(unsync::WeakKeyDictionary<Item, u8>),
            (false, false)
        );
        assert_eq!(
            send_sync!(unsync::WeakIdKeyDictionary<Item, u8>),
            (false, false)
        );
        assert_eq!(send_sync!(unsync::WeakSet<Item>), (false, false));
        assert_eq!(send_sync!(unsync::WeakIdSet<Item>), (false, false));
        type Unsync = weakref_core::flavor::Unsync;
        assert_eq!(
            send_sync!(generic::ValueDictIter<u8, Item, Unsync>),
            (false, false)
        );
        assert_eq!(
            send_sync!(generic::KeyDictIter<Item, u8, Unsync>),
            (false, false)
        );
        assert_eq!(send_sync!(generic::SetIter<Item, Unsync>), (false, false));
        assert_eq!(
            send_sync!(generic::KeyedRef<u8, Item, Unsync>),
            (false, false)
        );
    }
}

/// The single-threaded flavor's trait objects need not be `Send`: observers that share an
/// `Rc`, in one `unsync::WeakIdSet<dyn Widget>`.
mod unsync_dyn {
    use std::cell::RefCell;
    use std::rc::Rc;

    use weakref_core::unsync::{Obj, WeakIdSet, WeakValueDictionary, Weakrefable, coerce};

    trait Widget: Weakrefable {
        fn render(&self);
    }

    #[derive(Weakrefable)]
    struct Label(Rc<RefCell<Vec<&'static str>>>);

    impl Widget for Label {
        fn render(&self) {
            self.0.borrow_mut().push("label");
        }
    }

    #[derive(Weakrefable)]
    struct Button(Rc<RefCell<Vec<&'static str>>>);

    impl Widget for Button {
        fn render(&self) {
            self.0.borrow_mut().push("button");
        }
    }

    #[test]
    fn non_send_trait_objects() {
        let screen = Rc::new(RefCell::new(Vec::new()));
        let label = Obj::new(Label(Rc::clone(&screen)));
        let button = Obj::new(Button(Rc::clone(&screen)));
        let widgets: WeakIdSet<dyn Widget> = WeakIdSet::new();
        widgets.add(&coerce!(label.clone()));
        widgets.add(&coerce!(button.clone()));
        let named: WeakValueDictionary<&str, dyn Widget> = WeakValueDictionary::new();
        named.insert("ok", &coerce!(button.clone()));
        for widget in &widgets {
            widget.render();
        }
        screen.borrow_mut().sort_unstable();
        assert_eq!(*screen.borrow(), ["button", "label"]);
        assert!(widgets.contains(&*label));
        drop(button);
        assert_eq!(widgets.len(), 1);
        assert!(named.is_empty());
        drop(label);
        assert!(widgets.is_empty());
    }
}
