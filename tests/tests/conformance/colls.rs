//! The five kinds of weak collection behind one object-safe trait, so that the interpreter
//! holds any of them in a slot and calls them without naming their bounds.
//!
//! Every method records its result as the string the Python side records for the same call
//! (`cpython_trace.py`, classes `Wvd`, `Wkd` and `Set`).

use std::any::Any;
use std::rc::Rc;

use weakref_core::flavor::{Flavor, SendIf, SyncIf};
use weakref_core::generic::{Obj, WeakKeyDictionary, WeakSet, WeakValueDictionary};
use weakref_core::{ById, ByValue, Hashable};

use super::interp::{FixedState, Item};
use super::program::{Kind, Rel, SetOp};

/// The entries of a collection as the right operand of `update` and the set algebra: a list in
/// a canonical order (by key, or by object serial), the same on both sides, so that which of
/// two equal elements is kept never depends on a hash table's order.
pub enum Pairs<F: Flavor> {
    /// A `WeakValueDictionary`'s `(key, value)`, by key.
    Values(Vec<(u8, Obj<Item, F>)>),
    /// A `WeakKeyDictionary`'s `(key, value)`, by the key's serial.
    Keys(Vec<(Obj<Item, F>, u8)>),
    /// A set's members, by serial.
    Members(Vec<Obj<Item, F>>),
}

/// A weak collection of any kind, as the interpreter uses it.
pub trait CollOps<F: Flavor> {
    /// For downcasting to the concrete type (equality and ordering need both sides' types).
    fn as_any(&self) -> &dyn Any;
    /// `len(c)`.
    fn len(&self) -> usize;
    /// `d[k] = o`, `d[o] = k`, `s.add(o)`.
    fn insert(&self, o: Option<&Obj<Item, F>>, k: u8) -> String;
    /// `d.setdefault(k, o)`, `d.setdefault(o, k)`, `s.add(o)`.
    fn setdefault(&self, o: Option<&Obj<Item, F>>, k: u8) -> String;
    /// `d.get(..)` and `.. in d`, `o in s`.
    fn lookup(&self, o: Option<&Obj<Item, F>>, k: u8) -> String;
    /// `d.pop(k)` (strict) / `d.pop(k, None)`, `del d[o]` / `d.pop(o, None)`, `s.remove(o)` /
    /// `s.discard(o)`.
    fn remove(&self, o: Option<&Obj<Item, F>>, k: u8, strict: bool) -> String;
    /// `popitem()` / `pop()`: the result, and the choice for the Python side to replay.
    fn pop(&self) -> (String, String);
    /// Iterates view `view` (items, keys, values), calling `before` once the iterator exists and
    /// before it yields anything.
    fn iterate(&self, view: u8, before: &mut dyn FnMut()) -> Vec<String>;
    /// `c.clear()`.
    fn clear(&self);
    /// `c.copy()`.
    fn copy(&self) -> Rc<dyn CollOps<F>>;
    /// `a == b`, for two collections of the same kind.
    fn equal(&self, other: &dyn CollOps<F>) -> Option<bool>;
    /// The entries, in the canonical order.
    fn pairs(&self) -> Pairs<F>;
    /// `d.update(src)`, if `src` is of a matching sort.
    fn update(&self, src: &Pairs<F>) -> bool;
    /// The set algebra, if this is a set.
    fn as_set(&self) -> Option<&dyn SetOps<F>> {
        None
    }
}

/// What only sets do: the set algebra.
pub trait SetOps<F: Flavor> {
    /// The members, in the canonical order.
    fn members(&self) -> Vec<Obj<Item, F>>;
    /// `a <op> items`.
    fn set_algebra(&self, op: SetOp, items: &[Obj<Item, F>]) -> Rc<dyn CollOps<F>>;
    /// `a <op>= items`.
    fn set_update(&self, op: SetOp, items: &[Obj<Item, F>]);
    /// `a <rel> items`, or `a < b` / `a > b` for sets of the same kind (`None` otherwise).
    fn set_relation(
        &self,
        rel: Rel,
        other: &dyn CollOps<F>,
        items: &[Obj<Item, F>],
    ) -> Option<bool>;
}

/// An empty collection of `kind`, with the fixed hasher. Its bounds hold for either flavor;
/// [`Kit`](super::interp::Kit) calls it once the flavor is concrete.
pub fn new_collection<F: Flavor>(kind: Kind) -> Rc<dyn CollOps<F>>
where
    Item: SendIf<F> + SyncIf<F>,
    FixedState: SendIf<F> + SyncIf<F>,
    u8: SendIf<F>,
{
    match kind {
        Kind::Wvd => Rc::new(WeakValueDictionary::<u8, Item, FixedState, F>::with_hasher(
            FixedState::default(),
        )),
        Kind::Wkd => Rc::new(
            WeakKeyDictionary::<Item, u8, FixedState, ByValue, F>::with_hasher(
                FixedState::default(),
            ),
        ),
        Kind::WkdId => Rc::new(
            WeakKeyDictionary::<Item, u8, FixedState, ById, F>::with_hasher(FixedState::default()),
        ),
        Kind::Set => Rc::new(WeakSet::<Item, FixedState, ByValue, F>::with_hasher(
            FixedState::default(),
        )),
        Kind::SetId => Rc::new(WeakSet::<Item, FixedState, ById, F>::with_hasher(
            FixedState::default(),
        )),
    }
}

fn serial<F: Flavor>(obj: &Obj<Item, F>) -> u32 {
    obj.serial()
}

fn bit(value: bool) -> String {
    if value { "1" } else { "0" }.into()
}

fn by_serial<F: Flavor>(mut objs: Vec<Obj<Item, F>>) -> Vec<Obj<Item, F>> {
    objs.sort_by_key(serial);
    objs
}

/// Calls `before` with `iter` created and not started, then records what it yields.
fn iterate_with<T>(
    iter: impl Iterator<Item = T>,
    before: &mut dyn FnMut(),
    record: impl Fn(T) -> String,
) -> Vec<String> {
    before();
    iter.map(record).collect()
}

impl<F: Flavor> CollOps<F> for WeakValueDictionary<u8, Item, FixedState, F>
where
    Item: SendIf<F> + SyncIf<F>,
    FixedState: SendIf<F> + SyncIf<F>,
    u8: SendIf<F>,
{
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn len(&self) -> usize {
        WeakValueDictionary::len(self)
    }

    fn insert(&self, o: Option<&Obj<Item, F>>, k: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        drop(WeakValueDictionary::insert(self, k, o));
        "ok".into()
    }

    fn setdefault(&self, o: Option<&Obj<Item, F>>, k: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        format!("s{}", WeakValueDictionary::setdefault(self, k, o).serial())
    }

    fn lookup(&self, _: Option<&Obj<Item, F>>, k: u8) -> String {
        let got = self
            .get(&k)
            .map_or_else(|| "None".into(), |o| format!("s{}", o.serial()));
        format!("get={got} in={}", bit(self.contains_key(&k)))
    }

    fn remove(&self, _: Option<&Obj<Item, F>>, k: u8, strict: bool) -> String {
        match (WeakValueDictionary::remove(self, &k), strict) {
            (Some(_), true) => "ok".into(),
            (None, true) => "KeyError".into(),
            (Some(o), false) => format!("s{}", o.serial()),
            (None, false) => "None".into(),
        }
    }

    fn pop(&self) -> (String, String) {
        match self.popitem() {
            Some((k, o)) => (format!("{k}:s{}", o.serial()), k.to_string()),
            None => ("empty".into(), "-".into()),
        }
    }

    fn iterate(&self, view: u8, before: &mut dyn FnMut()) -> Vec<String> {
        match view {
            0 => iterate_with(self.iter(), before, |(k, o)| format!("{k}:s{}", o.serial())),
            1 => iterate_with(self.keys(), before, |k| k.to_string()),
            _ => iterate_with(self.values(), before, |o| format!("s{}", o.serial())),
        }
    }

    fn clear(&self) {
        WeakValueDictionary::clear(self)
    }

    fn copy(&self) -> Rc<dyn CollOps<F>> {
        Rc::new(self.clone())
    }

    fn equal(&self, other: &dyn CollOps<F>) -> Option<bool> {
        Some(self == other.as_any().downcast_ref::<Self>()?)
    }

    fn pairs(&self) -> Pairs<F> {
        let mut pairs: Vec<(u8, Obj<Item, F>)> = self.iter().collect();
        pairs.sort_by_key(|(k, _)| *k);
        Pairs::Values(pairs)
    }

    fn update(&self, src: &Pairs<F>) -> bool {
        match src {
            Pairs::Values(pairs) => {
                WeakValueDictionary::update(self, pairs.iter().map(|(k, o)| (*k, o)));
                true
            }
            _ => false,
        }
    }
}

impl<F: Flavor, M: 'static> CollOps<F> for WeakKeyDictionary<Item, u8, FixedState, M, F>
where
    Item: Hashable<M> + SendIf<F> + SyncIf<F>,
    FixedState: SendIf<F> + SyncIf<F>,
    u8: SendIf<F>,
{
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn len(&self) -> usize {
        WeakKeyDictionary::len(self)
    }

    fn insert(&self, o: Option<&Obj<Item, F>>, k: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        WeakKeyDictionary::insert(self, o, k);
        "ok".into()
    }

    fn setdefault(&self, o: Option<&Obj<Item, F>>, k: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        WeakKeyDictionary::setdefault(self, o, k).to_string()
    }

    fn lookup(&self, o: Option<&Obj<Item, F>>, _: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        let got = self.get(o).map_or_else(|| "None".into(), |v| v.to_string());
        format!("get={got} in={}", bit(self.contains_key(o)))
    }

    fn remove(&self, o: Option<&Obj<Item, F>>, _: u8, strict: bool) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        match (WeakKeyDictionary::remove(self, o), strict) {
            (Some(_), true) => "ok".into(),
            (None, true) => "KeyError".into(),
            (Some(v), false) => v.to_string(),
            (None, false) => "None".into(),
        }
    }

    fn pop(&self) -> (String, String) {
        match self.popitem() {
            Some((o, v)) => (format!("s{}:{v}", o.serial()), o.serial().to_string()),
            None => ("empty".into(), "-".into()),
        }
    }

    fn iterate(&self, view: u8, before: &mut dyn FnMut()) -> Vec<String> {
        match view {
            0 => iterate_with(self.iter(), before, |(o, v)| format!("s{}:{v}", o.serial())),
            1 => iterate_with(self.keys(), before, |o| format!("s{}", o.serial())),
            _ => iterate_with(self.values(), before, |v| v.to_string()),
        }
    }

    fn clear(&self) {
        WeakKeyDictionary::clear(self)
    }

    fn copy(&self) -> Rc<dyn CollOps<F>> {
        Rc::new(self.clone())
    }

    fn equal(&self, other: &dyn CollOps<F>) -> Option<bool> {
        Some(self == other.as_any().downcast_ref::<Self>()?)
    }

    fn pairs(&self) -> Pairs<F> {
        let mut pairs: Vec<(Obj<Item, F>, u8)> = self.iter().collect();
        pairs.sort_by_key(|(o, _)| o.serial());
        Pairs::Keys(pairs)
    }

    fn update(&self, src: &Pairs<F>) -> bool {
        match src {
            Pairs::Keys(pairs) => {
                WeakKeyDictionary::update(self, pairs.iter().map(|(o, v)| (o, *v)));
                true
            }
            _ => false,
        }
    }
}

impl<F: Flavor, M: 'static> CollOps<F> for WeakSet<Item, FixedState, M, F>
where
    Item: Hashable<M> + SendIf<F> + SyncIf<F>,
    FixedState: SendIf<F> + SyncIf<F>,
    u8: SendIf<F>,
{
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn len(&self) -> usize {
        WeakSet::len(self)
    }

    fn insert(&self, o: Option<&Obj<Item, F>>, _: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        self.add(o);
        "ok".into()
    }

    fn setdefault(&self, o: Option<&Obj<Item, F>>, k: u8) -> String {
        CollOps::insert(self, o, k)
    }

    fn lookup(&self, o: Option<&Obj<Item, F>>, _: u8) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        format!("in={}", bit(self.contains(o)))
    }

    fn remove(&self, o: Option<&Obj<Item, F>>, _: u8, strict: bool) -> String {
        let Some(o) = o else {
            return "empty".into();
        };
        if strict {
            match WeakSet::remove(self, o) {
                Ok(()) => "ok".into(),
                Err(_) => "KeyError".into(),
            }
        } else {
            self.discard(o);
            "ok".into()
        }
    }

    fn pop(&self) -> (String, String) {
        match WeakSet::pop(self) {
            Some(o) => (format!("s{}", o.serial()), o.serial().to_string()),
            None => ("empty".into(), "-".into()),
        }
    }

    fn iterate(&self, _: u8, before: &mut dyn FnMut()) -> Vec<String> {
        iterate_with(self.iter(), before, |o| format!("s{}", o.serial()))
    }

    fn clear(&self) {
        WeakSet::clear(self)
    }

    fn copy(&self) -> Rc<dyn CollOps<F>> {
        Rc::new(self.clone())
    }

    fn equal(&self, other: &dyn CollOps<F>) -> Option<bool> {
        Some(self == other.as_any().downcast_ref::<Self>()?)
    }

    fn pairs(&self) -> Pairs<F> {
        Pairs::Members(SetOps::members(self))
    }

    fn update(&self, src: &Pairs<F>) -> bool {
        match src {
            Pairs::Members(items) => {
                WeakSet::update(self, items);
                true
            }
            _ => false,
        }
    }

    fn as_set(&self) -> Option<&dyn SetOps<F>> {
        Some(self)
    }
}

impl<F: Flavor, M: 'static> SetOps<F> for WeakSet<Item, FixedState, M, F>
where
    Item: Hashable<M> + SendIf<F> + SyncIf<F>,
    FixedState: SendIf<F> + SyncIf<F>,
    u8: SendIf<F>,
{
    fn members(&self) -> Vec<Obj<Item, F>> {
        by_serial(self.iter().collect())
    }

    fn set_algebra(&self, op: SetOp, items: &[Obj<Item, F>]) -> Rc<dyn CollOps<F>> {
        Rc::new(match op {
            SetOp::Union => self.union(items),
            SetOp::Intersection => self.intersection(items),
            SetOp::Difference => self.difference(items),
            SetOp::SymmetricDifference => self.symmetric_difference(items),
        })
    }

    fn set_update(&self, op: SetOp, items: &[Obj<Item, F>]) {
        match op {
            SetOp::Union => WeakSet::update(self, items),
            SetOp::Intersection => self.intersection_update(items),
            SetOp::Difference => self.difference_update(items),
            SetOp::SymmetricDifference => self.symmetric_difference_update(items),
        }
    }

    fn set_relation(
        &self,
        rel: Rel,
        other: &dyn CollOps<F>,
        items: &[Obj<Item, F>],
    ) -> Option<bool> {
        match rel {
            Rel::Subset => Some(self.is_subset(items)),
            Rel::Superset => Some(self.is_superset(items)),
            Rel::Disjoint => Some(self.is_disjoint(items)),
            Rel::Less => Some(self < other.as_any().downcast_ref::<Self>()?),
            Rel::Greater => Some(self > other.as_any().downcast_ref::<Self>()?),
        }
    }
}
