// Checklist section 2, the order of a death and re-entrant callbacks (items 21 and 22),
// including ownership chains long enough to overflow the stack if deaths recursed.

/// A value holding a weak reference to its own object.
#[derive(wr::Weakrefable)]
struct SelfWatching {
    watch: Mutex<Option<wr::WeakRef<SelfWatching>>>,
    drops: Arc<AtomicUsize>,
}

impl Drop for SelfWatching {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

// CPython (subtype_dealloc clears weakrefs before the fields): a weakref stored inside its own
// referent still gets its callback.
#[test]
fn item_21_ref_stored_in_its_own_referent_calls_back() {
    let drops = counter();
    let calls = counter();
    let o = wr::Obj::new(SelfWatching {
        watch: Mutex::new(None),
        drops: Arc::clone(&drops),
    });
    let watch = wr::WeakRef::with_callback(&o, tally(&calls));
    *o.watch.lock().unwrap() = Some(watch);
    assert_eq!(wr::getweakrefcount(&o), 1);
    drop(o);
    assert_eq!(count(&calls), 1);
    assert_eq!(count(&drops), 1);
}

// CPython: callbacks never see a half-destroyed object: when they run the referent is
// unreachable but its fields are intact. Rust: in the callback `upgrade` is None and the
// value's `Drop` has not run yet; it runs right after the callbacks.
#[test]
fn item_21_callbacks_never_see_a_half_dropped_value() {
    let drops = counter();
    let log = new_log();
    let o = wr::Obj::new(Tracked::new(&drops));
    let mut refs = Vec::new();
    for name in ["older", "newer"] {
        let sink = Arc::clone(&log);
        let drops_seen = Arc::clone(&drops);
        refs.push(wr::WeakRef::with_callback(
            &o,
            move |me: &wr::WeakRef<Tracked>| {
                let upgraded = me.upgrade().is_some();
                let dropped = count(&drops_seen);
                push(
                    &sink,
                    format!("{name}: upgraded={upgraded} dropped={dropped}"),
                );
            },
        ));
    }
    drop(o);
    let seen = entries(&log);
    assert_eq!(
        seen,
        [
            "newer: upgraded=false dropped=0",
            "older: upgraded=false dropped=0",
        ]
    );
    assert_eq!(count(&drops), 1);
}

// CPython test_sf_bug_840829 / test_callback_gcs: callbacks may re-enter the library: make
// weakrefs (with callbacks) to other objects, query them, and drop other objects, which runs
// their deaths (and callbacks) nested inside the first.
#[test]
fn item_22_callbacks_reenter_the_library() {
    let log = new_log();
    let other = wr::Obj::new(Node(2));
    let third = wr::Obj::new(Node(3));
    let created = Arc::new(Mutex::new(Vec::new()));
    let o = wr::Obj::new(Node(1));
    let sink = Arc::clone(&log);
    let third_in_callback = third.clone();
    let created_in_callback = Arc::clone(&created);
    let _r = wr::WeakRef::with_callback(&o, move |_| {
        push(&sink, "outer start");
        let mut created = created_in_callback.lock().unwrap();
        created.push(wr::WeakRef::with_callback(
            &third_in_callback,
            tag(&sink, "third died"),
        ));
        created.push(wr::WeakRef::new(&third_in_callback));
        let other_watch = wr::WeakRef::with_callback(&other, tag(&sink, "other died"));
        push(
            &sink,
            format!(
                "counts {} {}",
                wr::getweakrefcount(&third_in_callback),
                wr::getweakrefs(&other).len()
            ),
        );
        drop(other); // the last handle: a nested death, whose callback runs now
        push(&sink, format!("other alive: {}", other_watch.is_alive()));
        push(&sink, "outer end");
    });
    drop(o);
    assert_eq!(
        entries(&log),
        [
            "outer start",
            "counts 2 1",
            "other died",
            "other alive: false",
            "outer end"
        ]
    );
    assert_eq!(
        wr::getweakrefcount(&third),
        2,
        "refs made in a callback are registered"
    );
    drop(third);
    assert_eq!(entries(&log).last().map(String::as_str), Some("third died"));
    assert!(created.lock().unwrap().iter().all(|r| !r.is_alive()));
}

// CPython: a callback may drop another weak reference to the object that is dying, and make
// and drop a shared ref to another object.
#[test]
fn item_22_callback_drops_refs_to_the_dying_object() {
    let log = new_log();
    let o = wr::Obj::new(Node(22));
    let bystander = wr::Obj::new(Node(0));
    let plain = Arc::new(Mutex::new(Some(wr::WeakRef::new(&o))));
    let victim = Arc::new(Mutex::new(Some(wr::WeakRef::with_callback(
        &o,
        tag(&log, "victim"),
    ))));
    let sink = Arc::clone(&log);
    let (plain_in_callback, victim_in_callback) = (Arc::clone(&plain), Arc::clone(&victim));
    let _dropper = wr::WeakRef::with_callback(&o, move |_| {
        drop(plain_in_callback.lock().unwrap().take());
        drop(victim_in_callback.lock().unwrap().take());
        let shared = wr::WeakRef::new(&bystander);
        push(
            &sink,
            format!("bystander refs {}", wr::getweakrefcount(&bystander)),
        );
        drop(shared);
        push(
            &sink,
            format!("bystander refs {}", wr::getweakrefcount(&bystander)),
        );
    });
    drop(o);
    assert_eq!(
        entries(&log),
        ["bystander refs 1", "bystander refs 0", "victim"]
    );
    assert!(plain.lock().unwrap().is_none() && victim.lock().unwrap().is_none());
}

/// A link of a chain of objects, each owning the next.
#[derive(wr::Weakrefable)]
struct Link {
    next: Option<wr::Obj<Link>>,
    drops: Arc<AtomicUsize>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// Chain length for the stack-safety tests, run on a 2 MiB stack, which deaths that recursed
/// would overflow long before a hundred thousand links. (The million-link chains, in every
/// phase of a thread's and the process's life, are `deep_chains`'.)
const CHAIN: usize = if cfg!(miri) { 1_000 } else { 100_000 };

/// Runs `f` on a thread with a 2 MiB stack and returns its result.
fn on_small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the thread finished without panicking")
}

// CPython test_trashcan_16602: a long deallocation chain, each object with a weakref callback,
// neither overflows the stack nor skips a callback.
#[test]
fn item_22_dropping_a_long_chain_is_stack_safe() {
    let (calls, drops, alive) = on_small_stack(|| {
        let calls = counter();
        let drops = counter();
        let mut refs = Vec::with_capacity(CHAIN);
        let mut head: Option<wr::Obj<Link>> = None;
        for _ in 0..CHAIN {
            let link = wr::Obj::new(Link {
                next: head.take(),
                drops: Arc::clone(&drops),
            });
            refs.push(wr::WeakRef::with_callback(&link, tally(&calls)));
            head = Some(link);
        }
        assert_eq!(count(&calls), 0);
        let second = head.as_ref().and_then(|first| first.next.as_ref());
        assert!(second.is_some_and(|second| {
            refs[CHAIN - 2]
                .upgrade()
                .is_some_and(|r| wr::Obj::ptr_eq(&r, second))
        }));
        drop(head);
        let alive = refs.iter().filter(|r| r.is_alive()).count();
        (count(&calls), count(&drops), alive)
    });
    assert_eq!(calls, CHAIN, "every callback ran");
    assert_eq!(drops, CHAIN, "every value was dropped");
    assert_eq!(alive, 0);
}

// CPython test_trashcan_16602 (callbacks inside the chain): each callback drops the last handle
// of the next object, so every death starts inside a callback of the previous one.
#[test]
fn item_22_deaths_started_by_callbacks_are_stack_safe() {
    let (calls, drops) = on_small_stack(|| {
        let calls = counter();
        let drops = counter();
        let mut refs = Vec::with_capacity(CHAIN);
        let mut next: Option<wr::Obj<Tracked>> = None;
        for _ in 0..CHAIN {
            let current = wr::Obj::new(Tracked::new(&drops));
            let sink = Arc::clone(&calls);
            let owned_next = next.take();
            refs.push(wr::WeakRef::with_callback(&current, move |_| {
                sink.fetch_add(1, SeqCst);
                drop(owned_next);
            }));
            next = Some(current);
        }
        drop(next);
        (count(&calls), count(&drops))
    });
    assert_eq!(calls, CHAIN);
    assert_eq!(drops, CHAIN);
}
