// Checklist section 11: WeakKeyDictionary.

#[test]
fn item_104_lookup_by_referent_hash_and_eq() {
    let keys = items(0..5);
    let d = wkd_of(&keys);
    for k in &keys {
        assert_eq!(d.get(k), Some(k.0 * 10));
        assert!(d.contains_key(&Item(k.0)), "an equal, distinct object finds the entry");
    }
    assert!(!d.contains_key(&Item(34)));
    assert_eq!(getweakrefcount(&keys[0]), 1);
}

#[test]
fn item_105_first_inserted_key_wins() {
    let k1 = Obj::new(Item(1));
    let k2 = Obj::new(Item(1));
    let d: WeakKeyDictionary<Item, &str> = WeakKeyDictionary::new();
    d.insert(&k1, "one");
    assert_eq!(d.insert(&k2, "two"), Some("one"), "the value is updated");
    assert!(Obj::ptr_eq(&d.keys().next().unwrap(), &k1), "the key object is still k1");
    assert_eq!(getweakrefcount(&k2), 0);
    assert_eq!(d.setdefault(&k2, "three"), "two");
    drop(k1);
    assert!(d.is_empty(), "the entry dies with k1 although the equal k2 lives");
    assert_eq!(d.get(&k2), None);
}

#[test]
fn item_106_entry_disappears_when_key_dies() {
    let mut keys = items(0..4);
    let d = wkd_of(&keys);
    keys.truncate(1);
    assert_eq!(d.len(), 1);
    keys.clear();
    assert!(d.is_empty());
}

#[test]
fn item_107_value_owning_its_key_keeps_the_entry() {
    let key = Obj::new(Item(1));
    let d: WeakKeyDictionary<Item, Obj<Item>> = WeakKeyDictionary::new();
    d.insert(&key, key.clone());
    let weak = WeakRef::new(&key);
    drop(key);
    assert!(weak.is_alive(), "the value keeps its own key alive");
    assert_eq!(d.len(), 1);
    let (k, v) = d.popitem().unwrap();
    assert!(Obj::ptr_eq(&k, &v));
    drop((k, v));
    assert!(!weak.is_alive(), "removed explicitly, the key dies");
    assert!(d.is_empty());
}

#[test]
fn item_108_missing_keys() {
    let keys = items(0..2);
    let d = wkd_of(&keys);
    let other = Obj::new(Item(9));
    assert_eq!(d.get(&other), None);
    assert_eq!(d.remove(&other), None, "Python's KeyError");
    assert!(!d.contains_key(&Item(13)));
}

#[test]
fn item_109_setdefault_pop_popitem_del() {
    let keys = items(0..3);
    let d: WeakKeyDictionary<Item, u32> = WeakKeyDictionary::new();
    assert_eq!(d.setdefault(&keys[0], 1), 1);
    assert_eq!(d.setdefault(&keys[0], 2), 1);
    assert_eq!(d.get_or_insert_with(&keys[1], || 5), 5);
    assert_eq!(d.get_or_insert_with(&keys[1], || unreachable!()), 5);
    d.insert(&keys[2], 7);
    assert_eq!(d.remove(&keys[0]), Some(1));
    assert_eq!(d.remove(&keys[0]), None);
    let (k, v) = d.remove_entry(&Item(1)).unwrap();
    assert!(Obj::ptr_eq(&k, &keys[1]) && v == 5);
    assert_eq!(sorted(d.keys()), [2]);
    let (k, v) = d.popitem().unwrap();
    assert_eq!((k.0, v), (2, 7));
    assert!(d.popitem().is_none(), "empty: Python's KeyError");
    // popitem skips dead keys.
    let dead = Obj::new(Item(50));
    d.insert(&dead, 0);
    drop(dead);
    assert!(d.popitem().is_none());
}

#[test]
fn item_110_construct_and_update() {
    let keys = items(0..3);
    let d: WeakKeyDictionary<Item, u32> = keys.iter().map(|k| (k, k.0)).collect();
    assert_eq!(d.len(), 3);
    let from_weak: WeakKeyDictionary<Item, u32> = d.iter().collect();
    assert!(from_weak == d);
    let mut updated: WeakKeyDictionary<Item, u32> = WeakKeyDictionary::default();
    updated.extend(keys.iter().map(|k| (k.clone(), 1)));
    assert_eq!(updated.values().sum::<u32>(), 3);
}

#[test]
fn item_111_copy_same_keys_cloned_values() {
    let keys = items(0..3);
    let d: WeakKeyDictionary<Item, Vec<u32>> = keys.iter().map(|k| (k, vec![k.0])).collect();
    let copy = d.clone();
    assert!(copy == d);
    for (k, v) in &copy {
        assert!(keys.iter().any(|orig| Obj::ptr_eq(orig, &k)), "the same key objects");
        assert_eq!(v, vec![k.0]);
    }
    d.clear();
    assert_eq!(copy.len(), 3, "independent");
}

#[test]
fn item_112_union_operators() {
    let keys = items(0..3);
    let left: WeakKeyDictionary<Item, u32> = keys[..2].iter().map(|k| (k, 1)).collect();
    let extra = Obj::new(Item(9));
    let merged = &left | [(&keys[1], 2), (&extra, 3)];
    assert_eq!(merged.len(), 3);
    assert_eq!(merged.get(&keys[1]), Some(2), "the right side wins");
    let mut inplace = left.clone();
    inplace |= &merged;
    assert!(inplace == merged);
    drop(extra);
    assert_eq!((merged.len(), inplace.len(), left.len()), (2, 2, 2));
}

#[test]
fn item_113_keyrefs_point_at_members() {
    let keys = items(0..4);
    let d = wkd_of(&keys);
    let refs = d.keyrefs();
    assert_eq!(refs.len(), 4);
    for r in &refs {
        let k = r.upgrade().unwrap();
        assert_eq!(d.get(&k), Some(k.0 * 10));
    }
    assert_eq!(getweakrefcount(&keys[0]), 1, "the entries' own references");
    assert_eq!(sorted(d.keys()), [0, 1, 2, 3]);
    assert_eq!(d.values().count(), 4);
}

/// A key whose `Eq` drops the last strong handle to another key (SF #742860).
#[derive(Debug, wr::Weakrefable)]
struct Cascading {
    value: u32,
    victims: Arc<Mutex<Vec<Obj<Cascading>>>>,
    mutate: Arc<AtomicUsize>,
}

impl PartialEq for Cascading {
    fn eq(&self, other: &Self) -> bool {
        if self.mutate.load(SeqCst) == 1 {
            let victim = self.victims.lock().unwrap().pop();
            drop(victim); // the last handle: a key dies while the dictionary is busy
        }
        self.value == other.value
    }
}

impl Eq for Cascading {}

impl Hash for Cascading {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

#[test]
fn item_114_cascading_deletes_from_key_eq() {
    let objs: Arc<Mutex<Vec<Obj<Cascading>>>> = Arc::default();
    let mutate = Arc::new(AtomicUsize::new(0));
    let make = |value| Cascading {
        value,
        victims: Arc::clone(&objs),
        mutate: Arc::clone(&mutate),
    };
    let d: WeakKeyDictionary<Cascading, u32, Fixed> = WeakKeyDictionary::with_hasher(Fixed::default());
    for i in 0..4 {
        let o = Obj::new(make(i));
        d.insert(&o, i);
        objs.lock().unwrap().push(o);
    }
    objs.lock().unwrap().reverse();
    mutate.store(1, SeqCst);
    let mut count = 0;
    let mut index = 0;
    loop {
        let Some(o) = objs.lock().unwrap().get(index).map(|o| o.value) else {
            break;
        };
        index += 1;
        count += 1;
        // Look up by an equal, distinct value, so that `Eq` runs (CPython compares through
        // the referents' `__eq__` too).
        assert!(d.remove(&make(o)).is_some());
    }
    mutate.store(0, SeqCst);
    assert_eq!(count, 2);
    assert_eq!(d.len(), 0);
    objs.lock().unwrap().clear();
}

/// A node of a chain whose weak references' callbacks look at other weak references.
#[derive(wr::Weakrefable)]
struct Link {
    /// Kept only for its ownership: dropping a link drops the next one.
    #[allow(dead_code)]
    next: Option<Obj<Link>>,
    id: u32,
}

impl PartialEq for Link {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Link {}

impl Hash for Link {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

#[test]
fn item_115_deep_chain_freed_at_once() {
    let n = if cfg!(miri) { 20 } else { 100 };
    let d: WeakKeyDictionary<Link, u32> = WeakKeyDictionary::new();
    let revived = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let mut head: Option<Obj<Link>> = None;
    let mut watchers = Vec::new();
    for id in 0..n {
        let node = Obj::new(Link { next: head.take(), id });
        d.insert(&node, id);
        // Each node's callback dereferences another weak reference to the same node, as
        // CPython's test does with `wself()`: a dead object must never be visible.
        let itself = WeakRef::new(&node);
        let (revived, calls) = (Arc::clone(&revived), Arc::clone(&calls));
        watchers.push(WeakRef::with_callback(&node, move |_| {
            if itself.upgrade().is_some() {
                revived.fetch_add(1, SeqCst);
            }
            calls.fetch_add(1, SeqCst);
        }));
        head = Some(node);
    }
    assert_eq!(d.len(), n as usize);
    drop(head); // the whole chain dies at once
    assert_eq!(d.len(), 0);
    assert_eq!(calls.load(SeqCst), n as usize);
    assert_eq!(revived.load(SeqCst), 0, "no callback sees a dead object");
}

#[test]
fn item_116_debug_shows_contents() {
    let key = Obj::new(Item(1));
    let d: WeakKeyDictionary<Item, &str> = WeakKeyDictionary::new();
    d.insert(&key, "x");
    assert_eq!(format!("{d:?}"), "{Item(1): \"x\"}");
    let v: WeakValueDictionary<&str, Item> = WeakValueDictionary::new();
    v.insert("x", &key);
    assert_eq!(format!("{v:?}"), "{\"x\": Item(1)}");
}

#[test]
fn wkd_identity_keys_need_no_hash() {
    let a = Obj::new(Plain(1));
    let b = Obj::new(Plain(1));
    let d = WeakIdKeyDictionary::new();
    d.insert(&a, "a");
    d.insert(&b, "b");
    assert_eq!(d.len(), 2);
    assert_eq!(d.get(&a), Some("a"));
    assert_eq!(d.get(&*b), Some("b"));
    assert_eq!(d.remove(&a), Some("a"));
    drop(b);
    assert!(d.is_empty());
    // Identity, even for a type that has `Eq`: equal values are distinct keys.
    let (x, y) = (Obj::new(Item(1)), Obj::new(Item(1)));
    let by_id: WeakIdKeyDictionary<Item, u32> = [(&x, 1), (&y, 2)].into_iter().collect();
    assert_eq!(by_id.len(), 2);
    assert_eq!(by_id.get(&Item(1)), None, "a value that is not a member is not found");
}
