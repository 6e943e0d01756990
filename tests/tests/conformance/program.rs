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

use super::json::Json;
use super::rng::Rng;

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

// The generator. Each function draws one random value of its type; `pick`'s weights are the
// relative frequencies of the alternatives.

/// A slot number in `0..n` (also a value, a key, a view or a method number).
fn slot(g: &mut Rng, n: u8) -> u8 {
    g.below(n.into()) as u8
}

/// A count in `0..=max`, each equally likely.
fn count(g: &mut Rng, max: usize) -> usize {
    g.below(max as u64 + 1) as usize
}

/// A fair coin.
fn coin(g: &mut Rng) -> bool {
    g.chance(0.5)
}

/// A callback's action.
fn act(g: &mut Rng) -> Act {
    g.pick(&[
        (3, |g| Act::Drop { o: slot(g, OBJS) }),
        (2, |g| Act::DropRef { r: slot(g, REFS) }),
        (2, |g| Act::New {
            o: slot(g, OBJS),
            v: slot(g, VALUES),
        }),
        (2, |g| Act::Insert {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (1, |g| Act::Remove {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (2, |g| Act::Lookup {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (1, |g| Act::SetDefault {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (1, |g| Act::Pop { c: slot(g, COLLS) }),
        (2, |g| Act::Len { c: slot(g, COLLS) }),
        (2, |g| Act::Ref {
            o: slot(g, OBJS),
            r: slot(g, REFS),
            callback: coin(g),
        }),
        (2, |g| Act::Deref { r: slot(g, REFS) }),
        (1, |g| Act::Count { o: slot(g, OBJS) }),
        (1, |g| Act::FinCall { f: slot(g, FINS) }),
    ])
}

/// A callback: up to two actions, then a raise about one time in seven.
fn callback(g: &mut Rng) -> Callback {
    let acts = (0..count(g, 2)).map(|_| act(g)).collect();
    Callback {
        acts,
        raise: g.chance(0.15),
    }
}

/// A callback three times in five, else none.
fn maybe_callback(g: &mut Rng) -> Option<Callback> {
    g.chance(0.6).then(|| callback(g))
}

/// A kind of collection.
fn kind(g: &mut Rng) -> Kind {
    // Sets a little more often: the set algebra needs two of them.
    g.pick(&[
        (2, |_| Kind::Wvd),
        (2, |_| Kind::Wkd),
        (2, |_| Kind::WkdId),
        (3, |_| Kind::Set),
        (3, |_| Kind::SetId),
    ])
}

/// A set operation, each equally likely.
fn set_op(g: &mut Rng) -> SetOp {
    g.choose(&[
        SetOp::Union,
        SetOp::Intersection,
        SetOp::Difference,
        SetOp::SymmetricDifference,
    ])
}

/// A set relation, each equally likely.
fn rel(g: &mut Rng) -> Rel {
    g.choose(&[
        Rel::Subset,
        Rel::Superset,
        Rel::Disjoint,
        Rel::Less,
        Rel::Greater,
    ])
}

/// Operations on objects and weak references.
fn ref_op(g: &mut Rng) -> Op {
    g.pick(&[
        (14, |g| Op::New {
            o: slot(g, OBJS),
            v: slot(g, VALUES),
        }),
        (3, |g| Op::Share {
            from: slot(g, OBJS),
            to: slot(g, OBJS),
        }),
        (4, |g| Op::Drop { o: slot(g, OBJS) }),
        (8, |g| Op::Ref {
            o: slot(g, OBJS),
            r: slot(g, REFS),
            cb: maybe_callback(g),
        }),
        (3, |g| Op::Proxy {
            o: slot(g, OBJS),
            r: slot(g, REFS),
            cb: maybe_callback(g),
        }),
        (4, |g| Op::Method {
            o: slot(g, OBJS),
            r: slot(g, REFS),
            which: slot(g, 2),
            cb: maybe_callback(g),
        }),
        (2, |g| Op::CopyRef {
            from: slot(g, REFS),
            to: slot(g, REFS),
        }),
        (3, |g| Op::DropRef { r: slot(g, REFS) }),
        (3, |g| Op::Deref { r: slot(g, REFS) }),
        (1, |g| Op::Pending { r: slot(g, REFS) }),
        (3, |g| Op::Hash { r: slot(g, REFS) }),
        (5, |g| Op::Compare {
            a: slot(g, REFS),
            b: slot(g, REFS),
        }),
        (1, |g| Op::ProxyEq {
            r: slot(g, REFS),
            o: slot(g, OBJS),
        }),
        (3, |g| Op::Weakrefs { o: slot(g, OBJS) }),
    ])
}

/// Operations on finalizers.
fn fin_op(g: &mut Rng) -> Op {
    g.pick(&[
        (4, |g| Op::Finalize {
            o: slot(g, OBJS),
            f: slot(g, FINS),
            cb: callback(g),
        }),
        (2, |g| Op::FinCall { f: slot(g, FINS) }),
        (1, |g| Op::FinDetach { f: slot(g, FINS) }),
        (1, |g| Op::FinPeek { f: slot(g, FINS) }),
        (1, |g| Op::FinState { f: slot(g, FINS) }),
        (1, |g| Op::FinSetAtexit {
            f: slot(g, FINS),
            on: coin(g),
        }),
        (1, |g| Op::DropFin { f: slot(g, FINS) }),
    ])
}

/// Operations on weak collections.
fn coll_op(g: &mut Rng) -> Op {
    g.pick(&[
        (5, |g| Op::NewColl {
            c: slot(g, COLLS),
            kind: kind(g),
        }),
        (8, |g| Op::Insert {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (2, |g| Op::SetDefault {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (3, |g| Op::Lookup {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
        (3, |g| Op::Remove {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
            strict: coin(g),
        }),
        (2, |g| Op::Pop { c: slot(g, COLLS) }),
        (3, |g| Op::Iter {
            c: slot(g, COLLS),
            view: slot(g, 3),
            victim: coin(g).then(|| slot(g, OBJS)),
        }),
        (1, |g| Op::Clear { c: slot(g, COLLS) }),
        (1, |g| Op::Copy {
            c: slot(g, COLLS),
            dst: slot(g, COLLS),
        }),
        (2, |g| Op::Equal {
            a: slot(g, COLLS),
            b: slot(g, COLLS),
        }),
        (1, |g| Op::Update {
            dst: slot(g, COLLS),
            src: slot(g, COLLS),
        }),
        (3, |g| Op::SetAlgebra {
            op: set_op(g),
            a: slot(g, COLLS),
            b: slot(g, COLLS),
            dst: slot(g, COLLS),
        }),
        (3, |g| Op::SetUpdate {
            op: set_op(g),
            a: slot(g, COLLS),
            b: slot(g, COLLS),
        }),
        (3, |g| Op::SetRelation {
            rel: rel(g),
            a: slot(g, COLLS),
            b: slot(g, COLLS),
        }),
        (1, |g| Op::DropColl { c: slot(g, COLLS) }),
    ])
}

/// One operation, any kind.
fn op(g: &mut Rng) -> Op {
    g.pick(&[(5, ref_op), (1, fin_op), (4, coll_op)])
}

/// What a program does once its slots are filled: finalizers and insertions.
fn setup_op(g: &mut Rng) -> Op {
    g.pick(&[
        (1, |g| Op::Finalize {
            o: slot(g, OBJS),
            f: slot(g, FINS),
            cb: callback(g),
        }),
        (3, |g| Op::Insert {
            c: slot(g, COLLS),
            o: slot(g, OBJS),
            k: slot(g, KEYS),
        }),
    ])
}

/// A weak reference to a random object slot, in slot `r`: most often a reference, else a
/// proxy or a `WeakMethod` (either method).
fn new_ref(g: &mut Rng, r: u8) -> Op {
    let o = slot(g, OBJS);
    let what = if g.chance(0.75) { 0 } else { 1 + slot(g, 3) };
    let cb = maybe_callback(g);
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

/// A random program of at most `max_len` operations. It starts with a setup, so that few
/// operations find their slots empty: an object in each object slot (each present nine times
/// in ten), a collection in each collection slot (nine in ten), a weak reference in each
/// reference slot (four in five), then up to [`SETUP`] finalizers and insertions; then any
/// operations, as many as fit.
pub fn program(g: &mut Rng, max_len: usize) -> Vec<Op> {
    let body = max_len - usize::from(OBJS + COLLS + REFS) - SETUP;
    let mut program = Vec::with_capacity(max_len);
    for o in 0..OBJS {
        if g.chance(0.9) {
            program.push(Op::New {
                o,
                v: slot(g, VALUES),
            });
        }
    }
    for c in 0..COLLS {
        if g.chance(0.9) {
            program.push(Op::NewColl { c, kind: kind(g) });
        }
    }
    for r in 0..REFS {
        if g.chance(0.8) {
            program.push(new_ref(g, r));
        }
    }
    for _ in 0..count(g, SETUP) {
        program.push(setup_op(g));
    }
    for _ in 0..count(g, body) {
        program.push(op(g));
    }
    program
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
