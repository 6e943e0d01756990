// Types and helpers for the weak-collection tests (checklist sections 10-14). This file is
// `include!`d into one module per flavor, where `wr` names the flavor under test.

use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use wr::{
    Obj, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakRef, WeakSet, WeakValueDictionary,
    getweakrefcount,
};

/// A referent compared and hashed by value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, wr::Weakrefable)]
struct Item(u32);

/// A referent with neither `Hash` nor `Eq`: only identity collections take it.
#[derive(Debug, wr::Weakrefable)]
struct Plain(#[allow(dead_code)] u32);

/// A fixed hasher, for tests whose probe sequence must not depend on a random seed.
type Fixed = BuildHasherDefault<DefaultHasher>;

fn items(values: impl IntoIterator<Item = u32>) -> Vec<Obj<Item>> {
    values.into_iter().map(|v| Obj::new(Item(v))).collect()
}

/// The values of the live members of a snapshot, sorted.
fn sorted(objs: impl IntoIterator<Item = Obj<Item>>) -> Vec<u32> {
    let mut values: Vec<u32> = objs.into_iter().map(|o| o.0).collect();
    values.sort_unstable();
    values
}

/// A dictionary with `values.len()` entries `i -> values[i]`.
fn wvd_of(values: &[Obj<Item>]) -> WeakValueDictionary<u32, Item> {
    let d = WeakValueDictionary::new();
    for (i, v) in values.iter().enumerate() {
        d.insert(i as u32, v);
    }
    d
}

/// A dictionary mapping each key to its value times ten.
fn wkd_of(keys: &[Obj<Item>]) -> WeakKeyDictionary<Item, u32> {
    let d = WeakKeyDictionary::new();
    for k in keys {
        d.insert(k, k.0 * 10);
    }
    d
}

fn set_of(elements: &[Obj<Item>]) -> WeakSet<Item> {
    elements.iter().collect()
}
