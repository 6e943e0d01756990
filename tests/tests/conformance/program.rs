//! The programs: operations over a few numbered slots, their generator, and their JSON form
//! (what the Python worker reads).
//!
//! A program names slots, never values: `o0..o5` hold strong handles to objects (`Obj` /
//! a Python variable), `r0..r5` weak-reference handles (a reference, a proxy or a
//! `WeakMethod`), `f0..f2` finalizer handles and `c0..c3` weak collections. Every operation is
//! total: on an empty slot, or on a collection of the wrong kind, it records `empty` or `n/a`
//! on both sides and does nothing, so that any subsequence of a program (what shrinking tries)
//! is a program too.

use std::fmt;

use proptest::collection::vec;
use proptest::prelude::*;

use super::json::Json;

/// Object slots (`o0..`).
pub const OBJS: u8 = 5;
/// Weak-reference slots (`r0..`).
pub const REFS: u8 = 5;
/// Finalizer slots (`f0..`).
pub const FINS: u8 = 2;
/// Collection slots (`c0..`).
pub const COLLS: u8 = 3;
/// Object values are `0..VALUES`, so that distinct objects often compare equal.
pub const VALUES: u8 = 4;
/// `WeakValueDictionary` keys and `WeakKeyDictionary` values are `0..KEYS`.
pub const KEYS: u8 = 4;

/// The kinds of weak collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `WeakValueDictionary<u8, Item>`.
    Wvd,
    /// `WeakKeyDictionary<Item, u8>`, keys by value.
    Wkd,
    /// `WeakIdKeyDictionary<Item, u8>`: keys by identity (Python: a `WeakKeyDictionary` whose
    /// keys compare by identity, see the module documentation).
    WkdId,
    /// `WeakSet<Item>`, by value.
    Set,
    /// `WeakIdSet<Item>`: by identity.
    SetId,
}

impl Kind {
    /// The name both sides use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Wvd => "wvd",
            Kind::Wkd => "wkd",
            Kind::WkdId => "wkdid",
            Kind::Set => "set",
            Kind::SetId => "setid",
        }
    }
}

/// The set algebra's binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// `|`, `union`.
    Union,
    /// `&`, `intersection`.
    Intersection,
    /// `-`, `difference`.
    Difference,
    /// `^`, `symmetric_difference`.
    SymmetricDifference,
}

impl SetOp {
    /// The operator, as both sides name it.
    pub fn symbol(self) -> &'static str {
        match self {
            SetOp::Union => "|",
            SetOp::Intersection => "&",
            SetOp::Difference => "-",
            SetOp::SymmetricDifference => "^",
        }
    }
}

/// The set relations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    /// `issubset`, `<=`.
    Subset,
    /// `issuperset`, `>=`.
    Superset,
    /// `isdisjoint`.
    Disjoint,
    /// Proper subset, `<`.
    Less,
    /// Proper superset, `>`.
    Greater,
}

impl Rel {
    /// The relation, as both sides name it.
    pub fn symbol(self) -> &'static str {
        match self {
            Rel::Subset => "<=",
            Rel::Superset => ">=",
            Rel::Disjoint => "disjoint",
            Rel::Less => "<",
            Rel::Greater => ">",
        }
    }
}

/// What a callback or a finalizer does when it runs: its actions in order, then, if `raise`,
/// it panics (Python: raises), which the library reports as unraisable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    /// The actions, run in order.
    pub acts: Vec<Act>,
    /// Whether it panics (raises) after its actions.
    pub raise: bool,
}

/// One action of a callback: where the re-entrancy is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Act {
    /// Drop the strong handle in `o` (maybe a nested death).
    Drop {
        /// The object slot.
        o: u8,
    },
    /// Drop the weak-reference handle in `r` (maybe one whose callback is about to run).
    DropRef {
        /// The reference slot.
        r: u8,
    },
    /// A new object of value `v` in `o` (the old one may die).
    New {
        /// The object slot.
        o: u8,
        /// Its value.
        v: u8,
    },
    /// Insert `o` into `c` (`d[k] = o`, `d[o] = k`, `s.add(o)`).
    Insert {
        /// The collection slot.
        c: u8,
        /// The object slot.
        o: u8,
        /// The key (or value).
        k: u8,
    },
    /// Remove from `c` (`d.pop(k, None)`, `d.pop(o, None)`, `s.discard(o)`).
    Remove {
        /// The collection slot.
        c: u8,
        /// The object slot.
        o: u8,
        /// The key.
        k: u8,
    },
    /// Record `d.get(k)` and `k in d`, `d.get(o)` and `o in d`, or `o in s` (see
    /// [`Op::Lookup`]).
    Lookup {
        /// The collection slot.
        c: u8,
        /// The object slot.
        o: u8,
        /// The key.
        k: u8,
    },
    /// `d.setdefault(..)` or `s.add(o)` (see [`Op::SetDefault`]), recording the result.
    SetDefault {
        /// The collection slot.
        c: u8,
        /// The object slot.
        o: u8,
        /// The key.
        k: u8,
    },
    /// `d.popitem()` or `s.pop()`, recording the result.
    Pop {
        /// The collection slot.
        c: u8,
    },
    /// Record `len(c)`.
    Len {
        /// The collection slot.
        c: u8,
    },
    /// A new weak reference to `o` in `r`: the shared one, or one whose callback only logs.
    Ref {
        /// The object slot.
        o: u8,
        /// The reference slot.
        r: u8,
        /// Whether it has a (logging) callback.
        callback: bool,
    },
    /// Record what `r` gives (`r()`).
    Deref {
        /// The reference slot.
        r: u8,
    },
    /// Record `getweakrefcount(o)`.
    Count {
        /// The object slot.
        o: u8,
    },
    /// Call the finalizer in `f` (`f()`).
    FinCall {
        /// The finalizer slot.
        f: u8,
    },
}

/// One step of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `o = Item(v)`.
    New { o: u8, v: u8 },
    /// `to = from` (a second strong handle).
    Share { from: u8, to: u8 },
    /// `del o`.
    Drop { o: u8 },
    /// `r = weakref.ref(o)` (shared) or `weakref.ref(o, callback)`.
    Ref { o: u8, r: u8, cb: Option<Callback> },
    /// `r = weakref.proxy(o)` (shared) or `weakref.proxy(o, callback)`.
    Proxy { o: u8, r: u8, cb: Option<Callback> },
    /// `r = weakref.WeakMethod(o.get_v)` (`which` 0) or `o.get_serial` (1), maybe with a
    /// callback.
    Method {
        o: u8,
        r: u8,
        which: u8,
        cb: Option<Callback>,
    },
    /// `to = from` (another handle to the same weak-reference object).
    CopyRef { from: u8, to: u8 },
    /// `del r`.
    DropRef { r: u8 },
    /// `r()`, `p.serial` and `p()`, or `wm()()`.
    Deref { r: u8 },
    /// `r.__callback__ is not None`.
    Pending { r: u8 },
    /// `hash(r)`.
    Hash { r: u8 },
    /// `a == b` and `a is b`.
    Compare { a: u8, b: u8 },
    /// `p == o` for a proxy `p`.
    ProxyEq { r: u8, o: u8 },
    /// `getweakrefcount(o)` and `getweakrefs(o)`.
    Weakrefs { o: u8 },
    /// `f = weakref.finalize(o, func)`.
    Finalize { o: u8, f: u8, cb: Callback },
    /// `f()`.
    FinCall { f: u8 },
    /// `f.detach()`.
    FinDetach { f: u8 },
    /// `f.peek()`.
    FinPeek { f: u8 },
    /// `f.alive` and `f.atexit`.
    FinState { f: u8 },
    /// `f.atexit = on`.
    FinSetAtexit { f: u8, on: bool },
    /// `del f` (the finalizer stays registered).
    DropFin { f: u8 },
    /// `c = <an empty collection of kind>`.
    NewColl { c: u8, kind: Kind },
    /// `d[k] = o`, `d[o] = k` or `s.add(o)`.
    Insert { c: u8, o: u8, k: u8 },
    /// `d.setdefault(k, o)`, `d.setdefault(o, k)` or `s.add(o)`.
    SetDefault { c: u8, o: u8, k: u8 },
    /// `d.get(k)` and `k in d`, `d.get(o)` and `o in d`, or `o in s`.
    Lookup { c: u8, o: u8, k: u8 },
    /// `del d[k]` / `d.pop(k, None)`, `del d[o]` / `d.pop(o, None)`, `s.remove(o)` /
    /// `s.discard(o)`.
    Remove { c: u8, o: u8, k: u8, strict: bool },
    /// `d.popitem()` or `s.pop()`.
    Pop { c: u8 },
    /// Iterate `items()` (view 0), `keys()` (1) or `values()` (2), dropping `victim` once the
    /// iterator exists, before it yields anything.
    Iter { c: u8, view: u8, victim: Option<u8> },
    /// `c.clear()`.
    Clear { c: u8 },
    /// `dst = c.copy()`.
    Copy { c: u8, dst: u8 },
    /// `a == b`.
    Equal { a: u8, b: u8 },
    /// `dst.update(src)`.
    Update { dst: u8, src: u8 },
    /// `dst = a <op> b`.
    SetAlgebra { op: SetOp, a: u8, b: u8, dst: u8 },
    /// `a <op>= b`.
    SetUpdate { op: SetOp, a: u8, b: u8 },
    /// `a.issubset(b)`, ..., `a < b`.
    SetRelation { rel: Rel, a: u8, b: u8 },
    /// `del c`.
    DropColl { c: u8 },
}

fn slot(n: u8) -> impl Strategy<Value = u8> {
    0..n
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => slot(OBJS).prop_map(|o| Act::Drop { o }),
        2 => slot(REFS).prop_map(|r| Act::DropRef { r }),
        2 => (slot(OBJS), slot(VALUES)).prop_map(|(o, v)| Act::New { o, v }),
        2 => (slot(COLLS), slot(OBJS), slot(KEYS)).prop_map(|(c, o, k)| Act::Insert { c, o, k }),
        1 => (slot(COLLS), slot(OBJS), slot(KEYS)).prop_map(|(c, o, k)| Act::Remove { c, o, k }),
        2 => (slot(COLLS), slot(OBJS), slot(KEYS)).prop_map(|(c, o, k)| Act::Lookup { c, o, k }),
        1 => (slot(COLLS), slot(OBJS), slot(KEYS)).prop_map(|(c, o, k)| Act::SetDefault { c, o, k }),
        1 => slot(COLLS).prop_map(|c| Act::Pop { c }),
        2 => slot(COLLS).prop_map(|c| Act::Len { c }),
        2 => (slot(OBJS), slot(REFS), any::<bool>())
            .prop_map(|(o, r, callback)| Act::Ref { o, r, callback }),
        2 => slot(REFS).prop_map(|r| Act::Deref { r }),
        1 => slot(OBJS).prop_map(|o| Act::Count { o }),
        1 => slot(FINS).prop_map(|f| Act::FinCall { f }),
    ]
}

fn callback() -> impl Strategy<Value = Callback> {
    (vec(act(), 0..=2), prop::bool::weighted(0.15))
        .prop_map(|(acts, raise)| Callback { acts, raise })
}

fn maybe_callback() -> impl Strategy<Value = Option<Callback>> {
    prop::option::weighted(0.6, callback())
}

fn kind() -> impl Strategy<Value = Kind> {
    // Sets a little more often: the set algebra needs two of them.
    prop_oneof![
        2 => Just(Kind::Wvd),
        2 => Just(Kind::Wkd),
        2 => Just(Kind::WkdId),
        3 => Just(Kind::Set),
        3 => Just(Kind::SetId),
    ]
}

fn set_op() -> impl Strategy<Value = SetOp> {
    prop_oneof![
        Just(SetOp::Union),
        Just(SetOp::Intersection),
        Just(SetOp::Difference),
        Just(SetOp::SymmetricDifference),
    ]
}

fn rel() -> impl Strategy<Value = Rel> {
    prop_oneof![
        Just(Rel::Subset),
        Just(Rel::Superset),
        Just(Rel::Disjoint),
        Just(Rel::Less),
        Just(Rel::Greater),
    ]
}

/// Operations on objects and weak references.
fn ref_op() -> impl Strategy<Value = Op> {
    let (o, r) = (|| slot(OBJS), || slot(REFS));
    prop_oneof![
        14 => (o(), slot(VALUES)).prop_map(|(o, v)| Op::New { o, v }),
        3 => (o(), o()).prop_map(|(from, to)| Op::Share { from, to }),
        4 => o().prop_map(|o| Op::Drop { o }),
        8 => (o(), r(), maybe_callback()).prop_map(|(o, r, cb)| Op::Ref { o, r, cb }),
        3 => (o(), r(), maybe_callback()).prop_map(|(o, r, cb)| Op::Proxy { o, r, cb }),
        4 => (o(), r(), 0..2u8, maybe_callback())
            .prop_map(|(o, r, which, cb)| Op::Method { o, r, which, cb }),
        2 => (r(), r()).prop_map(|(from, to)| Op::CopyRef { from, to }),
        3 => r().prop_map(|r| Op::DropRef { r }),
        3 => r().prop_map(|r| Op::Deref { r }),
        1 => r().prop_map(|r| Op::Pending { r }),
        3 => r().prop_map(|r| Op::Hash { r }),
        5 => (r(), r()).prop_map(|(a, b)| Op::Compare { a, b }),
        1 => (r(), o()).prop_map(|(r, o)| Op::ProxyEq { r, o }),
        3 => o().prop_map(|o| Op::Weakrefs { o }),
    ]
}

/// Operations on finalizers.
fn fin_op() -> impl Strategy<Value = Op> {
    let f = || slot(FINS);
    prop_oneof![
        4 => (slot(OBJS), f(), callback()).prop_map(|(o, f, cb)| Op::Finalize { o, f, cb }),
        2 => f().prop_map(|f| Op::FinCall { f }),
        1 => f().prop_map(|f| Op::FinDetach { f }),
        1 => f().prop_map(|f| Op::FinPeek { f }),
        1 => f().prop_map(|f| Op::FinState { f }),
        1 => (f(), any::<bool>()).prop_map(|(f, on)| Op::FinSetAtexit { f, on }),
        1 => f().prop_map(|f| Op::DropFin { f }),
    ]
}

/// Operations on weak collections.
fn coll_op() -> impl Strategy<Value = Op> {
    let (c, o, k) = (|| slot(COLLS), || slot(OBJS), || slot(KEYS));
    prop_oneof![
        5 => (c(), kind()).prop_map(|(c, kind)| Op::NewColl { c, kind }),
        8 => (c(), o(), k()).prop_map(|(c, o, k)| Op::Insert { c, o, k }),
        2 => (c(), o(), k()).prop_map(|(c, o, k)| Op::SetDefault { c, o, k }),
        3 => (c(), o(), k()).prop_map(|(c, o, k)| Op::Lookup { c, o, k }),
        3 => (c(), o(), k(), any::<bool>())
            .prop_map(|(c, o, k, strict)| Op::Remove { c, o, k, strict }),
        2 => c().prop_map(|c| Op::Pop { c }),
        3 => (c(), 0..3u8, prop::option::weighted(0.5, o()))
            .prop_map(|(c, view, victim)| Op::Iter { c, view, victim }),
        1 => c().prop_map(|c| Op::Clear { c }),
        1 => (c(), c()).prop_map(|(c, dst)| Op::Copy { c, dst }),
        2 => (c(), c()).prop_map(|(a, b)| Op::Equal { a, b }),
        1 => (c(), c()).prop_map(|(dst, src)| Op::Update { dst, src }),
        3 => (set_op(), c(), c(), c()).prop_map(|(op, a, b, dst)| Op::SetAlgebra { op, a, b, dst }),
        3 => (set_op(), c(), c()).prop_map(|(op, a, b)| Op::SetUpdate { op, a, b }),
        3 => (rel(), c(), c()).prop_map(|(rel, a, b)| Op::SetRelation { rel, a, b }),
        1 => c().prop_map(|c| Op::DropColl { c }),
    ]
}

/// One operation, any kind.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![5 => ref_op(), 1 => fin_op(), 4 => coll_op()]
}

/// What a program does once its slots are filled: finalizers and insertions.
fn setup_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (slot(OBJS), slot(FINS), callback()).prop_map(|(o, f, cb)| Op::Finalize { o, f, cb }),
        3 => (slot(COLLS), slot(OBJS), slot(KEYS)).prop_map(|(c, o, k)| Op::Insert { c, o, k }),
    ]
}

/// A weak reference to object slot `o` in slot `r`: a reference, a proxy or a `WeakMethod`.
fn new_ref(r: u8, (o, what, cb): (u8, u8, Option<Callback>)) -> Op {
    match what {
        0 => Op::Ref { o, r, cb },
        1 => Op::Proxy { o, r, cb },
        _ => Op::Method {
            o,
            r,
            which: what - 2,
            cb,
        },
    }
}

/// Setup operations after the slots are filled, at most.
const SETUP: usize = 8;

/// A program of at most `max_len` operations. It starts with a setup, so that few operations find
/// their slots empty: an object in each object slot, a collection in each collection slot, a
/// weak reference in each reference slot (each of them an `Option`, which shrinks to `None`),
/// then finalizers and insertions; then any operations.
pub fn program(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    let (objs, colls, refs) = (usize::from(OBJS), usize::from(COLLS), usize::from(REFS));
    let body = max_len - objs - colls - refs - SETUP;
    let reference = (
        slot(OBJS),
        prop_oneof![3 => Just(0u8), 1 => 1..4u8],
        maybe_callback(),
    );
    (
        vec(prop::option::weighted(0.9, slot(VALUES)), objs),
        vec(prop::option::weighted(0.9, kind()), colls),
        vec(prop::option::weighted(0.8, reference), refs),
        vec(setup_op(), 0..=SETUP),
        vec(op(), 0..=body),
    )
        .prop_map(|(values, kinds, refs, setup, body)| {
            let objects = (0..)
                .zip(values)
                .filter_map(|(o, v)| Some(Op::New { o, v: v? }));
            let colls = (0..)
                .zip(kinds)
                .filter_map(|(c, kind)| Some(Op::NewColl { c, kind: kind? }));
            let refs = (0..)
                .zip(refs)
                .filter_map(|(r, what)| Some(new_ref(r, what?)));
            objects
                .chain(colls)
                .chain(refs)
                .chain(setup)
                .chain(body)
                .collect()
        })
}

// The JSON form: each operation an array `[name, arguments...]`, a callback
// `[raise, [action...]]`; the Python worker dispatches on the name.

impl Callback {
    fn to_json(&self) -> Json {
        Json::Array(vec![
            Json::Bool(self.raise),
            Json::Array(self.acts.iter().map(Act::to_json).collect()),
        ])
    }
}

fn opt_callback(cb: &Option<Callback>) -> Json {
    cb.as_ref().map_or(Json::Null, Callback::to_json)
}

fn arr(name: &str, args: impl IntoIterator<Item = Json>) -> Json {
    let mut items = vec![Json::str(name)];
    items.extend(args);
    Json::Array(items)
}

fn n(value: u8) -> Json {
    Json::int(value)
}

impl Act {
    /// The action's JSON form.
    pub fn to_json(&self) -> Json {
        match *self {
            Act::Drop { o } => arr("drop", [n(o)]),
            Act::DropRef { r } => arr("dropref", [n(r)]),
            Act::New { o, v } => arr("new", [n(o), n(v)]),
            Act::Insert { c, o, k } => arr("insert", [n(c), n(o), n(k)]),
            Act::Remove { c, o, k } => arr("remove", [n(c), n(o), n(k)]),
            Act::Lookup { c, o, k } => arr("lookup", [n(c), n(o), n(k)]),
            Act::SetDefault { c, o, k } => arr("setdefault", [n(c), n(o), n(k)]),
            Act::Pop { c } => arr("pop", [n(c)]),
            Act::Len { c } => arr("len", [n(c)]),
            Act::Ref { o, r, callback } => arr("ref", [n(o), n(r), Json::Bool(callback)]),
            Act::Deref { r } => arr("deref", [n(r)]),
            Act::Count { o } => arr("count", [n(o)]),
            Act::FinCall { f } => arr("fincall", [n(f)]),
        }
    }
}

impl Op {
    /// The operation's JSON form.
    pub fn to_json(&self) -> Json {
        match self {
            &Op::New { o, v } => arr("new", [n(o), n(v)]),
            &Op::Share { from, to } => arr("share", [n(from), n(to)]),
            &Op::Drop { o } => arr("drop", [n(o)]),
            Op::Ref { o, r, cb } => arr("ref", [n(*o), n(*r), opt_callback(cb)]),
            Op::Proxy { o, r, cb } => arr("proxy", [n(*o), n(*r), opt_callback(cb)]),
            Op::Method { o, r, which, cb } => {
                arr("method", [n(*o), n(*r), n(*which), opt_callback(cb)])
            }
            &Op::CopyRef { from, to } => arr("copyref", [n(from), n(to)]),
            &Op::DropRef { r } => arr("dropref", [n(r)]),
            &Op::Deref { r } => arr("deref", [n(r)]),
            &Op::Pending { r } => arr("pending", [n(r)]),
            &Op::Hash { r } => arr("hash", [n(r)]),
            &Op::Compare { a, b } => arr("compare", [n(a), n(b)]),
            &Op::ProxyEq { r, o } => arr("proxyeq", [n(r), n(o)]),
            &Op::Weakrefs { o } => arr("weakrefs", [n(o)]),
            Op::Finalize { o, f, cb } => arr("finalize", [n(*o), n(*f), cb.to_json()]),
            &Op::FinCall { f } => arr("fincall", [n(f)]),
            &Op::FinDetach { f } => arr("detach", [n(f)]),
            &Op::FinPeek { f } => arr("peek", [n(f)]),
            &Op::FinState { f } => arr("finstate", [n(f)]),
            &Op::FinSetAtexit { f, on } => arr("setatexit", [n(f), Json::Bool(on)]),
            &Op::DropFin { f } => arr("dropfin", [n(f)]),
            &Op::NewColl { c, kind } => arr("coll", [n(c), Json::str(kind.name())]),
            &Op::Insert { c, o, k } => arr("insert", [n(c), n(o), n(k)]),
            &Op::SetDefault { c, o, k } => arr("setdefault", [n(c), n(o), n(k)]),
            &Op::Lookup { c, o, k } => arr("lookup", [n(c), n(o), n(k)]),
            &Op::Remove { c, o, k, strict } => {
                arr("remove", [n(c), n(o), n(k), Json::Bool(strict)])
            }
            &Op::Pop { c } => arr("pop", [n(c)]),
            &Op::Iter { c, view, victim } => arr("iter", [n(c), n(view), Json::opt(victim)]),
            &Op::Clear { c } => arr("clear", [n(c)]),
            &Op::Copy { c, dst } => arr("copy", [n(c), n(dst)]),
            &Op::Equal { a, b } => arr("equal", [n(a), n(b)]),
            &Op::Update { dst, src } => arr("update", [n(dst), n(src)]),
            &Op::SetAlgebra { op, a, b, dst } => {
                arr("setop", [Json::str(op.symbol()), n(a), n(b), n(dst)])
            }
            &Op::SetUpdate { op, a, b } => arr("setupdate", [Json::str(op.symbol()), n(a), n(b)]),
            &Op::SetRelation { rel, a, b } => arr("setrel", [Json::str(rel.symbol()), n(a), n(b)]),
            &Op::DropColl { c } => arr("dropcoll", [n(c)]),
        }
    }
}

/// A program's JSON form: an array of operations.
pub fn to_json(program: &[Op]) -> Json {
    Json::Array(program.iter().map(Op::to_json).collect())
}

// The human form, for reports: Python-like statements.

impl fmt::Display for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cb[")?;
        for (i, act) in self.acts.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{act}")?;
        }
        if self.raise {
            if !self.acts.is_empty() {
                f.write_str("; ")?;
            }
            f.write_str("raise")?;
        }
        f.write_str("]")
    }
}

impl fmt::Display for Act {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Act::Drop { o } => write!(f, "del o{o}"),
            Act::DropRef { r } => write!(f, "del r{r}"),
            Act::New { o, v } => write!(f, "o{o} = Item({v})"),
            Act::Insert { c, o, k } => write!(f, "c{c}.insert(o{o}, {k})"),
            Act::Remove { c, o, k } => write!(f, "c{c}.discard(o{o}, {k})"),
            Act::Lookup { c, o, k } => write!(f, "c{c}.lookup(o{o}, {k})"),
            Act::SetDefault { c, o, k } => write!(f, "c{c}.setdefault(o{o}, {k})"),
            Act::Pop { c } => write!(f, "c{c}.popitem()"),
            Act::Len { c } => write!(f, "len(c{c})"),
            Act::Ref { o, r, callback } => {
                write!(f, "r{r} = ref(o{o}{})", if callback { ", log" } else { "" })
            }
            Act::Deref { r } => write!(f, "r{r}()"),
            Act::Count { o } => write!(f, "getweakrefcount(o{o})"),
            Act::FinCall { f: fin } => write!(f, "f{fin}()"),
        }
    }
}

fn with_cb(cb: &Option<Callback>) -> String {
    cb.as_ref().map(|cb| format!(", {cb}")).unwrap_or_default()
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::New { o, v } => write!(f, "o{o} = Item({v})"),
            Op::Share { from, to } => write!(f, "o{to} = o{from}"),
            Op::Drop { o } => write!(f, "del o{o}"),
            Op::Ref { o, r, cb } => write!(f, "r{r} = ref(o{o}{})", with_cb(cb)),
            Op::Proxy { o, r, cb } => write!(f, "r{r} = proxy(o{o}{})", with_cb(cb)),
            Op::Method { o, r, which, cb } => {
                let method = if *which == 0 { "get_v" } else { "get_serial" };
                write!(f, "r{r} = WeakMethod(o{o}.{method}{})", with_cb(cb))
            }
            Op::CopyRef { from, to } => write!(f, "r{to} = r{from}"),
            Op::DropRef { r } => write!(f, "del r{r}"),
            Op::Deref { r } => write!(f, "r{r}()"),
            Op::Pending { r } => write!(f, "r{r}.__callback__ is not None"),
            Op::Hash { r } => write!(f, "hash(r{r})"),
            Op::Compare { a, b } => write!(f, "r{a} == r{b}, r{a} is r{b}"),
            Op::ProxyEq { r, o } => write!(f, "r{r} == o{o}"),
            Op::Weakrefs { o } => write!(f, "getweakrefcount(o{o}), getweakrefs(o{o})"),
            Op::Finalize { o, f: fin, cb } => write!(f, "f{fin} = finalize(o{o}, {cb})"),
            Op::FinCall { f: fin } => write!(f, "f{fin}()"),
            Op::FinDetach { f: fin } => write!(f, "f{fin}.detach()"),
            Op::FinPeek { f: fin } => write!(f, "f{fin}.peek()"),
            Op::FinState { f: fin } => write!(f, "f{fin}.alive, f{fin}.atexit"),
            Op::FinSetAtexit { f: fin, on } => write!(f, "f{fin}.atexit = {on}"),
            Op::DropFin { f: fin } => write!(f, "del f{fin}"),
            Op::NewColl { c, kind } => write!(f, "c{c} = {}()", kind.name()),
            Op::Insert { c, o, k } => write!(f, "c{c}.insert(o{o}, {k})"),
            Op::SetDefault { c, o, k } => write!(f, "c{c}.setdefault(o{o}, {k})"),
            Op::Lookup { c, o, k } => write!(f, "c{c}.lookup(o{o}, {k})"),
            Op::Remove { c, o, k, strict } => {
                let how = if *strict { "remove" } else { "discard" };
                write!(f, "c{c}.{how}(o{o}, {k})")
            }
            Op::Pop { c } => write!(f, "c{c}.popitem()"),
            Op::Iter { c, view, victim } => {
                let view = ["items", "keys", "values"][usize::from(*view)];
                match victim {
                    Some(o) => write!(f, "it = iter(c{c}.{view}()); del o{o}; list(it)"),
                    None => write!(f, "list(c{c}.{view}())"),
                }
            }
            Op::Clear { c } => write!(f, "c{c}.clear()"),
            Op::Copy { c, dst } => write!(f, "c{dst} = c{c}.copy()"),
            Op::Equal { a, b } => write!(f, "c{a} == c{b}"),
            Op::Update { dst, src } => write!(f, "c{dst}.update(c{src})"),
            Op::SetAlgebra { op, a, b, dst } => write!(f, "c{dst} = c{a} {} c{b}", op.symbol()),
            Op::SetUpdate { op, a, b } => write!(f, "c{a} {}= c{b}", op.symbol()),
            Op::SetRelation { rel, a, b } => write!(f, "c{a} {} c{b}", rel.symbol()),
            Op::DropColl { c } => write!(f, "del c{c}"),
        }
    }
}
