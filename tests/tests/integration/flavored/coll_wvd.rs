// Checklist section 10: WeakValueDictionary.

#[test]
fn item_88_values_are_weak_and_identical_one_weakref_each() {
    let values = items(0..10);
    let d = wvd_of(&values);
    for (i, v) in values.iter().enumerate() {
        assert!(Obj::ptr_eq(&d.get(&(i as u32)).unwrap(), v));
        assert_eq!(getweakrefcount(v), 1);
    }
    // Storing one value under two keys creates two weak references (item 55).
    d.insert(100, &values[0]);
    assert_eq!(getweakrefcount(&values[0]), 2);
    assert_eq!(Obj::strong_count(&values[0]), 1, "the dictionary holds no strong handle");
}

#[test]
fn item_89_entry_disappears_when_value_dies() {
    let mut values = items(0..5);
    let d = wvd_of(&values);
    assert_eq!(d.len(), 5);
    values.pop();
    assert_eq!(d.len(), 4);
    assert!(!d.contains_key(&4));
    assert!(d.get(&4).is_none());
    values.clear();
    assert_eq!(d.len(), 0);
    assert!(d.is_empty());
    // SF #447152: a temporary value dies at once.
    d.insert(2, &Obj::new(Item(2)));
    assert!(d.get(&2).is_none());
    assert_eq!(d.len(), 0);
}

#[test]
fn item_91_old_value_death_never_removes_new_entry() {
    let old = Obj::new(Item(1));
    let d = WeakValueDictionary::new();
    d.insert(10, &old);
    // Keep the old entry's weak reference alive past its replacement, as `valuerefs` can.
    let escaped = d.valuerefs();
    let new = Obj::new(Item(2));
    assert!(Obj::ptr_eq(&d.insert(10, &new).unwrap(), &old));
    drop(old); // the old reference's callback fires: it must not remove the new entry
    assert_eq!(d.len(), 1);
    assert!(Obj::ptr_eq(&d.get(&10).unwrap(), &new));
    assert!(escaped[0].upgrade().is_none());
    drop(escaped);
    assert_eq!(d.len(), 1);
}

#[test]
fn item_92_construct_and_update_from_pairs() {
    let values = items(0..3);
    let d: WeakValueDictionary<u32, Item> =
        values.iter().map(|v| (v.0, v.clone())).collect();
    assert_eq!(d.len(), 3);
    let by_ref: WeakValueDictionary<u32, Item> = values.iter().map(|v| (v.0, v)).collect();
    assert!(d == by_ref);
    // From another weak dictionary: unwrapped to strong values and re-wrapped.
    let again: WeakValueDictionary<u32, Item> = d.iter().collect();
    for (k, v) in &d {
        assert!(Obj::ptr_eq(&again.get(&k).unwrap(), &v));
    }
    let mut updated = WeakValueDictionary::new();
    let extra = Obj::new(Item(7));
    updated.extend([(7, &extra)]);
    updated.extend(d.iter());
    assert_eq!(updated.len(), 4);
    assert!(Obj::ptr_eq(&updated.get(&1).unwrap(), &values[1]));
}

#[test]
fn item_93_setdefault_returns_live_or_stores_default() {
    let d = WeakValueDictionary::new();
    let a = Obj::new(Item(1));
    let b = Obj::new(Item(2));
    assert!(Obj::ptr_eq(&d.setdefault("k", &a), &a));
    assert!(Obj::ptr_eq(&d.setdefault("k", &b), &a));
    assert_eq!(getweakrefcount(&b), 0, "the unused default keeps no weak reference");
    drop(a);
    assert!(Obj::ptr_eq(&d.setdefault("k", &b), &b));
    assert_eq!(d.len(), 1);
    let made = d.get_or_insert_with("m", || Obj::new(Item(3)));
    assert_eq!(made.0, 3);
    assert!(Obj::ptr_eq(&d.get_or_insert_with("m", || unreachable!()), &made));
}

#[test]
fn item_94_pop_returns_live_value_or_none() {
    let d = WeakValueDictionary::new();
    let a = Obj::new(Item(1));
    d.insert(1, &a);
    assert!(Obj::ptr_eq(&d.remove(&1).unwrap(), &a));
    assert!(d.remove(&1).is_none(), "missing: Python's KeyError");
    d.insert(2, &a);
    drop(a);
    assert!(d.remove(&2).is_none(), "dead: Python's KeyError");
    let b = Obj::new(Item(5));
    d.insert(3, &b);
    let (k, v) = d.remove_entry(&3).unwrap();
    assert_eq!((k, v.0), (3, 5));
}

#[test]
fn item_95_popitem_pairs_and_empties() {
    let values = items(0..4);
    let d = wvd_of(&values);
    let mut seen = Vec::new();
    while let Some((k, v)) = d.popitem() {
        assert_eq!(k, v.0, "key and value are paired");
        seen.push(k);
    }
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3]);
    assert!(d.is_empty());
    assert!(d.popitem().is_none(), "empty: Python's KeyError");
}

#[test]
fn item_96_callbacks_hold_only_a_weak_pointer_to_the_dict() {
    let value = Obj::new(Item(1));
    let d = WeakValueDictionary::new();
    d.insert(1, &value);
    let refs = d.valuerefs();
    drop(d); // the dictionary goes first; the escaped reference keeps its callback armed
    assert!(refs[0].callback_pending());
    drop(value); // the callback finds no dictionary and does nothing
    assert!(refs[0].upgrade().is_none());
}

#[test]
fn item_97_valuerefs_carry_their_key() {
    let values = items(0..3);
    let d = wvd_of(&values);
    let mut refs = d.valuerefs();
    refs.sort_by_key(|r| *r.key());
    for (i, r) in refs.iter().enumerate() {
        assert_eq!(*r.key(), i as u32);
        assert!(Obj::ptr_eq(&r.upgrade().unwrap(), &values[i]));
        assert!(r.weakref().callback_pending());
    }
    assert_eq!(getweakrefcount(&values[0]), 1, "the entries' own references, not new ones");
    let (key, weak) = refs.pop().unwrap().into_parts();
    assert_eq!(key, 2);
    assert!(weak.is_alive());
}

#[test]
fn item_98_iteration_visits_each_live_entry_once() {
    let mut values = items(0..6);
    let d = wvd_of(&values);
    values.remove(2);
    let mut keys: Vec<u32> = d.keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, [0, 1, 3, 4, 5]);
    assert_eq!(sorted(d.values()), [0, 1, 3, 4, 5]);
    let mut pairs: Vec<(u32, u32)> = d.iter().map(|(k, v)| (k, v.0)).collect();
    pairs.sort_unstable();
    assert_eq!(pairs, [(0, 0), (1, 1), (3, 3), (4, 4), (5, 5)]);
}

#[test]
fn item_99_del_removes_only_that_entry() {
    let values = items(0..3);
    let d = wvd_of(&values);
    assert!(d.remove(&1).is_some());
    assert!(d.remove(&1).is_none(), "missing: Python's KeyError");
    assert_eq!(d.len(), 2);
    assert!(d.contains_key(&0) && d.contains_key(&2));
}

#[test]
fn item_100_copy_is_shallow_and_independent() {
    let mut values = items(0..4);
    let d = wvd_of(&values);
    let copy = d.clone();
    assert!(copy == d);
    for (k, v) in &copy {
        assert!(Obj::ptr_eq(&v, &d.get(&k).unwrap()), "the same value objects");
    }
    d.remove(&0);
    assert_eq!(copy.len(), 4, "removals from the original do not touch the copy");
    values.pop();
    assert_eq!((d.len(), copy.len()), (2, 3), "deaths reach both, independently");
}

#[test]
fn item_101_deep_copy_clones_keys_shares_values() {
    let value = Obj::new(Item(1));
    let d = WeakValueDictionary::new();
    d.insert(String::from("key"), &value);
    let copy = d.clone();
    let (key, v) = copy.iter().next().unwrap();
    assert_eq!(key, "key");
    assert!(Obj::ptr_eq(&v, &value), "values are shared: a deep-copied value would die");
}

#[test]
fn item_102_union_operators_right_side_wins() {
    let a = items(0..3);
    let b = items(10..12);
    let left = wvd_of(&a);
    let right: WeakValueDictionary<u32, Item> =
        b.iter().enumerate().map(|(i, v)| (i as u32 + 1, v)).collect();
    let merged = &left | &right;
    assert_eq!(merged.len(), 3);
    assert_eq!(merged.get(&0).unwrap().0, 0);
    assert_eq!(merged.get(&1).unwrap().0, 10, "the right side wins");
    assert_eq!(merged.get(&2).unwrap().0, 11);
    let mut inplace = left.clone();
    inplace |= [(5, &b[0])];
    assert_eq!(inplace.len(), 4);
    assert_eq!(left.len(), 3, "`|` left the receiver unchanged");
    drop(b);
    assert_eq!(merged.len(), 1, "entries from the right die independently");
    assert_eq!(inplace.len(), 3);
}

#[test]
fn item_103_equality_and_emptiness() {
    let values = items(0..3);
    let d1 = wvd_of(&values);
    let d2 = wvd_of(&values);
    assert!(d1 == d2);
    let other = Obj::new(Item(99));
    d2.insert(0, &other);
    assert!(d1 != d2, "different values");
    d2.insert(0, &Obj::new(Item(0))); // an equal, distinct value that dies at once
    assert!(d1 != d2, "the dead entry is gone");
    let empty: WeakValueDictionary<u32, Item> = WeakValueDictionary::default();
    assert!(empty.is_empty());
    assert!(empty == WeakValueDictionary::new());
    assert_eq!(format!("{:?}", wvd_of(&values[..1])), "{0: Item(0)}");
}

#[test]
fn item_55_collections_create_one_weakref_per_entry() {
    let v = Obj::new(Item(1));
    let d = WeakValueDictionary::new();
    d.insert(1, &v);
    d.insert(2, &v);
    assert_eq!(getweakrefcount(&v), 2, "one per WeakValueDictionary entry");
    let k: WeakKeyDictionary<Item, u32> = WeakKeyDictionary::new();
    k.insert(&v, 1);
    k.insert(&v, 2);
    assert_eq!(getweakrefcount(&v), 3, "re-assigning a key keeps one");
    let s: WeakSet<Item> = WeakSet::new();
    s.add(&v);
    s.add(&v);
    assert_eq!(getweakrefcount(&v), 4, "adding twice keeps one");
    drop((d, k, s));
    assert_eq!(getweakrefcount(&v), 0);
}

#[test]
fn wvd_borrowed_lookup_and_custom_hasher() {
    let d: WeakValueDictionary<String, Item, Fixed> = WeakValueDictionary::with_hasher(Fixed::default());
    let v = Obj::new(Item(1));
    d.insert("a".to_string(), &v);
    assert!(d.contains_key("a"));
    assert!(d.get("a").is_some());
    assert!(d.remove("a").is_some());
    let sized: WeakValueDictionary<String, Item> = WeakValueDictionary::with_capacity(16);
    assert!(sized.is_empty());
}

#[test]
fn item_92_update_through_a_shared_handle() {
    let values = items(0..3);
    let shared: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
    shared.update(values.iter().map(|v| (v.0, v)));
    shared.update([(0, values[2].clone())]);
    assert_eq!(shared.len(), 3);
    assert_eq!(shared.get(&0).unwrap().0, 2, "later pairs win");
    let keys: Arc<WeakKeyDictionary<Item, u32>> = Arc::new(WeakKeyDictionary::new());
    keys.update(values.iter().map(|v| (v, v.0)));
    keys.update([(values[0].clone(), 9)]);
    assert_eq!(keys.get(&Item(0)), Some(9));
}

#[test]
fn reinserting_the_live_value_stores_a_fresh_weak_reference() {
    // Python: `d[k] = v` stores a new `KeyedRef` even when `v` is the value already there.
    let v = Obj::new(Item(1));
    let d = WeakValueDictionary::new();
    d.insert(1, &v);
    let before = d.valuerefs();
    assert!(Obj::ptr_eq(&d.insert(1, &v).unwrap(), &v));
    let after = d.valuerefs();
    assert_eq!((before.len(), after.len(), d.len()), (1, 1, 1));
    assert!(!before[0].ptr_eq(&after[0]), "a fresh weak reference");
    // The old one is out of the dictionary but still a weak reference to `v`, as `before`
    // holds it; dropping it leaves the new one only.
    assert_eq!(getweakrefcount(&v), 2);
    drop(before);
    assert_eq!(getweakrefcount(&v), 1);
    assert!(wr::getweakrefs(&v)[0].ptr_eq(&after[0]));
    drop(v);
    assert!(d.is_empty());
    assert!(after[0].upgrade().is_none());
}
