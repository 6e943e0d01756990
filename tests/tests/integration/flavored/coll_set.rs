// Checklist section 13: WeakSet.

#[test]
fn item_123_construction() {
    let elems = items(0..3);
    let s: WeakSet<Item> = elems.iter().collect();
    assert_eq!(s.len(), 3);
    let owned: WeakSet<Item> = elems.clone().into_iter().collect();
    assert!(owned == s);
    assert!(WeakSet::<Item>::new().is_empty());
    assert!(WeakSet::<Item>::with_capacity(4).is_empty());
}

#[test]
fn item_124_len_drops_on_death() {
    let mut elems = items(0..3);
    let s = set_of(&elems);
    assert_eq!(s.len(), 3);
    elems.pop();
    assert_eq!(s.len(), 2);
}

#[test]
fn item_125_membership_by_hash_and_eq() {
    let elems = items(0..3);
    let s = set_of(&elems);
    assert!(s.contains(&elems[0]));
    assert!(s.contains(&Item(1)), "an equal object is contained");
    assert!(!s.contains(&Item(10)));
    let dead = Obj::new(Item(20));
    s.add(&dead);
    drop(dead);
    assert!(!s.contains(&Item(20)), "after a member dies an equal new object is not in");
}

#[test]
fn item_126_add_keeps_the_original() {
    let s: WeakSet<Item> = WeakSet::new();
    let a = Obj::new(Item(1));
    let b = Obj::new(Item(1));
    assert!(s.add(&a));
    assert!(!s.add(&b));
    assert_eq!(getweakrefcount(&b), 0);
    assert!(Obj::ptr_eq(&s.iter().next().unwrap(), &a));
    drop(a);
    assert!(s.is_empty(), "the entry dies with the original");
    s.add(&Obj::new(Item(3))); // a temporary dies at once
    assert!(s.is_empty());
}

#[test]
fn item_127_remove_and_discard() {
    let elems = items(0..2);
    let s = set_of(&elems);
    assert_eq!(s.remove(&elems[0]), Ok(()));
    assert_eq!(s.remove(&elems[0]), Err(wr::KeyError));
    assert!(s.discard(&Item(1)));
    assert!(!s.discard(&Item(1)), "silent when absent");
    assert!(s.is_empty());
}

#[test]
fn item_128_pop() {
    let mut elems = items(0..3);
    let s = set_of(&elems);
    elems.remove(0);
    let mut popped = Vec::new();
    while let Some(e) = s.pop() {
        popped.push(e);
    }
    assert_eq!(sorted(popped), [1, 2], "only live elements");
    assert!(s.pop().is_none(), "empty: Python's KeyError");
}

#[test]
fn item_129_clear_copy_identity() {
    let elems = items(0..3);
    let s = set_of(&elems);
    let copy = s.clone();
    assert!(copy == s);
    let rebuilt: WeakSet<Item> = s.iter().collect();
    assert!(rebuilt == s);
    s.clear();
    assert!(s.is_empty());
    assert_eq!(copy.len(), 3, "a distinct set");
}

#[test]
fn item_130_binary_operations_take_any_iterable() {
    let elems = items(0..6);
    let s = set_of(&elems[..3]);
    let other = set_of(&elems[2..5]);
    let list: Vec<Obj<Item>> = elems[2..5].to_vec();
    assert_eq!(sorted(&s | &other), [0, 1, 2, 3, 4]);
    assert_eq!(sorted(s.union(&list)), [0, 1, 2, 3, 4]);
    assert_eq!(sorted(&s & &other), [2]);
    assert_eq!(sorted(s.intersection(list.iter())), [2]);
    assert_eq!(sorted(&s - &other), [0, 1]);
    assert_eq!(sorted(s.difference(list.clone())), [0, 1]);
    assert_eq!(sorted(&s ^ &other), [0, 1, 3, 4]);
    assert_eq!(sorted(s.symmetric_difference(&list[..])), [0, 1, 3, 4]);
    assert_eq!(sorted(&s | [&elems[5]]), [0, 1, 2, 5]);
    assert_eq!(sorted(s.iter()), [0, 1, 2], "the receiver is unchanged");
}

#[test]
fn item_131_results_hold_members_independently() {
    let left = items(0..2);
    let mut right = items(2..4);
    let s = set_of(&left);
    let u = s.union(&right);
    let x = s.symmetric_difference(&right);
    let i = s.intersection(&left);
    right.pop();
    assert_eq!((u.len(), x.len(), i.len()), (3, 3, 2));
    drop(left);
    assert_eq!((u.len(), x.len(), i.len(), s.len()), (1, 1, 0, 0));
}

#[test]
fn item_133_in_place_operations() {
    let elems = items(0..6);
    let mut s = set_of(&elems[..3]);
    s |= &elems[3..4];
    assert_eq!(sorted(s.iter()), [0, 1, 2, 3]);
    s.update([&elems[4]]);
    assert_eq!(s.len(), 5);
    s &= &elems[1..5];
    assert_eq!(sorted(s.iter()), [1, 2, 3, 4]);
    s.intersection_update(elems[2..].iter());
    assert_eq!(sorted(s.iter()), [2, 3, 4]);
    s -= [&elems[2]];
    assert_eq!(sorted(s.iter()), [3, 4]);
    s.difference_update(&elems[3..4]);
    assert_eq!(sorted(s.iter()), [4]);
    s ^= &elems[4..6];
    assert_eq!(sorted(s.iter()), [5]);
    let fresh = Obj::new(Item(9));
    s.symmetric_difference_update([&fresh, &elems[5]]);
    assert_eq!(sorted(s.iter()), [9]);
    drop(fresh);
    assert!(s.is_empty(), "elements added by ^= are weak and have removal callbacks");
}

#[test]
fn item_134_in_place_on_itself() {
    let elems = items(0..3);
    let mut t = set_of(&elems);
    t |= t.clone();
    assert_eq!(t.len(), 3);
    t &= t.clone();
    assert_eq!(t.len(), 3);
    t -= t.clone();
    assert!(t.is_empty());
    let mut t = set_of(&elems);
    t ^= t.clone();
    assert!(t.is_empty());
}

#[test]
fn item_135_subset_superset_comparisons() {
    let elems = items(0..4);
    let small = set_of(&elems[..2]);
    let big = set_of(&elems);
    assert!(small.is_subset(&big) && small <= big && small < big);
    assert!(big.is_superset(&small) && big >= small && big > small);
    assert!(small.is_subset(&elems), "any iterable on the right");
    assert!(big.is_superset(&elems[1..3]));
    let proper = big < big.clone();
    assert!(!proper, "X < X is false");
    assert!(big <= big.clone());
    let empty: WeakSet<Item> = WeakSet::new();
    let proper = empty < WeakSet::new();
    assert!(!proper, "WeakSet() < WeakSet() is false");
    let disjoint = set_of(&elems[2..3]);
    assert_eq!(small.partial_cmp(&disjoint), None);
}

#[test]
fn item_136_equality() {
    let elems = items(0..3);
    assert!(set_of(&elems) == set_of(&elems));
    assert!(set_of(&elems) != set_of(&elems[..2]));
    let equal_values = items(0..3);
    assert!(set_of(&elems) == set_of(&equal_values), "members compare by value");
    assert!(WeakSet::<Item>::new() == WeakSet::new());
    let s = set_of(&elems);
    assert!(s == s);
}

#[test]
fn item_137_isdisjoint() {
    let elems = items(0..4);
    let s = set_of(&elems[..2]);
    assert!(s.is_disjoint(&elems[2..]));
    assert!(!s.is_disjoint(&elems[1..]));
    assert!(s.is_disjoint(std::iter::empty::<Obj<Item>>()));
}

#[test]
fn item_139_set_methods_and_traits() {
    fn has_traits<S: Default + Clone + PartialEq + PartialOrd + std::fmt::Debug>() {}
    has_traits::<WeakSet<Item>>();
    let elems = items(0..2);
    let s = set_of(&elems);
    let mut n = 0;
    for element in &s {
        assert!(s.contains(&element));
        n += 1;
    }
    assert_eq!(n, 2);
    assert_eq!(s.weakrefs().len(), 2);
    assert_eq!(format!("{:?}", set_of(&elems[..1])), "{Item(0)}");
}

#[test]
fn item_140_clone_is_independent() {
    let mut elems = items(0..3);
    let s = set_of(&elems);
    let copy = s.clone();
    s.discard(&Item(0));
    assert_eq!(copy.len(), 3);
    elems.pop();
    assert_eq!((s.len(), copy.len()), (1, 2));
    drop(s);
    elems.pop();
    assert_eq!(copy.len(), 1, "the copy's entries keep being purged");
}

#[test]
fn weakidset_compares_by_identity() {
    let a = Obj::new(Plain(1));
    let b = Obj::new(Plain(1));
    let s = WeakIdSet::new();
    assert!(s.add(&a));
    assert!(s.add(&b));
    assert!(!s.add(&a));
    assert!(s.contains(&a) && s.contains(&*b));
    let t: WeakIdSet<Plain> = [&a].into_iter().collect();
    assert!(t < s);
    assert_eq!(s.difference(&t).len(), 1);
    drop(b);
    assert!(s == t);
}
