// Scenarios of `collections_drop_after_lock.rs`, `include!`d once per flavor (`wr` names it).
// Every scenario arms a hook that uses the collection under test (`len()`) whenever a key or
// value is dropped, makes user code panic inside a locked section, and checks that the panic
// reached the caller and that what the operation had made or taken was dropped (the hook ran):
// after the lock, or the child process deadlocks or aborts.

use std::cell::{Cell, RefCell};
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use wr::{Obj, WeakKeyDictionary, WeakValueDictionary, Weakrefable};

thread_local! {
    /// What a dropped key or value does: uses the collection under test.
    static HOOK: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
    /// How many more clones succeed before one panics; `None`: clones never panic.
    static CLONES_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
    /// Whether `Eq` panics.
    static EQ_PANICS: Cell<bool> = const { Cell::new(false) };
    /// How many drops ran the hook.
    static HOOK_RUNS: Cell<usize> = const { Cell::new(0) };
    /// The only strong handle of a stored key, until `Eq` drops it.
    static STASH: RefCell<Option<Obj<Node>>> = const { RefCell::new(None) };
}

/// Counts a clone, panicking when the armed count is used up (once: it disarms itself).
fn count_clone() {
    CLONES_LEFT.with(|left| match left.get() {
        Some(0) => {
            left.set(None);
            panic!("Clone panics");
        }
        Some(n) => left.set(Some(n - 1)),
        None => {}
    });
}

/// Panics if `Eq` is armed to (once: it disarms itself), after dropping the stash.
fn count_eq() {
    STASH.with(|stash| drop(stash.borrow_mut().take()));
    if EQ_PANICS.with(|armed| armed.replace(false)) {
        panic!("Eq panics");
    }
}

/// What every key and value does when dropped.
fn dropped() {
    let hook = HOOK.with(|hook| hook.borrow().clone());
    if let Some(hook) = hook {
        HOOK_RUNS.with(|runs| runs.set(runs.get() + 1));
        hook();
    }
}

/// An owned key (of a `WeakValueDictionary`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct Key(u32);

impl Clone for Key {
    fn clone(&self) -> Self {
        count_clone();
        Key(self.0)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        dropped();
    }
}

/// An owned value (of a `WeakKeyDictionary`).
#[derive(Debug, PartialEq)]
struct Val(u32);

impl Clone for Val {
    fn clone(&self) -> Self {
        count_clone();
        Val(self.0)
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        dropped();
    }
}

/// A weakly held key, compared by value.
#[derive(Debug, Weakrefable)]
struct Node(u32);

impl Hash for Node {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        count_eq();
        self.0 == other.0
    }
}

impl Eq for Node {}

impl Drop for Node {
    fn drop(&mut self) {
        dropped();
    }
}

/// A weakly held value.
#[derive(Debug, PartialEq, Weakrefable)]
struct Item(u32);

/// Installs `hook` as what drops do, from now on.
fn arm(hook: impl Fn() + 'static) {
    HOOK_RUNS.with(|runs| runs.set(0));
    HOOK.with(|slot| *slot.borrow_mut() = Some(Rc::new(hook)));
}

/// Runs `op`, which must panic, and checks that drops ran the hook; then disarms everything.
fn expect_panic_and_drops(op: impl FnOnce()) {
    let outcome = catch_unwind(AssertUnwindSafe(op));
    let runs = HOOK_RUNS.with(Cell::get);
    let hook = HOOK.with(|slot| slot.borrow_mut().take());
    CLONES_LEFT.with(|left| left.set(None));
    EQ_PANICS.with(|armed| armed.set(false));
    drop(hook);
    assert!(outcome.is_err(), "the user code's panic reaches the caller");
    assert!(runs > 0, "what the operation made or took was dropped");
}

/// A value dictionary with three entries, and its values.
fn wvd() -> (Rc<WeakValueDictionary<Key, Item>>, Vec<Obj<Item>>) {
    let d = Rc::new(WeakValueDictionary::new());
    let values: Vec<Obj<Item>> = (0..3).map(|i| Obj::new(Item(i))).collect();
    for (i, v) in values.iter().enumerate() {
        d.insert(Key(i as u32), v);
    }
    (d, values)
}

/// A key dictionary with three entries, and its keys.
fn wkd() -> (Rc<WeakKeyDictionary<Node, Val>>, Vec<Obj<Node>>) {
    let d = Rc::new(WeakKeyDictionary::new());
    let keys: Vec<Obj<Node>> = (0..3).map(|i| Obj::new(Node(i))).collect();
    for k in &keys {
        d.insert(k, Val(k.0 * 10));
    }
    (d, keys)
}

/// Arms the hook to use `d`.
fn arm_on<C: 'static>(d: &Rc<C>, use_it: fn(&C)) {
    let d = Rc::clone(d);
    arm(move || use_it(&d));
}

fn wvd_len(d: &WeakValueDictionary<Key, Item>) {
    let _ = d.len();
}

fn wkd_len(d: &WeakKeyDictionary<Node, Val>) {
    let _ = d.len();
}

/// A test running its body in a child process.
macro_rules! scenario {
    ($(#[$doc:meta])* fn $name:ident() $body:block) => {
        $(#[$doc])*
        #[test]
        fn $name() {
            super::in_child(concat!(module_path!(), "::", stringify!($name)), || $body);
        }
    };
}

// `WeakKeyDictionary::setdefault`: the default is dropped after the lock when a key's `Eq` or the
// stored value's `Clone` panics.

scenario! {
    /// The key's `Eq` panics while `setdefault` looks for an equal, distinct key.
    fn wkd_setdefault_eq_panics() {
        let (d, keys) = wkd();
        arm_on(&d, wkd_len);
        EQ_PANICS.with(|armed| armed.set(true));
        let equal = Obj::new(Node(1));
        expect_panic_and_drops(|| {
            d.setdefault(&equal, Val(99));
        });
        assert_eq!(d.len(), 3);
        drop(keys);
    }
}

scenario! {
    /// The stored value's `Clone` panics in `setdefault` of a present key.
    fn wkd_setdefault_value_clone_panics() {
        let (d, keys) = wkd();
        arm_on(&d, wkd_len);
        CLONES_LEFT.with(|left| left.set(Some(0)));
        expect_panic_and_drops(|| {
            d.setdefault(&keys[1], Val(99));
        });
        assert_eq!(d.len(), 3);
    }
}

scenario! {
    /// The key's `Eq` panics in `insert`: the value to store is dropped after the lock.
    fn wkd_insert_eq_panics() {
        let (d, keys) = wkd();
        arm_on(&d, wkd_len);
        EQ_PANICS.with(|armed| armed.set(true));
        let equal = Obj::new(Node(2));
        expect_panic_and_drops(|| {
            d.insert(&equal, Val(99));
        });
        assert_eq!(d.len(), 3);
        drop(keys);
    }
}

scenario! {
    /// The key's `Eq` drops the last outside handle of the stored key, then panics: the lookup's
    /// temporary strong handle is the last and is dropped, killing the key, after the lock.
    fn wkd_get_eq_panics_with_the_last_handle() {
        let d: Rc<WeakKeyDictionary<Node, Val>> = Rc::new(WeakKeyDictionary::new());
        let stored = Obj::new(Node(1));
        d.insert(&stored, Val(10));
        STASH.with(|stash| *stash.borrow_mut() = Some(stored));
        arm_on(&d, wkd_len);
        EQ_PANICS.with(|armed| armed.set(true));
        expect_panic_and_drops(|| {
            d.get(&Node(1));
        });
        assert_eq!(d.len(), 0, "the stored key died, so its entry left");
    }
}

// Snapshots of a `WeakKeyDictionary`, whose values' `Clone` panics midway: the clones made so far
// are dropped after the lock.

/// A key dictionary whose second value clone panics, with the hook armed.
fn wkd_with_failing_clones() -> (Rc<WeakKeyDictionary<Node, Val>>, Vec<Obj<Node>>) {
    let (d, keys) = wkd();
    arm_on(&d, wkd_len);
    CLONES_LEFT.with(|left| left.set(Some(1)));
    (d, keys)
}

scenario! {
    fn wkd_iter_clone_panics() {
        let (d, _keys) = wkd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = d.iter().count();
        });
        assert_eq!(d.len(), 3);
    }
}

scenario! {
    fn wkd_values_clone_panics() {
        let (d, _keys) = wkd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = d.values().count();
        });
    }
}

scenario! {
    fn wkd_into_iter_clone_panics() {
        let (d, _keys) = wkd_with_failing_clones();
        expect_panic_and_drops(|| {
            for _ in &*d {}
        });
    }
}

scenario! {
    fn wkd_clone_clone_panics() {
        let (d, _keys) = wkd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = (*d).clone();
        });
    }
}

scenario! {
    fn wkd_eq_clone_panics() {
        let (d, keys) = wkd();
        let other: WeakKeyDictionary<Node, Val> = WeakKeyDictionary::new();
        for k in &keys {
            other.insert(k, Val(k.0 * 10));
        }
        arm_on(&d, wkd_len);
        CLONES_LEFT.with(|left| left.set(Some(1)));
        expect_panic_and_drops(|| {
            let _ = *d == other;
        });
    }
}

scenario! {
    fn wkd_debug_clone_panics() {
        let (d, _keys) = wkd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = format!("{d:?}");
        });
    }
}

scenario! {
    fn wkd_bitor_clone_panics() {
        let (d, _keys) = wkd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = &*d | Vec::<(Obj<Node>, Val)>::new();
        });
    }
}

// `WeakValueDictionary`: a key's `Eq` panicking in `insert` and `setdefault`, and snapshots whose
// keys' `Clone` panics midway.

scenario! {
    /// A key's `Eq` panics in `insert` and in `setdefault`: the key (and the new entry's weak
    /// reference) are dropped after the lock.
    fn wvd_insert_eq_panics() {
        let d: Rc<WeakValueDictionary<NodeKey, Item>> = Rc::new(WeakValueDictionary::new());
        let v = Obj::new(Item(1));
        d.insert(NodeKey(1), &v);
        arm_on(&d, nodekey_len);
        EQ_PANICS.with(|armed| armed.set(true));
        expect_panic_and_drops(|| {
            d.insert(NodeKey(1), &v);
        });
        arm_on(&d, nodekey_len);
        EQ_PANICS.with(|armed| armed.set(true));
        expect_panic_and_drops(|| {
            d.setdefault(NodeKey(1), &v);
        });
        assert_eq!(d.len(), 1);
    }
}

fn nodekey_len(d: &WeakValueDictionary<NodeKey, Item>) {
    let _ = d.len();
}

/// An owned key whose `Eq` may panic.
#[derive(Debug)]
struct NodeKey(u32);

impl Hash for NodeKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for NodeKey {
    fn eq(&self, other: &Self) -> bool {
        count_eq();
        self.0 == other.0
    }
}

impl Eq for NodeKey {}

impl Drop for NodeKey {
    fn drop(&mut self) {
        dropped();
    }
}

/// A value dictionary whose second key clone panics, with the hook armed.
fn wvd_with_failing_clones() -> (Rc<WeakValueDictionary<Key, Item>>, Vec<Obj<Item>>) {
    let (d, values) = wvd();
    arm_on(&d, wvd_len);
    CLONES_LEFT.with(|left| left.set(Some(1)));
    (d, values)
}

scenario! {
    fn wvd_iter_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = d.iter().count();
        });
        assert_eq!(d.len(), 3);
    }
}

scenario! {
    fn wvd_keys_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = d.keys().count();
        });
    }
}

scenario! {
    fn wvd_valuerefs_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = d.valuerefs();
        });
    }
}

scenario! {
    fn wvd_into_iter_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            for _ in &*d {}
        });
    }
}

scenario! {
    fn wvd_clone_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = (*d).clone();
        });
    }
}

scenario! {
    fn wvd_eq_clone_panics() {
        let (d, values) = wvd();
        let other: WeakValueDictionary<Key, Item> = WeakValueDictionary::new();
        for (i, v) in values.iter().enumerate() {
            other.insert(Key(i as u32), v);
        }
        arm_on(&d, wvd_len);
        CLONES_LEFT.with(|left| left.set(Some(1)));
        expect_panic_and_drops(|| {
            let _ = *d == other;
        });
    }
}

scenario! {
    fn wvd_debug_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = format!("{d:?}");
        });
    }
}

scenario! {
    fn wvd_bitor_clone_panics() {
        let (d, _values) = wvd_with_failing_clones();
        expect_panic_and_drops(|| {
            let _ = &*d | Vec::<(Key, Obj<Item>)>::new();
        });
    }
}
