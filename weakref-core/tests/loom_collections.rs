//! `loom` models of weak collections racing their entries' deaths.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=target/loom
//! cargo test -p weakref-core --test loom_collections --release` (`.ci/run` does).
//!
//! Under `--cfg loom` the collections' table and removal-queue locks are loom mutexes (through
//! the crate's loom shim), and the objects' counts and weak-reference lists use loom atomics,
//! so each model explores every interleaving of a death on one thread, whose removal callback
//! takes the queue lock and tries the table lock, with an operation on the collection on the
//! other. A removal that were ever stranded in the queue, or applied to the wrong entry, would
//! show up as a wrong `len()` or a wrong lookup at the end; a lock cycle, as a loom deadlock.
#![cfg(loom)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use loom::thread;
use weakref_core::{Obj, WeakKeyDictionary, WeakSet, WeakValueDictionary, Weakrefable};

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
