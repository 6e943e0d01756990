// Checklist section 2, callbacks: when they run, in which order, which ones (items 10-16, 19,
// 20). Panics are in panics.rs, the order of death and re-entrancy in deaths.rs.

// CPython test_callback_when_object_dead: the callback runs once, when the referent dies, with
// the weakref itself as its argument (`calls == [r]`).
#[test]
fn item_10_callback_runs_once_with_its_own_ref() {
    let seen = Arc::new(Mutex::new(Vec::<wr::WeakRef<Node>>::new()));
    let o = wr::Obj::new(Node(10));
    let sink = Arc::clone(&seen);
    let r = wr::WeakRef::with_callback(&o, move |dead: &wr::WeakRef<Node>| {
        sink.lock().unwrap().push(dead.clone());
    });

    // Nothing but the death calls back.
    drop(wr::WeakRef::new(&o));
    drop(r.clone());
    drop(o.clone());
    drop(r.upgrade());
    assert!(seen.lock().unwrap().is_empty());

    drop(o);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].ptr_eq(&r),
        "the callback is given its own weak reference"
    );
}

// CPython: inside the callback `w()` is None; the referent cannot be brought back.
#[test]
fn item_11_ref_is_dead_inside_its_callback() {
    let log = new_log();
    let o = wr::Obj::new(Node(11));
    let sink = Arc::clone(&log);
    let _r = wr::WeakRef::with_callback(&o, move |me: &wr::WeakRef<Node>| {
        let upgraded = me.upgrade().is_some();
        push(
            &sink,
            format!("alive={} upgraded={upgraded}", me.is_alive()),
        );
    });
    drop(o);
    assert_eq!(entries(&log), ["alive=false upgraded=false"]);
}

// CPython test_multiple_selfref_callbacks: every weakref to the object (basic ref and refs
// with callbacks) is cleared before the first callback runs.
#[test]
fn item_12_all_refs_are_cleared_before_the_first_callback() {
    let log = new_log();
    let o = wr::Obj::new(Node(12));
    let all = Arc::new(Mutex::new(vec![wr::WeakRef::new(&o)]));
    for i in 0..3 {
        let all_in_callback = Arc::clone(&all);
        let sink = Arc::clone(&log);
        let r = wr::WeakRef::with_callback(&o, move |_| {
            let refs = all_in_callback.lock().unwrap();
            let live = refs.iter().filter(|r| r.upgrade().is_some()).count();
            push(
                &sink,
                format!("callback {i} sees {live} of {} alive", refs.len()),
            );
        });
        all.lock().unwrap().push(r);
    }
    let _late_shared = wr::WeakRef::new(&o);
    drop(o);
    assert_eq!(
        entries(&log),
        [
            "callback 2 sees 0 of 4 alive",
            "callback 1 sees 0 of 4 alive",
            "callback 0 sees 0 of 4 alive",
        ]
    );
}

// CPython test_multiple_callbacks: with several refs with callbacks, each callback runs once.
#[test]
fn item_13_every_callback_runs_exactly_once() {
    let o = wr::Obj::new(Node(13));
    let calls: Vec<_> = (0..5).map(|_| counter()).collect();
    let refs: Vec<_> = calls
        .iter()
        .map(|calls| wr::WeakRef::with_callback(&o, tally(calls)))
        .collect();
    drop(o);
    assert!(calls.iter().all(|calls| count(calls) == 1));
    drop(refs);
    assert!(calls.iter().all(|calls| count(calls) == 1));
}

// CPython: callbacks run from the most recently registered to the oldest, whatever shared
// refs were made in between ("the most recently created ref is cleaned up first").
#[test]
fn item_14_callbacks_newest_first() {
    let log = new_log();
    let o = wr::Obj::new(Node(14));
    let _a = wr::WeakRef::with_callback(&o, tag(&log, "a"));
    let _shared = wr::WeakRef::new(&o);
    let _b = wr::WeakRef::with_callback(&o, tag(&log, "b"));
    let _shared_again = wr::WeakRef::new(&o);
    let _c = wr::WeakRef::with_callback(&o, tag(&log, "c"));
    drop(o);
    assert_eq!(entries(&log), ["c", "b", "a"]);
}

// CPython: the order is by registration of the refs still alive: unregistering one in the
// middle, or dropping and remaking the shared ref, does not disturb it.
#[test]
fn item_14_callbacks_newest_first_after_unregistering() {
    let log = new_log();
    let o = wr::Obj::new(Node(14));
    let _a = wr::WeakRef::with_callback(&o, tag(&log, "a"));
    let shared = wr::WeakRef::new(&o);
    let b = wr::WeakRef::with_callback(&o, tag(&log, "b"));
    let _c = wr::WeakRef::with_callback(&o, tag(&log, "c"));
    drop(b);
    drop(shared);
    let _d = wr::WeakRef::with_callback(&o, tag(&log, "d"));
    let _shared = wr::WeakRef::new(&o);
    let _e = wr::WeakRef::with_callback(&o, tag(&log, "e"));
    drop(o);
    assert_eq!(entries(&log), ["e", "d", "c", "a"]);
}

// CPython (SF patch #1379023): a weakref dropped before its referent never calls back.
#[test]
fn item_15_ref_dropped_before_its_referent_never_calls_back() {
    let calls = counter();
    let o = wr::Obj::new(Node(15));
    let r = wr::WeakRef::with_callback(&o, tally(&calls));
    let kept = wr::WeakRef::with_callback(&o, tally(&calls));
    drop(r);
    drop(o);
    assert_eq!(count(&calls), 1, "only the reference still held calls back");
    assert!(!kept.is_alive());
}

// CPython: the callback belongs to the weakref object, not to one reference to it: it runs
// while any handle to it is held.
#[test]
fn item_15_a_remaining_clone_keeps_the_callback() {
    let calls = counter();
    let o = wr::Obj::new(Node(15));
    let r = wr::WeakRef::with_callback(&o, tally(&calls));
    let clone = r.clone();
    drop(r);
    drop(o);
    assert_eq!(count(&calls), 1);
    assert!(!clone.is_alive());
}

/// A value that watches an object it owns; `watch` is declared (so dropped) before `owner`.
struct Watcher {
    watch: wr::WeakRef<Tracked>,
    owner: wr::Obj<Tracked>,
}

// CPython test_subclass_refs_with_cycle (bpo-3100): a ref holding the only strong reference to
// its referent kills it when deleted, but its callback does not run.
#[test]
fn item_15_struct_dropping_its_ref_before_its_referent_does_not_call_back() {
    let drops = counter();
    let calls = counter();
    let owner = wr::Obj::new(Tracked::new(&drops));
    let watcher = Watcher {
        watch: wr::WeakRef::with_callback(&owner, tally(&calls)),
        owner,
    };
    let strong = watcher.watch.upgrade().expect("alive");
    assert!(wr::Obj::ptr_eq(&strong, &watcher.owner));
    drop(strong);

    drop(watcher);
    assert_eq!(count(&drops), 1, "the referent died with the struct");
    assert_eq!(
        count(&calls),
        0,
        "the ref was dropped first, so no callback"
    );
}

// CPython test_subclass_refs_with_cycle, one-ref variant: the ref's own state (here its
// callback's captures) holds the only strong reference; deleting the ref kills the referent
// and the callback does not run.
#[test]
fn item_15_callback_owning_its_referent_does_not_call_back() {
    let drops = counter();
    let calls = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let owned = o.clone();
    let sink = Arc::clone(&calls);
    let r = wr::WeakRef::with_callback(&o, move |_| {
        let _still_here = &owned;
        sink.fetch_add(1, SeqCst);
    });
    drop(o);
    assert!(
        r.is_alive(),
        "the callback's capture keeps the object alive"
    );
    drop(r);
    assert_eq!(count(&drops), 1);
    assert_eq!(count(&calls), 0);
}

// CPython test_subclass_refs_with_cycle, two-ref variant: two refs whose state owns the
// referent; deleting both kills it and neither callback runs.
#[test]
fn item_15_two_refs_owning_their_referent_do_not_call_back() {
    let drops = counter();
    let calls = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let mut refs = Vec::new();
    for _ in 0..2 {
        let owned = o.clone();
        let sink = Arc::clone(&calls);
        refs.push(wr::WeakRef::with_callback(&o, move |_| {
            let _still_here = &owned;
            sink.fetch_add(1, SeqCst);
        }));
    }
    drop(o);
    let second = refs.pop().unwrap();
    drop(refs);
    assert_eq!(
        count(&drops),
        0,
        "the second ref's callback still owns the object"
    );
    drop(second);
    assert_eq!(count(&drops), 1);
    assert_eq!(count(&calls), 0);
}

// CPython (PyObject_ClearWeakRefs holds every live ref with a callback): if an earlier
// callback drops the last outside handle of a later weakref, the later callback still runs.
#[test]
fn item_16_callbacks_are_fixed_when_clearing_starts() {
    let log = new_log();
    let o = wr::Obj::new(Node(16));
    let later = wr::WeakRef::with_callback(&o, tag(&log, "later"));
    let slot = Arc::new(Mutex::new(Some(later)));
    let slot_in_callback = Arc::clone(&slot);
    let sink = Arc::clone(&log);
    let _earlier = wr::WeakRef::with_callback(&o, move |_| {
        let taken = slot_in_callback.lock().unwrap().take();
        push(&sink, format!("earlier dropped later: {}", taken.is_some()));
        drop(taken);
    });
    drop(o);
    assert_eq!(entries(&log), ["earlier dropped later: true", "later"]);
    assert!(slot.lock().unwrap().is_none());
}

// CPython test_callback_attribute(_after_deletion): `__callback__` is the callback while the
// referent lives, None for callback-less refs, None once it died (also inside the callback).
#[test]
fn item_19_callback_pending() {
    let log = new_log();
    let o = wr::Obj::new(Node(19));
    let plain = wr::WeakRef::new(&o);
    let sink = Arc::clone(&log);
    let watched = wr::WeakRef::with_callback(&o, move |me: &wr::WeakRef<Node>| {
        push(&sink, format!("pending inside: {}", me.callback_pending()));
    });
    let other = wr::WeakRef::with_callback(&o, noop);
    assert!(!plain.callback_pending());
    assert!(watched.callback_pending() && watched.clone().callback_pending());
    assert!(other.callback_pending());

    drop(o);
    assert_eq!(entries(&log), ["pending inside: false"]);
    assert!(!plain.callback_pending());
    assert!(!watched.callback_pending());
    assert!(!other.callback_pending());
}

// CPython (clear_weakref): the weakref drops its callback, and what it captured, once it ran
// or once the weakref itself is dropped.
#[test]
fn item_20_callback_captures_are_dropped_once_it_ran() {
    let captured = Arc::new(());
    let strong_counts = Arc::new(Mutex::new(Vec::new()));
    let o = wr::Obj::new(Node(20));
    let capture = Arc::clone(&captured);
    let sink = Arc::clone(&strong_counts);
    let r = wr::WeakRef::with_callback(&o, move |_| {
        sink.lock().unwrap().push(Arc::strong_count(&capture));
    });
    assert_eq!(Arc::strong_count(&captured), 2);
    drop(o);
    assert_eq!(
        *strong_counts.lock().unwrap(),
        [2],
        "the capture lives while it runs"
    );
    assert_eq!(
        Arc::strong_count(&captured),
        1,
        "and is dropped right after"
    );
    assert!(!r.is_alive(), "although the weak reference is still held");
}

// CPython: dropping a live weakref drops its callback with everything it captured.
#[test]
fn item_20_dropping_a_live_ref_drops_its_callback() {
    let drops = counter();
    let captured = Arc::new(());
    let o = wr::Obj::new(Node(20));
    let capture = Arc::clone(&captured);
    let value = Tracked::new(&drops);
    let r = wr::WeakRef::with_callback(&o, move |_| {
        let _keep = (&capture, &value);
    });
    let clone = r.clone();
    drop(r);
    assert_eq!(
        Arc::strong_count(&captured),
        2,
        "a clone still holds the reference"
    );
    drop(clone);
    assert_eq!(Arc::strong_count(&captured), 1);
    assert_eq!(count(&drops), 1);
    assert_eq!(wr::getweakrefcount(&o), 0);
    assert_eq!(*o, Node(20), "the object itself is unaffected");
}
