//! `loom` models of weak collections racing their entries' deaths.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=target/loom
//! cargo test -p weakref-core --test loom_collections --release` (`.ci/run` does).
//!
//! Under `--cfg loom` the collections' lock word (with the removals it carries), the objects'
//! counts and their weak-reference lists are loom atomics (through the crate's loom shim), and
//! waiting for a reserved key parks through loom, so each model explores every interleaving of a
//! death on one thread, whose removal locks the table or leaves the node on the lock word, with
//! an operation on the collection on the other. A removal that were ever stranded, or applied to
//! the wrong entry (a slot reused meanwhile), would show up as a wrong `len()` or a wrong lookup
//! at the end; a lock cycle or a lost wake-up, as a loom deadlock.
#![cfg(loom)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use loom::thread;
use weakref_core::{Obj, WeakKeyDictionary, WeakSet, WeakValueDictionary, Weakrefable};

/// Values made by a constructor, across a model's executions.
static BUILT: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, PartialEq, Eq, Hash, Weakrefable)]
struct Item(u32);

/// A value dies on one thread while its key is re-inserted with a new value on another: the
/// old value's removal must never delete the new entry (checklist item 91).
#[test]
fn value_dies_while_its_key_is_reinserted() {
    static OUTCOMES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    loom::model(|| {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let old = Obj::new(Item(1));
        d.insert(10, &old);
        let dying = thread::spawn(move || drop(old));
        let new = Obj::new(Item(2));
        let previous = d.insert(10, &new);
        OUTCOMES[usize::from(previous.is_some())].fetch_add(1, Ordering::Relaxed);
        // Either the old value was still alive (and is returned, so it dies when `previous`
        // drops), or it had died already.
        drop(previous);
        dying.join().unwrap();
        assert_eq!(d.len(), 1);
        assert!(Obj::ptr_eq(&d.get(&10).unwrap(), &new));
        drop(new);
        assert_eq!(d.len(), 0);
    });
    assert_both_explored(&OUTCOMES);
}

/// How many executions of a model ended each way (outside the model, so std atomics).
fn assert_both_explored(outcomes: &[AtomicUsize; 2]) {
    let counts = outcomes.each_ref().map(|n| n.load(Ordering::Relaxed));
    assert!(
        counts[0] > 0 && counts[1] > 0,
        "loom explored only one outcome: {counts:?}"
    );
}

/// A value dies while another thread calls `setdefault` for its key: the result is the old
/// value (still alive, held by the result) or the default, never dead, and the dictionary
/// ends consistent (checklist items 93 and 141).
#[test]
fn value_dies_during_setdefault() {
    static OUTCOMES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    loom::model(|| {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let old = Obj::new(Item(1));
        d.insert(10, &old);
        let dying = thread::spawn(move || drop(old));
        let fresh = Obj::new(Item(2));
        let got = d.setdefault(10, &fresh);
        let got_fresh = Obj::ptr_eq(&got, &fresh);
        assert!(got_fresh || got.0 == 1);
        OUTCOMES[usize::from(got_fresh)].fetch_add(1, Ordering::Relaxed);
        drop(got);
        dying.join().unwrap();
        // If the old value won, it died once `got` dropped and its entry went with it.
        assert_eq!(d.len(), usize::from(got_fresh));
    });
    assert_both_explored(&OUTCOMES);
}

/// A key dies on one thread while another calls `setdefault` with an equal, distinct key: the
/// caller gets the old entry's value (the old key was alive when matched) or stores its own;
/// afterwards the dictionary holds exactly the live entries.
#[test]
fn key_dies_during_setdefault() {
    static OUTCOMES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    loom::model(|| {
        let d: Arc<WeakKeyDictionary<Item, u32>> = Arc::new(WeakKeyDictionary::new());
        let key = Obj::new(Item(1));
        d.insert(&key, 1);
        let dying = thread::spawn(move || drop(key));
        let equal = Obj::new(Item(1));
        let value = d.setdefault(&equal, 2);
        OUTCOMES[usize::from(value == 2)].fetch_add(1, Ordering::Relaxed);
        dying.join().unwrap();
        if value == 2 {
            assert_eq!(d.len(), 1);
            assert_eq!(d.get(&equal), Some(2));
        } else {
            // The entry kept its original key (the first key wins), which has died since.
            assert_eq!(value, 1);
            assert_eq!(d.len(), 0);
            assert_eq!(d.get(&equal), None);
        }
    });
    assert_both_explored(&OUTCOMES);
}

/// Two values die on two threads while a third thread reads the length: both removals land,
/// whichever thread holds the table lock when they are queued.
#[test]
fn two_deaths_race_a_reader() {
    loom::model(|| {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let a = Obj::new(Item(1));
        let b = Obj::new(Item(2));
        d.insert(1, &a);
        d.insert(2, &b);
        let first = thread::spawn(move || drop(a));
        let second = thread::spawn(move || drop(b));
        assert!(d.len() <= 2);
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(d.len(), 0);
    });
}

/// An element dies while an equal element is added on another thread: the add reports whether
/// it stored the new element, and the set ends holding it exactly then (the first element
/// wins while it lives; items 126 and 118).
#[test]
fn element_dies_while_an_equal_one_is_added() {
    static OUTCOMES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    loom::model(|| {
        let s: Arc<WeakSet<Item>> = Arc::new(WeakSet::new());
        let first = Obj::new(Item(1));
        s.add(&first);
        let dying = thread::spawn(move || drop(first));
        let equal = Obj::new(Item(1));
        let added = s.add(&equal);
        OUTCOMES[usize::from(added)].fetch_add(1, Ordering::Relaxed);
        dying.join().unwrap();
        assert_eq!(s.contains(&equal), added);
        assert_eq!(s.len(), usize::from(added));
    });
    assert_both_explored(&OUTCOMES);
}

/// A value dies on one thread while the other removes its entry and inserts another, which may
/// take the slot the removal freed: the death's removal, whenever it lands, must remove nothing
/// but its own entry, and must never touch the slot's new node.
#[test]
fn slot_reuse_races_a_death() {
    static OUTCOMES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    loom::model(|| {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let a = Obj::new(Item(1));
        d.insert(1, &a);
        let dying = thread::spawn(move || drop(a));
        let removed = d.remove(&1);
        OUTCOMES[usize::from(removed.is_some())].fetch_add(1, Ordering::Relaxed);
        drop(removed);
        let b = Obj::new(Item(2));
        d.insert(2, &b);
        dying.join().unwrap();
        assert_eq!(d.len(), 1);
        assert!(d.get(&1).is_none());
        assert!(Obj::ptr_eq(&d.get(&2).unwrap(), &b));
        drop(b);
        assert_eq!(d.len(), 0);
    });
    assert_both_explored(&OUTCOMES);
}

/// An iterator stays open while an entry's value dies on another thread and a new entry is
/// inserted: it yields the live entries it started with (the dead one may or may not be reached
/// alive), never the new one, and keeps nothing alive; once it closes, the dead entry's slot is
/// free again and the dictionary holds exactly the live entries.
#[test]
fn iterator_open_across_a_death_and_an_insert() {
    loom::model(|| {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let a = Obj::new(Item(1));
        let b = Obj::new(Item(2));
        d.insert(1, &a);
        d.insert(2, &b);
        let mut it = d.iter();
        let dying = thread::spawn(move || drop(a));
        let c = Obj::new(Item(3));
        d.insert(3, &c);
        let mut keys: Vec<u32> = Vec::new();
        for (key, value) in it.by_ref() {
            assert_eq!(key, value.0);
            keys.push(key);
        }
        assert!(keys.contains(&2) && !keys.contains(&3), "{keys:?}");
        dying.join().unwrap();
        assert_eq!(d.len(), 2);
        drop(it);
        let e = Obj::new(Item(4));
        d.insert(4, &e);
        assert_eq!(d.len(), 3);
        assert!(d.get(&1).is_none());
        drop((b, c, e));
        assert!(d.is_empty());
    });
}

/// Two threads race `get_or_insert_with` for one missing key: the value is built once, and both
/// get it (the loser waits, parked, for the winner's value).
#[test]
fn get_or_insert_with_builds_once() {
    loom::model(|| {
        BUILT.store(0, Ordering::Relaxed);
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let make = || {
            BUILT.fetch_add(1, Ordering::Relaxed);
            Obj::new(Item(1))
        };
        let other = Arc::clone(&d);
        let racer = thread::spawn(move || other.get_or_insert_with(1, make));
        let mine = d.get_or_insert_with(1, make);
        let theirs = racer.join().unwrap();
        // Each holds its result until both are compared, so the value built first is alive when
        // the other looks: one value, built once, shared.
        assert!(Obj::ptr_eq(&mine, &theirs));
        assert_eq!(BUILT.load(Ordering::Relaxed), 1);
    });
}

/// The last outside handle of a removed entry's weak reference drops on one thread while the
/// dictionary itself drops on the other: the node's slot goes back to the table (or the table
/// is freed) exactly once, whichever is last.
#[test]
fn escaped_reference_and_dictionary_drop_together() {
    loom::model(|| {
        let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
        let a = Obj::new(Item(1));
        d.insert(1, &a);
        let refs = d.valuerefs();
        let holder = thread::spawn(move || drop(refs));
        drop(d);
        holder.join().unwrap();
        drop(a);
    });
}

/// A value is checked out (lent to a closure) on one thread while another clears the
/// dictionary: the entry leaves at once, and the value, given back after, is dropped then, once.
#[test]
fn checkout_races_clear() {
    loom::model(|| {
        let d: Arc<WeakKeyDictionary<Item, Arc<()>>> = Arc::new(WeakKeyDictionary::new());
        let key = Obj::new(Item(1));
        let value = Arc::new(());
        d.insert(&key, Arc::clone(&value));
        let lender = Arc::clone(&d);
        let probe = Obj::new(Item(1));
        let borrower = thread::spawn(move || {
            lender.get_with_mut(&probe, |v| Arc::strong_count(v));
        });
        d.clear();
        borrower.join().unwrap();
        assert!(d.is_empty());
        assert_eq!(
            Arc::strong_count(&value),
            1,
            "the lent value was dropped, once"
        );
        drop(key);
    });
}

/// A writer of a key that a vacant entry reserves waits (parked) until the entry is used, and
/// then writes after it.
#[test]
fn writer_waits_for_a_reservation() {
    loom::model(|| {
        let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
        let ours = Obj::new(Item(1));
        let weakref_core::collections::value_entry::Entry::Vacant(entry) = d.entry(1) else {
            unreachable!("empty")
        };
        let other = Arc::clone(&d);
        let writer = thread::spawn(move || {
            let theirs = Obj::new(Item(2));
            let previous = other.insert(1, &theirs).map(|p| p.0);
            (previous, theirs)
        });
        entry.insert(&ours);
        let (previous, theirs) = writer.join().unwrap();
        assert_eq!(previous, Some(1), "the write came after the entry's");
        assert!(Obj::ptr_eq(&d.get(&1).unwrap(), &theirs));
    });
}

/// A key that records, when dropped, whether it was dropped on the thread that made it.
#[derive(Debug)]
struct Recorder(u32, thread::ThreadId, &'static [AtomicUsize; 2]);

impl PartialEq for Recorder {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Recorder {}

impl std::hash::Hash for Recorder {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.0 == 1 {
            let here = usize::from(thread::current().id() == self.1);
            self.2[here].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A value dies on one thread while the other looks a key up (a section without a bin, whose
/// release does pushed work through a full guard): the death's removal either locks the table
/// itself, or is pushed onto the lock word while the reader holds it, and the reader, unlocking,
/// takes it and does it (its removed key is then dropped on the reader's thread, after the
/// lock). Both happen; the removal is never lost or done twice.
#[test]
fn removal_pushed_while_the_holder_unlocks() {
    static OUTCOMES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    /// Where the probes' drops are counted (not looked at).
    static PROBES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    loom::model(|| {
        let me = thread::current().id();
        let d: Arc<WeakValueDictionary<Recorder, Item>> = Arc::new(WeakValueDictionary::new());
        let a = Obj::new(Item(1));
        let b = Obj::new(Item(2));
        d.insert(Recorder(1, me, &OUTCOMES), &a);
        d.insert(Recorder(2, me, &OUTCOMES), &b);
        let dying = thread::spawn(move || drop(a));
        let found = d.get(&Recorder(2, me, &PROBES));
        assert!(Obj::ptr_eq(&found.unwrap(), &b));
        dying.join().unwrap();
        assert_eq!(d.len(), 1);
        assert!(d.get(&Recorder(1, me, &PROBES)).is_none());
        drop(b);
        assert!(d.is_empty());
    });
    // The key of the dead value's entry was dropped on the reader's thread (pushed) in some
    // executions and on the dying thread (it locked the table) in others.
    assert_both_explored(&OUTCOMES);
}
