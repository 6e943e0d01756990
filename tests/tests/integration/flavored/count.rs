// Checklist section 6, `getweakrefcount` and `getweakrefs` (items 51-54), and item 36 (the
// shared ref and callback refs side by side). Item 55 is about weak collections, which do not
// exist yet.

// CPython test_subclass_refs_dont_replace_standard_refs: a ref with a callback never becomes
// the basic ref; getweakrefs lists the basic ref first, then the others newest first.
#[test]
fn item_36_shared_ref_and_callback_refs_in_getweakrefs() {
    let o = wr::Obj::new(Node(36));
    let r1 = wr::WeakRef::with_callback(&o, noop);
    let r2 = wr::WeakRef::new(&o);
    assert!(!r1.ptr_eq(&r2));
    assert_eq!(wr::getweakrefcount(&o), 2);
    let refs = wr::getweakrefs(&o);
    assert_eq!(refs.len(), 2);
    assert!(refs[0].ptr_eq(&r2) && refs[1].ptr_eq(&r1));

    let r3 = wr::WeakRef::with_callback(&o, noop);
    assert_eq!(wr::getweakrefcount(&o), 3);
    let refs = wr::getweakrefs(&o);
    assert!(refs[0].ptr_eq(&r2), "the shared ref stays first");
    assert!(refs[1].ptr_eq(&r3) && refs[2].ptr_eq(&r1));
    assert!(
        wr::WeakRef::new(&o).ptr_eq(&r2),
        "new() never hands out a callback ref"
    );
}

// CPython test_getweakrefcount: the count is of weakref objects (a ref and a ref with a
// callback make 2), not of references to them.
#[test]
fn item_51_getweakrefcount_counts_weakref_objects() {
    let o = wr::Obj::new(Node(51));
    assert_eq!(wr::getweakrefcount(&o), 0);
    let shared = wr::WeakRef::new(&o);
    let _shared_again = wr::WeakRef::new(&o);
    let _shared_clone = shared.clone();
    assert_eq!(wr::getweakrefcount(&o), 1);
    let watched = wr::WeakRef::with_callback(&o, noop);
    let _watched_clone = watched.clone();
    assert_eq!(wr::getweakrefcount(&o), 2);
    let _more: Vec<_> = (0..2)
        .map(|_| wr::WeakRef::with_callback(&o, noop))
        .collect();
    assert_eq!(wr::getweakrefcount(&o), 4);
    let _refs = wr::getweakrefs(&o);
    assert_eq!(
        wr::getweakrefcount(&o),
        4,
        "getweakrefs makes handles, not weakrefs"
    );
    let other_handle = o.clone();
    assert_eq!(wr::getweakrefcount(&other_handle), 4, "counted per object");
}

// CPython test_getweakrefcount / test_getweakrefs: dropping a weakref unregisters it at once;
// with all of them gone the count is 0 and the list empty.
#[test]
fn item_52_dropping_a_weakref_unregisters_it() {
    let o = wr::Obj::new(Node(52));
    let shared = wr::WeakRef::new(&o);
    let a = wr::WeakRef::with_callback(&o, noop);
    let a_clone = a.clone();
    let b = wr::WeakRef::with_callback(&o, noop);
    assert_eq!(wr::getweakrefcount(&o), 3);

    drop(a);
    assert_eq!(wr::getweakrefcount(&o), 3, "a clone keeps it registered");
    drop(a_clone);
    assert_eq!(wr::getweakrefcount(&o), 2);
    let refs = wr::getweakrefs(&o);
    assert_eq!(refs.len(), 2);
    assert!(refs[0].ptr_eq(&shared) && refs[1].ptr_eq(&b));
    drop(refs);

    drop(shared);
    assert_eq!(wr::getweakrefcount(&o), 1);
    assert!(wr::getweakrefs(&o)[0].ptr_eq(&b));
    drop(b);
    assert_eq!(wr::getweakrefcount(&o), 0);
    assert!(wr::getweakrefs(&o).is_empty());
}

// CPython test_getweakrefcount: an object nothing weakly references gives 0 and `[]`. The
// "not weakrefable at all" case is a compile error here (tests/ui/getweakrefcount_*.rs).
#[test]
fn item_53_no_weakrefs_gives_zero_and_an_empty_list() {
    let o = wr::Obj::new(Node(53));
    assert_eq!(wr::getweakrefcount(&o), 0);
    assert!(wr::getweakrefs(&o).is_empty());
    drop(wr::WeakRef::with_callback(&o, noop));
    assert_eq!(wr::getweakrefcount(&o), 0);
    assert!(wr::getweakrefs(&o).is_empty());
}

// CPython: getweakrefs lists the basic ref first, then every other weakref newest first: the
// order the callbacks run in.
#[test]
fn item_54_getweakrefs_is_in_registry_order() {
    let log = new_log();
    let o = wr::Obj::new(Node(54));
    let a = wr::WeakRef::with_callback(&o, tag(&log, "a"));
    let b = wr::WeakRef::with_callback(&o, tag(&log, "b"));
    let shared = wr::WeakRef::new(&o);
    let c = wr::WeakRef::with_callback(&o, tag(&log, "c"));
    let refs = wr::getweakrefs(&o);
    let expected = [&shared, &c, &b, &a];
    assert_eq!(refs.len(), expected.len());
    assert!(
        refs.iter()
            .zip(expected)
            .all(|(got, want)| got.ptr_eq(want))
    );
    drop(refs);

    drop(o);
    assert_eq!(
        entries(&log),
        ["c", "b", "a"],
        "callbacks run in the same order"
    );
}

// CPython: getweakrefs returns a fresh list holding the weakrefs: while it is held, those
// weakrefs stay registered (and their callbacks run) even if every other handle is dropped.
#[test]
fn item_54_getweakrefs_returns_real_handles() {
    let calls = counter();
    let o = wr::Obj::new(Node(54));
    let a = wr::WeakRef::with_callback(&o, tally(&calls));
    let b = wr::WeakRef::with_callback(&o, tally(&calls));
    let mut refs = wr::getweakrefs(&o);
    drop((a, b));
    assert_eq!(wr::getweakrefcount(&o), 2);
    refs.pop();
    assert_eq!(
        wr::getweakrefcount(&o),
        1,
        "the listed handle was the last of the oldest"
    );
    assert_eq!(wr::getweakrefs(&o).len(), 1);
    drop(o);
    assert_eq!(count(&calls), 1);
    assert!(!refs[0].is_alive());
}
