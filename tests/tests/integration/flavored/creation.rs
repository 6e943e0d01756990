// Checklist section 1 (creation, identity, reuse of callback-less refs: items 1-9) and the
// composition counterpart of `ref` subclasses from section 4 (items 35 and 37).

// CPython: while `o` is alive, `ref(o)() is o`.
#[test]
fn item_01_upgrade_returns_the_same_object() {
    let o = wr::Obj::new(Node(1));
    let shared = wr::WeakRef::new(&o);
    let watched = wr::WeakRef::with_callback(&o, noop);
    let downgraded = wr::Obj::downgrade(&o);
    for weak in [&shared, &watched, &downgraded] {
        let strong = weak.upgrade().expect("the object is alive");
        assert!(wr::Obj::ptr_eq(&strong, &o));
        assert_eq!(*strong, Node(1));
        assert!(weak.is_alive());
    }
    assert_eq!(
        wr::Obj::strong_count(&o),
        1,
        "upgrades are ordinary strong handles"
    );
}

// CPython: `del o` (the last reference) makes `r()` return None at once, without a GC pass.
#[test]
fn item_02_dead_as_soon_as_the_last_handle_drops() {
    let drops = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let other_handle = o.clone();
    let shared = wr::WeakRef::new(&o);
    let watched = wr::WeakRef::with_callback(&o, noop);

    drop(o);
    assert!(shared.is_alive() && watched.is_alive());
    assert!(shared.upgrade().is_some());
    assert_eq!(count(&drops), 0);

    drop(other_handle);
    assert_eq!(
        count(&drops),
        1,
        "the value is dropped with its last handle"
    );
    for weak in [&shared, &watched] {
        assert!(!weak.is_alive());
        assert!(weak.upgrade().is_none());
        assert!(weak.upgrade().is_none(), "a dead object never comes back");
    }
}

/// A type that opts in by hand instead of with the derive.
struct ManualOptIn(u8);

impl wr::Weakrefable for ManualOptIn {}

// CPython: `ref(5)` raises TypeError("cannot create weak reference to 'int' object"). Here only
// `Weakrefable` types compile (tests/ui/weakref_new_*.rs); the trait is all it takes.
#[test]
fn item_03_weakrefable_types_can_be_weakly_referenced() {
    let o = wr::Obj::new(ManualOptIn(3));
    let weak = wr::WeakRef::new(&o);
    assert_eq!(weak.upgrade().map(|strong| strong.0), Some(3));
    assert_eq!(wr::getweakrefcount(&o), 1);
}

// CPython test_ref_reuse: `ref(o) is ref(o)` while the first one lives, even with a proxy made
// in between.
#[test]
fn item_04_shared_ref_reuse() {
    let o = wr::Obj::new(Node(4));
    let first = wr::WeakRef::new(&o);
    let with_callback = wr::WeakRef::with_callback(&o, noop);
    let second = wr::WeakRef::new(&o);
    let downgraded = wr::Obj::downgrade(&o);
    assert!(first.ptr_eq(&second));
    assert!(first.ptr_eq(&downgraded));
    assert!(!first.ptr_eq(&with_callback));
    assert_eq!(wr::getweakrefcount(&o), 2);
}

// CPython test_shared_ref_without_callback: `ref(o, None) is ref(o)`; no callback means the
// shared ref. Rust: `WeakRef::new`, `Obj::downgrade` and `clone` are the no-callback path.
#[test]
fn item_05_no_callback_means_the_shared_ref() {
    let o = wr::Obj::new(Node(5));
    let handles = [
        wr::WeakRef::new(&o),
        wr::Obj::downgrade(&o),
        wr::WeakRef::new(&o).clone(),
        wr::Obj::downgrade(&o.clone()),
    ];
    for weak in &handles {
        assert!(weak.ptr_eq(&handles[0]));
        assert!(!weak.callback_pending());
    }
    assert_eq!(wr::getweakrefcount(&o), 1);
}

// CPython: `ref(o, cb)` is a new object every time, even with the same `cb`, and is never handed
// out as the basic ref.
#[test]
fn item_06_callback_refs_are_never_shared() {
    let o = wr::Obj::new(Node(6));
    let a = wr::WeakRef::with_callback(&o, noop);
    let b = wr::WeakRef::with_callback(&o, noop);
    let shared = wr::WeakRef::new(&o);
    assert!(!a.ptr_eq(&b));
    assert!(!a.ptr_eq(&shared) && !b.ptr_eq(&shared));
    assert!(a.callback_pending() && b.callback_pending());
    assert!(!shared.callback_pending());
    assert_eq!(wr::getweakrefcount(&o), 3);
}

// CPython test_ref_reuse: once the basic ref is gone the count drops, and a later `ref(o)`
// makes a new basic ref.
#[test]
fn item_07_reuse_lasts_only_while_the_shared_ref_lives() {
    let o = wr::Obj::new(Node(7));
    let _watched = wr::WeakRef::with_callback(&o, noop);
    let first = wr::WeakRef::new(&o);
    let kept = first.clone();
    assert_eq!(wr::getweakrefcount(&o), 2);

    drop(first);
    assert_eq!(
        wr::getweakrefcount(&o),
        2,
        "a clone keeps the shared ref registered"
    );
    assert!(wr::WeakRef::new(&o).ptr_eq(&kept));

    drop(kept);
    assert_eq!(wr::getweakrefcount(&o), 1);

    let renewed = wr::WeakRef::new(&o);
    assert_eq!(wr::getweakrefcount(&o), 2);
    assert!(!renewed.callback_pending());
    assert!(wr::WeakRef::new(&o).ptr_eq(&renewed));
    assert!(wr::getweakrefs(&o)[0].ptr_eq(&renewed));
}

/// A weakly referenceable wrapper around a weak reference, as `WeakMethod` is in Python.
#[derive(wr::Weakrefable)]
struct BoundMethod {
    target: wr::WeakRef<Node>,
    name: &'static str,
}

// CPython: `ref(ref(o))` raises TypeError, but a subclass declaring `__weakref__` (WeakMethod)
// can be weakly referenced. Rust: `WeakRef` is not `Weakrefable`
// (tests/ui/weakref_of_weakref.rs); a `Weakrefable` wrapper in an `Obj` is.
#[test]
fn item_09_weak_reference_to_a_wrapper_of_a_weak_reference() {
    let target = wr::Obj::new(Node(9));
    let calls = counter();
    let method = wr::Obj::new(BoundMethod {
        target: wr::WeakRef::new(&target),
        name: "run",
    });
    let weak_method = wr::WeakRef::with_callback(&method, tally(&calls));
    let strong = weak_method.upgrade().expect("alive");
    assert_eq!(strong.name, "run");
    assert!(wr::Obj::ptr_eq(&strong.target.upgrade().unwrap(), &target));
    drop(strong);
    assert_eq!(wr::getweakrefcount(&target), 1);

    drop(method);
    assert_eq!(count(&calls), 1);
    assert!(!weak_method.is_alive());
    assert_eq!(
        wr::getweakrefcount(&target),
        0,
        "the wrapper's value was dropped"
    );
    assert_eq!(*target, Node(9));
}

/// Python's documented `ExtendedRef`: a weak reference with extra state and its own call.
struct ExtendedRef {
    weak: wr::WeakRef<Node>,
    label: &'static str,
    calls: AtomicUsize,
}

impl ExtendedRef {
    fn new(obj: &wr::Obj<Node>, label: &'static str) -> Self {
        Self {
            weak: wr::WeakRef::new(obj),
            label,
            calls: AtomicUsize::new(0),
        }
    }

    /// Like the doc's `__call__`: the referent and how often it was asked for, if alive.
    fn get(&self) -> Option<(wr::Obj<Node>, usize)> {
        let calls = self.calls.fetch_add(1, SeqCst) + 1;
        self.weak.upgrade().map(|obj| (obj, calls))
    }
}

// CPython libreftest `ExtendedRef`: a ref subclass with extra attributes and a counting
// `__call__` returning `(obj, n)`. Rust: composition around a `WeakRef`.
#[test]
fn item_35_composition_extends_a_weak_reference() {
    let o = wr::Obj::new(Node(35));
    let extended = ExtendedRef::new(&o, "extended");
    assert_eq!(extended.label, "extended");
    let (strong, calls) = extended.get().expect("alive");
    assert!(wr::Obj::ptr_eq(&strong, &o));
    assert_eq!(calls, 1);
    drop(strong);
    assert_eq!(extended.get().map(|(_, calls)| calls), Some(2));
    assert!(extended.weak.ptr_eq(&wr::WeakRef::new(&o)));

    drop(o);
    assert!(extended.get().is_none());
    assert_eq!(extended.calls.load(SeqCst), 3);
}

// CPython test_subclass_refs_dont_conflate_callbacks: refs with different callbacks are
// distinct, both registered, and each callback gets its own ref.
#[test]
fn item_37_refs_with_different_callbacks_stay_distinct() {
    let log = new_log();
    let o = wr::Obj::new(Node(37));
    let first_log = Arc::clone(&log);
    let first = wr::WeakRef::with_callback(&o, move |r: &wr::WeakRef<Node>| {
        push(&first_log, format!("first {r:?}"));
    });
    let second_log = Arc::clone(&log);
    let second = wr::WeakRef::with_callback(&o, move |r: &wr::WeakRef<Node>| {
        push(&second_log, format!("second {r:?}"));
    });
    assert!(!first.ptr_eq(&second));
    assert_eq!(wr::getweakrefcount(&o), 2);
    let refs = wr::getweakrefs(&o);
    assert!(refs.iter().any(|r| r.ptr_eq(&first)));
    assert!(refs.iter().any(|r| r.ptr_eq(&second)));
    drop(refs);

    drop(o);
    assert_eq!(
        entries(&log),
        [format!("second {second:?}"), format!("first {first:?}")]
    );
}
