// Checklist section 12: iteration while entries die, and the re-entrancy items of sections
// 11 and 14 that both flavors share.

#[test]
fn item_117_entries_dying_mid_iteration() {
    let mut values = items(0..10);
    let d = wvd_of(&values);
    let keys = wkd_of(&values);
    let s = set_of(&values);
    let mut it_d = d.iter();
    let mut it_k = keys.iter();
    let mut it_s = s.iter();
    let first = (it_d.next().unwrap(), it_k.next().unwrap(), it_s.next().unwrap());
    let held = [first.0.1.clone(), first.1.0.clone(), first.2.clone()];
    values.clear(); // everything not yet yielded dies; the yielded items are ours
    let rest: Vec<Obj<Item>> = it_d
        .map(|(_, v)| v)
        .chain(it_k.map(|(k, _)| k))
        .chain(it_s)
        .collect();
    assert!(rest.iter().all(|o| held.iter().any(|h| Obj::ptr_eq(h, o))), "only survivors");
    let alive = sorted(held.iter().cloned()).into_iter().collect::<std::collections::BTreeSet<_>>();
    assert_eq!(d.len(), alive.len());
    assert_eq!((keys.len(), s.len()), (alive.len(), alive.len()));
    drop((first, held, rest));
    assert_eq!((d.len(), keys.len(), s.len()), (0, 0, 0));
}

#[test]
fn item_117_one_death_leaves_len_minus_one_or_len() {
    let mut values = items(0..10);
    let s = set_of(&values);
    let mut it = s.iter();
    let yielded = it.next().unwrap();
    values.pop();
    let rest = it.count();
    assert!(rest == 8 || rest == 9, "{rest}");
    drop(yielded);
    assert_eq!(s.len(), 9);
}

#[test]
fn item_118_dead_entries_are_logically_gone_and_reinsertion_sticks() {
    let mut values = items(0..5);
    let mut d = wvd_of(&values);
    let kd = wkd_of(&values);
    let s = set_of(&values);
    let it = (d.iter(), kd.iter(), s.iter());
    let victim = values.pop().unwrap();
    let value = victim.0;
    drop(victim);
    assert!(!d.contains_key(&4) && d.get(&4).is_none() && d.remove(&4).is_none());
    assert!(!kd.contains_key(&Item(value)) && kd.remove(&Item(value)).is_none());
    assert!(!s.contains(&Item(value)) && s.remove(&Item(value)).is_err());
    let again = Obj::new(Item(value));
    d.insert(4, &again);
    kd.insert(&again, 1);
    s.add(&again);
    drop(it);
    assert_eq!((d.len(), kd.len(), s.len()), (5, 5, 5), "the re-inserted entries stick");
    let copy = d.clone();
    let mut it = d.iter();
    it.next();
    d.clear();
    d.extend(copy.iter());
    assert!(d == copy);
    d.clear();
    assert_eq!(d.len(), 0);
    assert!(it.count() <= 4);
}

#[test]
fn item_119_len_exact_while_iterating_and_removing() {
    let mut values = items(0..10);
    let s = set_of(&values);
    let n = s.len();
    let mut it = s.iter();
    it.next();
    values.pop();
    assert_eq!(s.len(), n - 1);
    let o = Obj::new(Item(100));
    s.add(&o);
    assert_eq!(s.len(), n);
    s.discard(&values[0]);
    assert_eq!(s.len(), n - 1);
    let popped = s.pop().unwrap();
    assert_eq!(s.len(), n - 2);
    drop(popped); // `values` still holds it (or it was `o`)
    // A key both pending removal and removed explicitly is subtracted once.
    let d = wvd_of(&values);
    let before = d.len();
    let victim = values.pop().unwrap();
    let idx = values.len() as u32;
    drop(victim);
    assert!(d.remove(&idx).is_none());
    assert_eq!(d.len(), before - 1);
    s.clear();
    assert_eq!(s.len(), 0);
    drop(it);
    assert_eq!(s.len(), 0);
}

#[test]
fn item_120_iterator_holds_only_what_it_yielded() {
    let values = items(0..3);
    let s = set_of(&values);
    let weak: Vec<WeakRef<Item>> = values.iter().map(WeakRef::new).collect();
    let mut it = s.iter();
    let held = it.next().unwrap();
    drop(values);
    assert_eq!(weak.iter().filter(|w| w.is_alive()).count(), 1, "only the yielded item");
    assert_eq!(it.next(), None);
    drop(held);
    assert!(s.is_empty());
}

#[test]
fn item_121_122_nested_iterators_and_mutation_never_fail() {
    let values = items(0..8);
    let d = wvd_of(&values);
    let mut outer = 0;
    for (k, _) in d.iter() {
        for (k2, v2) in d.iter() {
            if k2 == k {
                d.remove(&k2); // mutation during two live iterations
            }
            let extra = Obj::new(Item(1000 + k2));
            d.insert(1000 + k2, &extra); // and inserts of entries that die at once
            drop(v2);
        }
        outer += 1;
    }
    assert_eq!(outer, 8, "the snapshot is unaffected");
    assert!(d.is_empty());
}

#[test]
fn item_141_adapt_setdefault_while_old_value_dies_in_callback() {
    // A value whose death is triggered from a callback that runs during `setdefault`'s
    // bookkeeping: the result is the live existing value or the new default, never dead.
    let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
    for round in 0..20 {
        let old = Obj::new(Item(round));
        d.insert(10, &old);
        let trigger = Obj::new(Item(0));
        let slot = Arc::new(Mutex::new(Some(old)));
        let in_callback = Arc::clone(&slot);
        let _watch = WeakRef::with_callback(&trigger, move |_| {
            in_callback.lock().unwrap().take();
        });
        let fresh = Obj::new(Item(999));
        drop(trigger); // kills `old` from a callback
        let got = d.setdefault(10, &fresh);
        assert!(Obj::ptr_eq(&got, &fresh));
        assert_eq!(d.len(), 1);
        assert!(slot.lock().unwrap().is_none());
    }
}

#[test]
fn item_142_adapt_pop_never_returns_dead() {
    let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
    for _ in 0..20 {
        let obj = Obj::new(Item(1));
        d.insert(10, &obj);
        let popped = d.remove(&10);
        assert!(Obj::ptr_eq(&popped.unwrap(), &obj));
    }
}

#[test]
fn item_143_adapt_reassign_while_old_callbacks_fire() {
    let d: WeakValueDictionary<u32, Item> = WeakValueDictionary::new();
    let keep = Obj::new(Item(0));
    for i in 0..50 {
        let old = Obj::new(Item(i));
        d.insert(10, &old);
        let refs = d.valuerefs();
        d.insert(10, &keep);
        drop(old);
        drop(refs);
        assert_eq!(d.len(), 1);
        assert!(Obj::ptr_eq(&d.get(&10).unwrap(), &keep));
    }
}

/// A key whose `Clone` (run under the dictionary's lock by snapshots) drops the last handle
/// to a value stored in the same dictionary.
#[derive(Debug)]
struct KillingKey {
    id: u32,
    victim: Arc<Mutex<Option<Obj<Item>>>>,
}

impl PartialEq for KillingKey {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for KillingKey {}

impl Hash for KillingKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl Clone for KillingKey {
    fn clone(&self) -> Self {
        drop(self.victim.lock().unwrap().take());
        Self {
            id: self.id,
            victim: Arc::clone(&self.victim),
        }
    }
}

#[test]
fn item_144_adapt_copy_while_entries_die_in_key_clone() {
    let n = if cfg!(miri) { 10 } else { 200 };
    let d: WeakValueDictionary<KillingKey, Item> = WeakValueDictionary::new();
    let mut handles = Vec::new();
    for id in 0..n {
        let value = Obj::new(Item(id));
        let victim = Arc::new(Mutex::new(Some(value.clone())));
        d.insert(KillingKey { id, victim: Arc::clone(&victim) }, &value);
        handles.push(victim);
        drop(value); // now only `victim` keeps it alive
    }
    assert_eq!(d.len(), n as usize);
    let copy = d.clone(); // each key clone kills its own value, under the lock
    assert_eq!(copy.len(), 0);
    assert_eq!(d.len(), 0, "every removal queued during the copy was applied");
}

#[test]
fn item_146_callbacks_mutate_the_collection_during_death() {
    let d: Arc<WeakValueDictionary<u32, Item>> = Arc::new(WeakValueDictionary::new());
    let s: Arc<WeakSet<Item>> = Arc::new(WeakSet::new());
    let survivor = Obj::new(Item(7));
    let victim = Obj::new(Item(1));
    d.insert(1, &victim);
    s.add(&victim);
    let (d2, s2, keep) = (Arc::clone(&d), Arc::clone(&s), survivor.clone());
    let _watch = WeakRef::with_callback(&victim, move |_| {
        // Runs while the dictionary's own removal callback for `victim` is also pending.
        d2.insert(2, &keep);
        s2.add(&keep);
        d2.remove(&1);
        let _ = d2.len() + s2.len();
    });
    drop(victim);
    assert_eq!(d.len(), 1);
    assert!(Obj::ptr_eq(&d.get(&2).unwrap(), &survivor));
    assert_eq!(s.len(), 1);
}

#[test]
fn value_dies_while_dictionary_is_busy_in_key_eq() {
    // Keys compare through `Eq`, which drops the last handle to a value of the same
    // dictionary: its removal is deferred to the end of the operation.
    #[derive(Debug, Clone)]
    struct K(u32, Arc<Mutex<Option<Obj<Item>>>>);
    impl Hash for K {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }
    impl PartialEq for K {
        fn eq(&self, other: &Self) -> bool {
            drop(self.1.lock().unwrap().take());
            self.0 == other.0
        }
    }
    impl Eq for K {}
    let d: WeakValueDictionary<K, Item> = WeakValueDictionary::new();
    let victim = Obj::new(Item(1));
    let slot = Arc::new(Mutex::new(None));
    d.insert(K(1, Arc::clone(&slot)), &victim);
    let other = Obj::new(Item(2));
    d.insert(K(2, Arc::new(Mutex::new(None))), &other);
    *slot.lock().unwrap() = Some(victim);
    // Looking up key 1 compares with the stored key 1, whose `Eq` kills its own value.
    assert!(d.get(&K(1, Arc::new(Mutex::new(None)))).is_none());
    assert_eq!(d.len(), 1);
}
