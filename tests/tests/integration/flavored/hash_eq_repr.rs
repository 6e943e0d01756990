// Checklist section 3: hash, equality, ordering and repr of weak references (items 24-33).

/// A referent whose hash and equality follow a value that can change.
#[derive(Debug, wr::Weakrefable)]
struct Mutable(AtomicU64);

impl Mutable {
    fn new(value: u64) -> Self {
        Self(AtomicU64::new(value))
    }
}

impl Hash for Mutable {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.load(SeqCst).hash(state);
    }
}

impl PartialEq for Mutable {
    fn eq(&self, other: &Self) -> bool {
        self.0.load(SeqCst) == other.0.load(SeqCst)
    }
}

impl Eq for Mutable {}

// CPython test_hashing: a live ref hashes like its referent, `hash(ref(x)) == hash(x)`.
#[test]
fn item_24_live_ref_hashes_like_its_referent() {
    let o = wr::Obj::new(Node(24));
    let twin = wr::Obj::new(Node(24));
    let shared = wr::WeakRef::new(&o);
    let watched = wr::WeakRef::with_callback(&twin, noop);
    assert_eq!(shared.try_hash(), Some(hash_of(&Node(24))));
    assert_eq!(watched.try_hash(), Some(hash_of(&*twin)));
    assert!(shared == watched);
    assert_eq!(hash_of(&shared), hash_of(&watched), "equal refs hash alike");
    let different = wr::Obj::new(Node(25));
    let other = wr::WeakRef::new(&different);
    assert_eq!(other.try_hash(), Some(hash_of(&Node(25))));
    assert_ne!(other.try_hash(), shared.try_hash());
}

// CPython test_hashing: the hash is computed once and cached; later changes of the referent's
// hash are ignored, and the cached hash survives the referent's death.
#[test]
fn item_25_hash_is_cached_and_kept_after_death() {
    let o = wr::Obj::new(Mutable::new(1));
    let r = wr::WeakRef::with_callback(&o, noop);
    let shared = wr::WeakRef::new(&o);
    let h = r.try_hash().expect("alive");
    let hashed = hash_of(&r);
    let shared_hash = hash_of(&shared);
    let mut set = HashSet::new();
    set.insert(r.clone());

    o.0.store(2, SeqCst);
    assert_ne!(hash_of(&*o), hash_of(&Mutable::new(1)));
    assert_eq!(r.try_hash(), Some(h), "the cached hash ignores the change");
    assert_eq!(hash_of(&r), hashed);
    assert_eq!(
        hash_of(&wr::WeakRef::new(&o)),
        shared_hash,
        "cached in the shared ref"
    );
    let fresh = wr::WeakRef::with_callback(&o, noop);
    assert_eq!(
        fresh.try_hash(),
        Some(hash_of(&*o)),
        "a new ref hashes the current value"
    );
    assert_ne!(fresh.try_hash(), Some(h));

    drop(o);
    assert_eq!(r.try_hash(), Some(h), "kept after death");
    assert_eq!(hash_of(&r), hashed);
    assert_eq!(hash_of(&shared), shared_hash);
    assert!(set.contains(&r), "a dead ref is found again by itself");
}

// CPython test_hashing: hashing a dead ref that was never hashed while alive raises
// TypeError("weak object has gone away"). Rust: `try_hash` is None and `Hash` falls back to the
// ref's identity, consistently, so it still works as a set element.
#[test]
fn item_26_dead_never_hashed_ref() {
    let o = wr::Obj::new(Node(26));
    let r = wr::WeakRef::with_callback(&o, noop);
    let other = wr::WeakRef::with_callback(&o, noop);
    drop(o);
    assert_eq!(r.try_hash(), None);
    let h = hash_of(&r);
    assert_eq!(hash_of(&r), h, "hashing twice gives the same value");
    assert_eq!(hash_of(&r.clone()), h, "and so does a clone");

    let mut set = HashSet::new();
    assert!(set.insert(r.clone()));
    assert!(!set.insert(r.clone()));
    assert!(set.contains(&r));
    assert!(!set.contains(&other));
    assert!(set.insert(other.clone()));
    assert_eq!(set.len(), 2);
    assert!(set.remove(&r));
    assert!(set.contains(&other) && !set.contains(&r));
}

// CPython: `hash(r)` keeps raising TypeError for a dead ref never hashed while alive, however
// often it is tried; `try_hash` (its Rust counterpart) stays None after `Hash` was used.
#[test]
fn item_26_try_hash_stays_none_after_hashing_a_dead_ref() {
    let o = wr::Obj::new(Node(26));
    let r = wr::WeakRef::with_callback(&o, noop);
    drop(o);
    let _ = hash_of(&r);
    assert_eq!(r.try_hash(), None);
}

/// A referent whose equality check panics, as a raising `__eq__` does.
#[derive(wr::Weakrefable)]
struct Touchy;

impl PartialEq for Touchy {
    fn eq(&self, _: &Self) -> bool {
        panic!("eq called");
    }
}

/// A referent that is not equal to itself (like NaN, or an `__eq__` returning False).
#[derive(wr::Weakrefable)]
struct NeverEqual;

impl PartialEq for NeverEqual {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}

// CPython test_equality: two live refs compare like their referents; refs to distinct but equal
// objects are equal.
#[test]
fn item_27_live_refs_compare_like_their_referents() {
    let a = wr::Obj::new(Node(1));
    let b = wr::Obj::new(Node(1));
    let c = wr::Obj::new(Node(2));
    assert!(wr::WeakRef::new(&a) == wr::WeakRef::new(&b));
    assert!(wr::WeakRef::with_callback(&a, noop) == wr::WeakRef::with_callback(&b, noop));
    assert!(wr::WeakRef::new(&a) != wr::WeakRef::new(&c));
    assert!(wr::WeakRef::new(&c) != wr::WeakRef::with_callback(&b, noop));
}

// CPython test_equality: an exception from the referent's `__eq__` propagates out of `==`.
#[test]
fn item_27_referent_eq_is_called_and_its_panic_propagates() {
    let a = wr::Obj::new(Touchy);
    let b = wr::Obj::new(Touchy);
    let (ra, rb) = (wr::WeakRef::new(&a), wr::WeakRef::new(&b));
    let outcome = catch_unwind(AssertUnwindSafe(|| ra == rb));
    let payload = outcome.expect_err("the referent's eq ran");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"eq called"));
}

// CPython: `ref(x) == ref(x)` is `x == x` while `x` lives (PyObject_RichCompare, no identity
// shortcut): a referent unequal to itself gives unequal refs.
#[test]
fn item_27_live_ref_compared_with_itself_asks_its_referent() {
    let o = wr::Obj::new(NeverEqual);
    let r = wr::WeakRef::new(&o);
    let watched = wr::WeakRef::with_callback(&o, noop);
    assert!(watched != r);
    assert!(!PartialEq::eq(&r, &r.clone()), "r == r is x == x");
    drop(o);
    assert!(PartialEq::eq(&r, &r.clone()), "a dead ref equals itself");
}

// CPython test_equality (issue #16453): once either ref is dead, `a == b` iff `a is b`; a dead
// ref equals itself.
#[test]
fn item_28_dead_refs_equal_only_themselves() {
    let a = wr::Obj::new(Node(1));
    let b = wr::Obj::new(Node(1));
    let ra = wr::WeakRef::new(&a);
    let ra_callback = wr::WeakRef::with_callback(&a, noop);
    let rb = wr::WeakRef::new(&b);
    assert!(ra == rb && ra == ra_callback);

    drop(a);
    assert!(ra != rb, "dead against live");
    assert!(rb != ra, "live against dead");
    assert!(ra != ra_callback, "two dead refs to the same object");
    assert!(PartialEq::eq(&ra, &ra));
    assert!(ra == ra.clone());
    assert!(ra_callback == ra_callback.clone());
    assert!(rb == wr::WeakRef::new(&b));
}

// CPython check_weak_destroy_and_mutate_while_iterating: an entry keyed by a now-dead ref can
// never be found or removed through a fresh ref to an equal object.
#[test]
fn item_29_dead_key_is_never_found_through_a_live_ref() {
    let a = wr::Obj::new(Node(29));
    let ra = wr::WeakRef::with_callback(&a, noop);
    let mut map = HashMap::new();
    map.insert(ra.clone(), "dead");
    drop(a);

    let b = wr::Obj::new(Node(29));
    let rb = wr::WeakRef::new(&b);
    assert_eq!(ra.try_hash(), rb.try_hash(), "the same hash");
    assert_eq!(map.get(&rb), None);
    assert_eq!(map.remove(&rb), None);
    assert_eq!(map.get(&ra), Some(&"dead"));
    map.insert(rb.clone(), "live");
    assert_eq!(map.len(), 2);
    assert_eq!(map.get(&rb), Some(&"live"));
}

// CPython (weakref_richcompare): equality ignores callbacks; a ref with a callback and one
// without, to the same live object, are equal.
#[test]
fn item_30_equality_ignores_callbacks() {
    let o = wr::Obj::new(Node(30));
    let shared = wr::WeakRef::new(&o);
    let first = wr::WeakRef::with_callback(&o, noop);
    let second = wr::WeakRef::with_callback(&o, |_| {});
    assert!(shared == first);
    assert!(first == shared);
    assert!(first == second);
    assert_eq!(hash_of(&shared), hash_of(&first));
}

/// A referent equal to everything of its type, like CPython's `ALWAYS_EQ`.
#[derive(wr::Weakrefable)]
struct AlwaysEq(u32);

impl PartialEq for AlwaysEq {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

// CPython test_equality: `ref(x) == x` is False (NotImplemented), but refs to objects whose
// `__eq__` always says True compare equal. Rust: `PartialEq` only between weak references
// (tests/ui/weakref_eq_obj.rs), delegating to the referents.
#[test]
fn item_31_equality_between_refs_delegates_to_referents() {
    let a = wr::Obj::new(AlwaysEq(1));
    let b = wr::Obj::new(AlwaysEq(2));
    assert_ne!(a.0, b.0);
    assert!(wr::WeakRef::new(&a) == wr::WeakRef::new(&b));
}

/// A referent whose `Debug` must never be called by a weak reference's `Debug`.
#[derive(wr::Weakrefable)]
struct LoudDebug;

impl std::fmt::Debug for LoudDebug {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("the referent's Debug was called");
    }
}

/// A referent without `Debug`.
#[derive(wr::Weakrefable)]
struct Opaque;

// CPython: repr(r) is `<weakref at 0x…; to 'C' at 0x…>` while alive and `<weakref at 0x…;
// dead>` once dead, and never raises (test_basic_ref, test_repr_failure_gh99184).
#[test]
fn item_33_debug_format() {
    let o = wr::Obj::new(Node(33));
    let r = wr::WeakRef::new(&o);
    let live = format!("{r:?}");
    assert!(live.starts_with("<weakref at 0x"), "{live}");
    assert!(
        live.contains(&format!("; to '{}' at ", type_name::<Node>())),
        "{live}"
    );
    assert!(live.contains("Node' at 0x"), "{live}");
    assert!(
        live.ends_with(&format!("' at {:p}>", wr::Obj::as_ptr(&o))),
        "{live}"
    );
    let (head, _) = live.split_once(';').unwrap();
    assert_eq!(
        format!("{:?}", r.clone()),
        live,
        "a clone is the same weakref"
    );
    assert_eq!(format!("{:?}", wr::WeakRef::new(&o)), live);

    let watched = wr::WeakRef::with_callback(&o, noop);
    let watched_live = format!("{watched:?}");
    assert!(
        watched_live.starts_with("<weakref at 0x") && watched_live.ends_with(&live[head.len()..])
    );
    assert_ne!(
        watched_live, live,
        "another weakref object has another address"
    );

    drop(o);
    assert_eq!(format!("{r:?}"), format!("{head}; dead>"));
    let (watched_head, _) = watched_live.split_once(';').unwrap();
    assert_eq!(format!("{watched:?}"), format!("{watched_head}; dead>"));
}

// CPython test_repr_failure_gh99184: repr of a ref never depends on the referent's own repr.
#[test]
fn item_33_debug_never_touches_the_referent() {
    let loud = wr::Obj::new(LoudDebug);
    let opaque = wr::Obj::new(Opaque);
    let loud_ref = wr::WeakRef::new(&loud);
    let opaque_ref = wr::WeakRef::new(&opaque);
    assert!(format!("{loud_ref:?}").contains("LoudDebug' at 0x"));
    assert!(format!("{opaque_ref:#?}").contains("Opaque' at 0x"));
    drop((loud, opaque));
    assert!(format!("{loud_ref:?}").ends_with("; dead>"));
    assert!(format!("{opaque_ref:?}").ends_with("; dead>"));
}

// CPython: a callback sees its ref as dead in its repr too.
#[test]
fn item_33_debug_inside_a_callback_shows_dead() {
    let log = new_log();
    let o = wr::Obj::new(Node(33));
    let sink = Arc::clone(&log);
    let r = wr::WeakRef::with_callback(&o, move |me: &wr::WeakRef<Node>| {
        push(&sink, format!("{me:?}"))
    });
    let (head, _) = format!("{r:?}")
        .split_once(';')
        .map(|(h, t)| (h.to_owned(), t.to_owned()))
        .unwrap();
    drop(o);
    assert_eq!(entries(&log), [format!("{head}; dead>")]);
}

/// A referent whose `Hash` drops the last other strong handle to its own object, so that the
/// temporary handle of the first hash is the one whose drop kills it.
#[derive(wr::Weakrefable)]
struct LastHandleInHash {
    other: Mutex<Option<wr::Obj<LastHandleInHash>>>,
    key: u32,
}

impl PartialEq for LastHandleInHash {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for LastHandleInHash {}

impl Hash for LastHandleInHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        drop(self.other.lock().unwrap().take());
        self.key.hash(state);
    }
}

// Regression: the first hash of a reference was published only after its temporary strong
// handle was dropped. When that drop was the referent's death, the callbacks (here, one that
// files its dead reference in a `HashSet`) saw "dead, never hashed" and hashed the identity,
// and later lookups, with the cached referent hash, missed the entry.
#[test]
fn the_hash_is_published_before_the_first_hash_lets_the_referent_die() {
    let filed = Arc::new(Mutex::new(HashSet::<wr::WeakRef<LastHandleInHash>>::new()));
    let o = wr::Obj::new(LastHandleInHash {
        other: Mutex::new(None),
        key: 9,
    });
    let sink = Arc::clone(&filed);
    let r = wr::WeakRef::with_callback(&o, move |dead: &wr::WeakRef<LastHandleInHash>| {
        sink.lock().unwrap().insert(dead.clone());
    });
    // Hand the only strong handle to the referent itself; `Hash` will drop it.
    *o.other.lock().unwrap() = Some(o.clone());
    drop(o);
    assert!(r.is_alive());

    let hash = hash_of(&r); // upgrade, hash (drops the other handle), publish, release: death
    assert!(!r.is_alive());
    assert_eq!(r.try_hash(), Some(hash_of(&9_u32)));
    assert_eq!(hash, hash_of(&r));
    let filed = filed.lock().unwrap();
    assert_eq!(filed.len(), 1);
    assert!(filed.contains(&r), "the callback filed the reference under its final hash");
}
