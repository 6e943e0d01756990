//! The interpreter that runs a program against this library, in either flavor, and records
//! what it observes.
//!
//! The state of a run (the slots) lives in a thread-local [`Machine`], so that callbacks and
//! finalizers, which capture only plain data (`Send` in both flavors), can reach it: a callback
//! that drops an object takes it out of its slot and drops it once the borrow of the machine
//! has ended, so that any nested death (and its callbacks) finds the machine free. The rule
//! throughout: borrow the machine only to read or swap slots, never while dropping or calling
//! into the library in a way that can run a callback.
//!
//! The lines recorded (op results, callback events, snapshots) are plain strings, spelled
//! identically by `cpython_trace.py`; see the module documentation of the test for their
//! meaning and for where the two sides normalise differences.

use std::cell::{Cell, RefCell};
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::rc::Rc;
use std::thread::LocalKey;

use weakref_core::flavor::{self, Flavor};
use weakref_core::generic::{Obj, WeakMethod, WeakProxy, WeakRef};
use weakref_core::{Callable, Weakrefable, getweakrefcount, getweakrefs};

use super::colls::{CollOps, SetOps, new_collection};
use super::program::{Act, COLLS, Callback, FINS, Kind, OBJS, Op, REFS, VALUES};

/// The objects of every program: a value that equal objects share, and a serial that names the
/// object in traces. Equality and hashing are by value, as Python's `__eq__`/`__hash__` of the
/// script's `Item`.
#[derive(Weakrefable)]
pub struct Item {
    v: u8,
    serial: u32,
}

thread_local! {
    /// Items alive on this thread (Python counts them in `__init__`/`__del__`).
    static LIVE: Cell<i64> = const { Cell::new(0) };
    /// The events of the current step, in order: callbacks, finalizers, unraisable reports.
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl Item {
    fn new(v: u8, serial: u32) -> Self {
        LIVE.with(|live| live.set(live.get() + 1));
        Item { v, serial }
    }

    /// The serial of the object, as traces name it (`s7`).
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// The method `WeakMethod(o.get_v)` binds.
    fn get_v(&self) -> u32 {
        u32::from(self.v)
    }

    /// The method `WeakMethod(o.get_serial)` binds.
    fn get_serial(&self) -> u32 {
        self.serial + 1000
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        LIVE.with(|live| live.set(live.get() - 1));
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.v == other.v
    }
}

impl Eq for Item {}

impl Hash for Item {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.v.hash(state);
    }
}

impl Callable<()> for Item {
    type Output = u32;

    /// Python's `Item.__call__`, what calling a proxy forwards to.
    fn call_with(&self, (): ()) -> u32 {
        u32::from(self.v) + 100
    }
}

/// The type of the methods a `WeakMethod` binds: function pointers, so that equality compares
/// the functions, as Python compares `__func__`.
pub type MethodFn = fn(&Item) -> u32;

/// The two methods, by the index programs use; each is taken from here, so one function always
/// has one address.
pub const METHODS: [MethodFn; 2] = [Item::get_v, Item::get_serial];

/// The hasher of every collection: fixed, so that a run, its `popitem` choices included, is
/// reproducible while shrinking.
pub type FixedState = BuildHasherDefault<DefaultHasher>;

/// The panic payload of a callback or finalizer that "raises".
pub struct Boom(pub String);

/// Appends an event to the current step's record.
pub fn log(line: String) {
    LOG.with(|log| log.borrow_mut().push(line));
}

fn take_log() -> Vec<String> {
    LOG.with(|log| std::mem::take(&mut *log.borrow_mut()))
}

/// A weak-reference handle in a slot: a reference, a proxy or a `WeakMethod`.
pub enum Handle<F: Flavor> {
    /// `weakref.ref`.
    Ref(WeakRef<Item, F>),
    /// `weakref.proxy`.
    Proxy(WeakProxy<Item, F>),
    /// `weakref.WeakMethod`.
    Method(WeakMethod<Item, MethodFn, F>),
}

impl<F: Flavor> Clone for Handle<F> {
    fn clone(&self) -> Self {
        match self {
            Handle::Ref(weak) => Handle::Ref(weak.clone()),
            Handle::Proxy(proxy) => Handle::Proxy(proxy.clone()),
            Handle::Method(method) => Handle::Method(method.clone()),
        }
    }
}

impl<F: Flavor> Handle<F> {
    /// The handle's weak-reference object, as a `WeakRef`: what identity compares.
    fn as_weakref(&self) -> &WeakRef<Item, F> {
        match self {
            Handle::Ref(weak) => weak,
            Handle::Proxy(proxy) => proxy.as_weakref(),
            Handle::Method(method) => method.as_weakref(),
        }
    }
}

/// A reference slot's content: the handle, the serial of its weak-reference object (`w3`), and
/// whether it is an object's shared reference.
pub struct RefSlot<F: Flavor> {
    serial: u32,
    shared: bool,
    handle: Handle<F>,
}

impl<F: Flavor> Clone for RefSlot<F> {
    fn clone(&self) -> Self {
        RefSlot {
            serial: self.serial,
            shared: self.shared,
            handle: self.handle.clone(),
        }
    }
}

/// A finalizer, whatever its function's type.
pub trait FinOps<F: Flavor> {
    /// `f()`: the function's result, if it ran.
    fn call(&self) -> Option<u32>;
    /// `f.detach()`: the object's serial.
    fn detach(&self) -> Option<u32>;
    /// `f.peek()`: the object's serial.
    fn peek(&self) -> Option<u32>;
    /// `f.alive`.
    fn alive(&self) -> bool;
    /// `f.atexit`.
    fn atexit(&self) -> bool;
    /// `f.atexit = on`.
    fn set_atexit(&self, on: bool);
}

impl<F: Flavor, Func: FnOnce() -> u32 + Clone> FinOps<F>
    for weakref_core::generic::Finalize<Item, Func, F>
{
    fn call(&self) -> Option<u32> {
        weakref_core::generic::Finalize::call(self)
    }

    fn detach(&self) -> Option<u32> {
        let (obj, func) = weakref_core::generic::Finalize::detach(self)?;
        let serial = obj.serial;
        drop((obj, func));
        Some(serial)
    }

    fn peek(&self) -> Option<u32> {
        let (obj, func) = weakref_core::generic::Finalize::peek(self)?;
        let serial = obj.serial;
        drop((obj, func));
        Some(serial)
    }

    fn alive(&self) -> bool {
        weakref_core::generic::Finalize::alive(self)
    }

    fn atexit(&self) -> bool {
        weakref_core::generic::Finalize::atexit(self)
    }

    fn set_atexit(&self, on: bool) {
        weakref_core::generic::Finalize::set_atexit(self, on)
    }
}

/// The state of a run: the slots, and the counters that name what the run creates.
pub struct Machine<F: Kit> {
    objs: [Option<Obj<Item, F>>; OBJS as usize],
    refs: [Option<RefSlot<F>>; REFS as usize],
    fins: [Option<Rc<dyn FinOps<F>>>; FINS as usize],
    colls: [Option<Rc<dyn CollOps<F>>>; COLLS as usize],
    /// Every finalizer made, to list those still pending at the end.
    every_fin: Vec<(u32, Rc<dyn FinOps<F>>)>,
    next_obj: u32,
    next_ref: u32,
    next_cb: u32,
    next_fin: u32,
    /// The weak-reference objects a `Hash` op hashed while their object was alive.
    hashed: Vec<u32>,
    /// The collection being iterated by an `Iter` op, which callbacks leave alone.
    iterating: Option<u8>,
    /// The entry each `popitem`/`pop` chose, for the Python side to replay.
    choices: Vec<String>,
}

impl<F: Kit> Machine<F> {
    fn new() -> Self {
        Machine {
            objs: Default::default(),
            refs: Default::default(),
            fins: Default::default(),
            colls: Default::default(),
            every_fin: Vec::new(),
            next_obj: 0,
            next_ref: 0,
            next_cb: 0,
            next_fin: 0,
            hashed: Vec::new(),
            iterating: None,
            choices: Vec::new(),
        }
    }

    /// The slots holding a handle to `weak`'s weak-reference object, as `[1,3]`.
    fn holders(&self, weak: &WeakRef<Item, F>) -> String {
        let slots: Vec<String> = (0..REFS as usize)
            .filter(|&r| {
                self.refs[r]
                    .as_ref()
                    .is_some_and(|s| s.handle.as_weakref().ptr_eq(weak))
            })
            .map(|r| r.to_string())
            .collect();
        format!("[{}]", slots.join(","))
    }

    /// The serial of `weak`'s weak-reference object if a slot holds it.
    fn serial_of(&self, weak: &WeakRef<Item, F>) -> Option<u32> {
        self.refs
            .iter()
            .flatten()
            .find(|s| s.handle.as_weakref().ptr_eq(weak))
            .map(|s| s.serial)
    }
}

/// What differs between the flavors: where the machine lives, and the calls whose bounds
/// (`SendIf`, `SyncIf`) only a concrete flavor can prove. Everything else is written once,
/// generic over `F: Kit`.
pub trait Kit: Flavor + Sized + 'static {
    /// The flavor's name in reports.
    const NAME: &'static str;
    /// This flavor's machine on this thread.
    fn machine() -> &'static LocalKey<RefCell<Option<Machine<Self>>>>;
    /// `WeakRef::with_callback` with a program's callback.
    fn ref_with_callback(obj: &Obj<Item, Self>, cid: u32, cb: Callback) -> WeakRef<Item, Self>;
    /// `WeakProxy::with_callback` with a program's callback.
    fn proxy_with_callback(obj: &Obj<Item, Self>, cid: u32, cb: Callback) -> WeakProxy<Item, Self>;
    /// `WeakMethod::with_callback` with a program's callback.
    fn method_with_callback(
        obj: &Obj<Item, Self>,
        method: MethodFn,
        cid: u32,
        cb: Callback,
    ) -> WeakMethod<Item, MethodFn, Self>;
    /// `finalize` with a program's function.
    fn finalize(obj: &Obj<Item, Self>, fid: u32, cb: Callback) -> Rc<dyn FinOps<Self>>;
    /// An empty collection of `kind`.
    fn collection(kind: Kind) -> Rc<dyn CollOps<Self>>;
}

/// Implements [`Kit`] for a flavor: the same one-line bodies for both, which only type-check
/// once the flavor is concrete.
macro_rules! kit {
    ($flavor:ty, $name:literal, $machine:ident) => {
        thread_local! {
            static $machine: RefCell<Option<Machine<$flavor>>> = const { RefCell::new(None) };
        }

        impl Kit for $flavor {
            const NAME: &'static str = $name;

            fn machine() -> &'static LocalKey<RefCell<Option<Machine<Self>>>> {
                &$machine
            }

            fn ref_with_callback(
                obj: &Obj<Item, Self>,
                cid: u32,
                cb: Callback,
            ) -> WeakRef<Item, Self> {
                WeakRef::with_callback(obj, ref_callback::<Self>(cid, cb))
            }

            fn proxy_with_callback(
                obj: &Obj<Item, Self>,
                cid: u32,
                cb: Callback,
            ) -> WeakProxy<Item, Self> {
                WeakProxy::with_callback(obj, proxy_callback::<Self>(cid, cb))
            }

            fn method_with_callback(
                obj: &Obj<Item, Self>,
                method: MethodFn,
                cid: u32,
                cb: Callback,
            ) -> WeakMethod<Item, MethodFn, Self> {
                WeakMethod::with_callback(obj, method, method_callback::<Self>(cid, cb))
            }

            fn finalize(obj: &Obj<Item, Self>, fid: u32, cb: Callback) -> Rc<dyn FinOps<Self>> {
                Rc::new(weakref_core::finalize(obj, fin_function::<Self>(fid, cb)))
            }

            fn collection(kind: Kind) -> Rc<dyn CollOps<Self>> {
                new_collection::<Self>(kind)
            }
        }
    };
}

kit!(flavor::Sync, "sync", SYNC_MACHINE);
kit!(flavor::Unsync, "unsync", UNSYNC_MACHINE);

/// Runs `f` on this thread's machine of flavor `F`, borrowed for `f` only.
fn with<F: Kit, R>(f: impl FnOnce(&mut Machine<F>) -> R) -> R {
    F::machine().with(|machine| f(machine.borrow_mut().as_mut().expect("a program is running")))
}

fn ref_callback<F: Kit>(cid: u32, cb: Callback) -> impl FnOnce(&WeakRef<Item, F>) + Send + 'static {
    move |dead| on_callback::<F>(cid, &cb, dead, false)
}

fn proxy_callback<F: Kit>(
    cid: u32,
    cb: Callback,
) -> impl FnOnce(&WeakProxy<Item, F>) + Send + 'static {
    move |dead| on_callback::<F>(cid, &cb, dead.as_weakref(), true)
}

fn method_callback<F: Kit>(
    cid: u32,
    cb: Callback,
) -> impl FnOnce(&WeakMethod<Item, MethodFn, F>) + Send + 'static {
    move |dead| on_callback::<F>(cid, &cb, dead.as_weakref(), false)
}

fn fin_function<F: Kit>(fid: u32, cb: Callback) -> impl FnOnce() -> u32 + Clone + Send + 'static {
    move || {
        log(format!("fin#{fid}"));
        run_acts::<F>(&cb.acts);
        if cb.raise {
            std::panic::panic_any(Boom(format!("fin#{fid}")));
        }
        fid
    }
}

/// A callback runs: record who it was given (the slots holding it), whether that is dead and
/// still has a callback pending (not for proxies: Python cannot ask a proxy), then act.
fn on_callback<F: Kit>(cid: u32, cb: &Callback, arg: &WeakRef<Item, F>, proxy: bool) {
    let holders = with::<F, _>(|m| m.holders(arg));
    let state = if arg.is_alive() { "alive" } else { "dead" };
    let pending = match (proxy, arg.callback_pending()) {
        (true, _) => "-",
        (false, true) => "1",
        (false, false) => "0",
    };
    log(format!("cb#{cid} arg={holders} {state} pending={pending}"));
    run_acts::<F>(&cb.acts);
    if cb.raise {
        std::panic::panic_any(Boom(format!("cb#{cid}")));
    }
}

fn run_acts<F: Kit>(acts: &[Act]) {
    for act in acts {
        let (name, result) = run_act::<F>(act);
        log(format!(".{name} {result}"));
    }
}

fn obj<F: Kit>(o: u8) -> Option<Obj<Item, F>> {
    with::<F, _>(|m| m.objs[usize::from(o)].clone())
}

fn ref_slot<F: Kit>(r: u8) -> Option<RefSlot<F>> {
    with::<F, _>(|m| m.refs[usize::from(r)].clone())
}

fn fin<F: Kit>(f: u8) -> Option<Rc<dyn FinOps<F>>> {
    with::<F, _>(|m| m.fins[usize::from(f)].clone())
}

fn coll<F: Kit>(c: u8) -> Option<Rc<dyn CollOps<F>>> {
    with::<F, _>(|m| m.colls[usize::from(c)].clone())
}

/// Puts `value` in object slot `o`; what was there is dropped after the borrow (it may die).
fn put_obj<F: Kit>(o: u8, value: Option<Obj<Item, F>>) -> bool {
    let old = with::<F, _>(|m| std::mem::replace(&mut m.objs[usize::from(o)], value));
    let had = old.is_some();
    drop(old);
    had
}

fn put_ref<F: Kit>(r: u8, value: Option<RefSlot<F>>) -> bool {
    let old = with::<F, _>(|m| std::mem::replace(&mut m.refs[usize::from(r)], value));
    let had = old.is_some();
    drop(old);
    had
}

fn put_fin<F: Kit>(f: u8, value: Option<Rc<dyn FinOps<F>>>) -> bool {
    let old = with::<F, _>(|m| std::mem::replace(&mut m.fins[usize::from(f)], value));
    let had = old.is_some();
    drop(old);
    had
}

fn put_coll<F: Kit>(c: u8, value: Option<Rc<dyn CollOps<F>>>) -> bool {
    let old = with::<F, _>(|m| std::mem::replace(&mut m.colls[usize::from(c)], value));
    let had = old.is_some();
    drop(old);
    had
}

fn ok_or_empty(had: bool) -> String {
    if had { "ok" } else { "empty" }.to_owned()
}

fn bit(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}

/// A new object in slot `o`.
fn new_obj<F: Kit>(o: u8, v: u8) -> String {
    let serial = with::<F, _>(|m| {
        m.next_obj += 1;
        m.next_obj
    });
    put_obj::<F>(o, Some(Obj::new(Item::new(v, serial))));
    format!("s{serial}")
}

/// Stores a new handle in slot `r`, naming its weak-reference object: the serial of a slot
/// already holding it (a shared reference handed out again), or a new one.
fn store_ref<F: Kit>(r: u8, handle: Handle<F>, shared: bool) -> String {
    let serial = with::<F, _>(|m| {
        m.serial_of(handle.as_weakref()).unwrap_or_else(|| {
            m.next_ref += 1;
            m.next_ref
        })
    });
    put_ref::<F>(
        r,
        Some(RefSlot {
            serial,
            shared,
            handle,
        }),
    );
    format!("w{serial}")
}

fn next_cid<F: Kit>() -> u32 {
    with::<F, _>(|m| {
        m.next_cb += 1;
        m.next_cb
    })
}

fn deref<F: Kit>(r: u8) -> String {
    let Some(slot) = ref_slot::<F>(r) else {
        return "empty".into();
    };
    match &slot.handle {
        Handle::Ref(weak) => weak
            .upgrade()
            .map_or_else(|| "None".into(), |o| format!("s{}", o.serial)),
        Handle::Proxy(proxy) => match (proxy.get(), proxy.call(())) {
            (Ok(o), Ok(called)) => format!("s{} call={called}", o.serial),
            _ => "ReferenceError".into(),
        },
        Handle::Method(method) => match (method.target(), method.call(())) {
            (Some(o), Some(called)) => format!("s{} call={called}", o.serial),
            _ => "None".into(),
        },
    }
}

fn fin_call<F: Kit>(f: u8) -> String {
    let Some(fin) = fin::<F>(f) else {
        return "empty".into();
    };
    match catch_unwind(AssertUnwindSafe(|| fin.call())) {
        Ok(Some(fid)) => format!("-> {fid}"),
        Ok(None) => "None".into(),
        Err(payload) if payload.is::<Boom>() => "raised".into(),
        Err(payload) => resume_unwind(payload),
    }
}

/// A callback's action on collection `c`: `skip` while an `Iter` step iterates it, `empty`
/// without a collection.
fn on_coll<F: Kit>(c: u8, act: impl FnOnce(&dyn CollOps<F>) -> String) -> String {
    if with::<F, _>(|m| m.iterating == Some(c)) {
        return "skip".into();
    }
    match coll::<F>(c) {
        None => "empty".into(),
        Some(coll) => act(&*coll),
    }
}

/// An operation of the set algebra on collections `a` and `b`: `empty` without them, `n/a`
/// unless both are sets.
fn on_sets<F: Kit>(
    a: u8,
    b: u8,
    op: impl FnOnce(&dyn SetOps<F>, &dyn SetOps<F>) -> String,
) -> String {
    match (coll::<F>(a), coll::<F>(b)) {
        (Some(x), Some(y)) => match (x.as_set(), y.as_set()) {
            (Some(x), Some(y)) => op(x, y),
            _ => "n/a".into(),
        },
        _ => "empty".into(),
    }
}

/// `popitem()`/`pop()`, its choice kept for the Python side.
fn pop<F: Kit>(coll: &dyn CollOps<F>) -> String {
    let (result, choice) = coll.pop();
    with::<F, _>(|m| m.choices.push(choice));
    result
}

/// What a callback's action does, and the result it records.
fn run_act<F: Kit>(act: &Act) -> (&'static str, String) {
    match *act {
        Act::Drop { o } => ("drop", ok_or_empty(put_obj::<F>(o, None))),
        Act::DropRef { r } => ("dropref", ok_or_empty(put_ref::<F>(r, None))),
        Act::New { o, v } => ("new", new_obj::<F>(o, v)),
        Act::Insert { c, o, k } => ("insert", {
            on_coll::<F>(c, |coll| coll.insert(obj::<F>(o).as_ref(), k))
        }),
        Act::Remove { c, o, k } => ("remove", {
            on_coll::<F>(c, |coll| coll.remove(obj::<F>(o).as_ref(), k, false))
        }),
        Act::Lookup { c, o, k } => ("lookup", {
            on_coll::<F>(c, |coll| coll.lookup(obj::<F>(o).as_ref(), k))
        }),
        Act::SetDefault { c, o, k } => ("setdefault", {
            on_coll::<F>(c, |coll| coll.setdefault(obj::<F>(o).as_ref(), k))
        }),
        Act::Pop { c } => ("pop", on_coll::<F>(c, |coll| pop::<F>(coll))),
        Act::Len { c } => ("len", on_coll::<F>(c, |coll| coll.len().to_string())),
        Act::Ref { o, r, callback } => ("ref", {
            match obj::<F>(o) {
                None => "empty".into(),
                Some(obj) if callback => {
                    let cid = next_cid::<F>();
                    let quiet = Callback {
                        acts: Vec::new(),
                        raise: false,
                    };
                    store_ref::<F>(
                        r,
                        Handle::Ref(F::ref_with_callback(&obj, cid, quiet)),
                        false,
                    )
                }
                Some(obj) => store_ref::<F>(r, Handle::Ref(WeakRef::new(&obj)), true),
            }
        }),
        Act::Deref { r } => ("deref", deref::<F>(r)),
        Act::Count { o } => ("count", {
            obj::<F>(o).map_or_else(|| "empty".into(), |obj| getweakrefcount(&obj).to_string())
        }),
        Act::FinCall { f } => ("fincall", fin_call::<F>(f)),
    }
}

/// The value whose hash `hash` is (`v2`), as Python's `hash(r)` is the int `v`.
fn hash_value(hash: u64) -> String {
    (0..VALUES)
        .find(|&v| {
            let mut hasher = DefaultHasher::new();
            v.hash(&mut hasher);
            hasher.finish() == hash
        })
        .map_or_else(|| "v?".into(), |v| format!("v{v}"))
}

/// Runs one operation; returns the result it records.
fn exec<F: Kit>(op: &Op) -> String {
    match op {
        &Op::New { o, v } => new_obj::<F>(o, v),
        &Op::Share { from, to } => match obj::<F>(from) {
            None => "empty".into(),
            Some(obj) => {
                let serial = obj.serial;
                put_obj::<F>(to, Some(obj));
                format!("s{serial}")
            }
        },
        &Op::Drop { o } => ok_or_empty(put_obj::<F>(o, None)),
        Op::Ref { o, r, cb } => match obj::<F>(*o) {
            None => "empty".into(),
            Some(obj) => match cb {
                None => store_ref::<F>(*r, Handle::Ref(WeakRef::new(&obj)), true),
                Some(cb) => {
                    let cid = next_cid::<F>();
                    let weak = F::ref_with_callback(&obj, cid, cb.clone());
                    store_ref::<F>(*r, Handle::Ref(weak), false)
                }
            },
        },
        Op::Proxy { o, r, cb } => match obj::<F>(*o) {
            None => "empty".into(),
            Some(obj) => match cb {
                None => store_ref::<F>(*r, Handle::Proxy(WeakProxy::new(&obj)), true),
                Some(cb) => {
                    let cid = next_cid::<F>();
                    let proxy = F::proxy_with_callback(&obj, cid, cb.clone());
                    store_ref::<F>(*r, Handle::Proxy(proxy), false)
                }
            },
        },
        Op::Method { o, r, which, cb } => match obj::<F>(*o) {
            None => "empty".into(),
            Some(obj) => {
                let method = METHODS[usize::from(*which)];
                let handle = match cb {
                    None => WeakMethod::new(&obj, method),
                    Some(cb) => {
                        let cid = next_cid::<F>();
                        F::method_with_callback(&obj, method, cid, cb.clone())
                    }
                };
                store_ref::<F>(*r, Handle::Method(handle), false)
            }
        },
        &Op::CopyRef { from, to } => match ref_slot::<F>(from) {
            None => "empty".into(),
            Some(slot) => {
                let serial = slot.serial;
                put_ref::<F>(to, Some(slot));
                format!("w{serial}")
            }
        },
        &Op::DropRef { r } => ok_or_empty(put_ref::<F>(r, None)),
        &Op::Deref { r } => deref::<F>(r),
        &Op::Pending { r } => match ref_slot::<F>(r) {
            None => "empty".into(),
            Some(RefSlot {
                handle: Handle::Proxy(_),
                ..
            }) => "n/a".into(),
            Some(slot) => bit(slot.handle.as_weakref().callback_pending()).into(),
        },
        &Op::Hash { r } => match ref_slot::<F>(r) {
            None => "empty".into(),
            Some(RefSlot {
                handle: Handle::Proxy(_),
                ..
            }) => "unhashable-type".into(),
            Some(slot) => {
                let weak = slot.handle.as_weakref();
                let alive = weak.is_alive();
                let hashed = with::<F, _>(|m| m.hashed.contains(&slot.serial));
                match weak.try_hash() {
                    // Normalised: CPython may have hashed it inside a collection lookup.
                    None if !alive && slot.shared && !hashed => "dead-shared-unhashed".into(),
                    Some(_) if !alive && slot.shared && !hashed => "cached-without-hash-op".into(),
                    None => "unhashable".into(),
                    Some(hash) => {
                        if alive {
                            with::<F, _>(|m| m.hashed.push(slot.serial));
                        }
                        hash_value(hash)
                    }
                }
            }
        },
        &Op::Compare { a, b } => match (ref_slot::<F>(a), ref_slot::<F>(b)) {
            (Some(x), Some(y)) => {
                let is = x.handle.as_weakref().ptr_eq(y.handle.as_weakref());
                let eq = match (&x.handle, &y.handle) {
                    (Handle::Ref(p), Handle::Ref(q)) => bit(p == q).into(),
                    (Handle::Method(p), Handle::Method(q)) => bit(p == q).into(),
                    (Handle::Proxy(p), Handle::Proxy(q)) => match p.eq_proxy(q) {
                        Ok(eq) => bit(eq).into(),
                        Err(_) => "ReferenceError".into(),
                    },
                    _ => "n/a".to_owned(),
                };
                format!("eq={eq} is={}", bit(is))
            }
            _ => "empty".into(),
        },
        &Op::ProxyEq { r, o } => match (ref_slot::<F>(r), obj::<F>(o)) {
            (Some(slot), Some(obj)) => match &slot.handle {
                Handle::Proxy(proxy) => match proxy.eq_value(&*obj) {
                    Ok(eq) => bit(eq).into(),
                    Err(_) => "ReferenceError".into(),
                },
                _ => "n/a".into(),
            },
            _ => "empty".into(),
        },
        &Op::Weakrefs { o } => match obj::<F>(o) {
            None => "empty".into(),
            Some(obj) => {
                let count = getweakrefcount(&obj);
                let refs = getweakrefs(&obj);
                let labels: Vec<String> = with::<F, _>(|m| {
                    refs.iter()
                        .map(|weak| match m.serial_of(weak) {
                            Some(serial) => format!("w{serial}"),
                            None if weak.is_proxy() => "xp".into(),
                            None => "x".into(),
                        })
                        .collect()
                });
                drop(refs);
                format!("n={count} [{}]", labels.join(" "))
            }
        },
        Op::Finalize { o, f, cb } => match obj::<F>(*o) {
            None => "empty".into(),
            Some(obj) => {
                let fid = with::<F, _>(|m| {
                    m.next_fin += 1;
                    m.next_fin
                });
                let fin = F::finalize(&obj, fid, cb.clone());
                with::<F, _>(|m| m.every_fin.push((fid, Rc::clone(&fin))));
                put_fin::<F>(*f, Some(fin));
                format!("f{fid}")
            }
        },
        &Op::FinCall { f } => fin_call::<F>(f),
        &Op::FinDetach { f } => fin::<F>(f).map_or_else(
            || "empty".into(),
            |fin| {
                fin.detach()
                    .map_or_else(|| "None".into(), |s| format!("s{s}"))
            },
        ),
        &Op::FinPeek { f } => fin::<F>(f).map_or_else(
            || "empty".into(),
            |fin| {
                fin.peek()
                    .map_or_else(|| "None".into(), |s| format!("s{s}"))
            },
        ),
        &Op::FinState { f } => fin::<F>(f).map_or_else(
            || "empty".into(),
            |fin| format!("alive={} atexit={}", bit(fin.alive()), bit(fin.atexit())),
        ),
        &Op::FinSetAtexit { f, on } => fin::<F>(f).map_or_else(
            || "empty".into(),
            |fin| {
                fin.set_atexit(on);
                "ok".into()
            },
        ),
        &Op::DropFin { f } => ok_or_empty(put_fin::<F>(f, None)),
        &Op::NewColl { c, kind } => {
            put_coll::<F>(c, Some(F::collection(kind)));
            "ok".into()
        }
        &Op::Insert { c, o, k } => match coll::<F>(c) {
            None => "empty".into(),
            Some(coll) => coll.insert(obj::<F>(o).as_ref(), k),
        },
        &Op::SetDefault { c, o, k } => match coll::<F>(c) {
            None => "empty".into(),
            Some(coll) => coll.setdefault(obj::<F>(o).as_ref(), k),
        },
        &Op::Lookup { c, o, k } => match coll::<F>(c) {
            None => "empty".into(),
            Some(coll) => coll.lookup(obj::<F>(o).as_ref(), k),
        },
        &Op::Remove { c, o, k, strict } => match coll::<F>(c) {
            None => "empty".into(),
            Some(coll) => coll.remove(obj::<F>(o).as_ref(), k, strict),
        },
        &Op::Pop { c } => coll::<F>(c).map_or_else(|| "empty".into(), |coll| pop::<F>(&*coll)),
        &Op::Iter { c, view, victim } => match coll::<F>(c) {
            None => "empty".into(),
            Some(coll) => {
                let mut before = || {
                    if let Some(o) = victim {
                        with::<F, _>(|m| m.iterating = Some(c));
                        put_obj::<F>(o, None);
                        with::<F, _>(|m| m.iterating = None);
                    }
                };
                let mut items = coll.iterate(view, &mut before);
                items.sort();
                format!("[{}]", items.join(" "))
            }
        },
        &Op::Clear { c } => coll::<F>(c).map_or_else(
            || "empty".into(),
            |coll| {
                coll.clear();
                "ok".into()
            },
        ),
        &Op::Copy { c, dst } => match coll::<F>(c) {
            None => "empty".into(),
            Some(coll) => {
                put_coll::<F>(dst, Some(coll.copy()));
                "ok".into()
            }
        },
        &Op::Equal { a, b } => match (coll::<F>(a), coll::<F>(b)) {
            (Some(x), Some(y)) => x.equal(&*y).map_or("n/a", bit).into(),
            _ => "empty".into(),
        },
        &Op::Update { dst, src } => match (coll::<F>(dst), coll::<F>(src)) {
            (Some(d), Some(s)) => if d.update(&s.pairs()) { "ok" } else { "n/a" }.into(),
            _ => "empty".into(),
        },
        &Op::SetAlgebra { op, a, b, dst } => on_sets::<F>(a, b, |x, y| {
            let result = x.set_algebra(op, &y.members());
            put_coll::<F>(dst, Some(result));
            "ok".into()
        }),
        &Op::SetUpdate { op, a, b } => on_sets::<F>(a, b, |x, y| {
            x.set_update(op, &y.members());
            "ok".into()
        }),
        &Op::SetRelation { rel, a, b } => on_sets::<F>(a, b, |x, y| {
            let other = coll::<F>(b).expect("a set is there");
            x.set_relation(rel, &*other, &y.members())
                .map_or("n/a", bit)
                .into()
        }),
        &Op::DropColl { c } => ok_or_empty(put_coll::<F>(c, None)),
    }
}

/// The state after a step, one line: objects, references, collection lengths, weak-reference
/// counts, live objects.
fn snapshot<F: Kit>() -> String {
    // Clones, so that no borrow of the machine is held while the library runs.
    let (objs, refs, colls) = with::<F, _>(|m| (m.objs.clone(), m.refs.clone(), m.colls.clone()));
    // One string written in place: this runs after every step of every program.
    let mut line = String::with_capacity(96);
    line.push_str("o=[");
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        match o {
            Some(o) => {
                line.push('s');
                push_number(&mut line, u64::from(o.serial));
            }
            None => line.push('-'),
        }
    }
    line.push_str("] r=[");
    line.extend(refs.iter().map(|slot| match slot {
        None => '.',
        Some(slot) if slot.handle.as_weakref().is_alive() => '+',
        Some(_) => '-',
    }));
    line.push_str("] c=[");
    for (i, c) in colls.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        match c {
            Some(c) => push_number(&mut line, c.len() as u64),
            None => line.push('-'),
        }
    }
    line.push_str("] n=[");
    for (i, o) in objs.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        match o {
            Some(o) => push_number(&mut line, getweakrefcount(o) as u64),
            None => line.push('-'),
        }
    }
    let live = LIVE.with(Cell::get);
    drop((objs, refs, colls));
    line.push_str("] live=");
    if live < 0 {
        line.push('-');
    }
    push_number(&mut line, live.unsigned_abs());
    line
}

/// Appends `n` in decimal (cheaper than `write!` in the unoptimized test build).
fn push_number(line: &mut String, n: u64) {
    if n >= 10 {
        push_number(line, n / 10);
    }
    line.push(char::from(b'0' + (n % 10) as u8));
}

/// Drops every slot, objects first (their deaths run callbacks, which may fill slots again),
/// until all are empty; records what stayed alive and the finalizers still pending.
fn teardown<F: Kit>() -> String {
    for _ in 0..8 {
        let mut any = false;
        for o in 0..OBJS {
            any |= put_obj::<F>(o, None);
        }
        for r in 0..REFS {
            any |= put_ref::<F>(r, None);
        }
        for f in 0..FINS {
            any |= put_fin::<F>(f, None);
        }
        for c in 0..COLLS {
            any |= put_coll::<F>(c, None);
        }
        if !any {
            break;
        }
    }
    let pending: Vec<String> = with::<F, _>(|m| {
        m.every_fin
            .iter()
            .filter(|(_, fin)| fin.alive())
            .map(|(fid, _)| format!("f{fid}"))
            .collect()
    });
    format!(
        "live={} pending=[{}]",
        LIVE.with(Cell::get),
        pending.join(" ")
    )
}

/// What a run recorded: per step, the events and the result (`= ...`) and the snapshot; a
/// last step for the teardown. And the `popitem` choices, for the Python side.
pub struct Run {
    /// The trace, one record per step, the teardown last.
    pub trace: Vec<Vec<String>>,
    /// The entry each `popitem`/`pop` chose, in order.
    pub choices: Vec<String>,
}

/// Runs `program` against flavor `F` on this thread.
pub fn run<F: Kit>(program: &[Op]) -> Run {
    hooks::install();
    // Left over only if a run panicked (a bug, which the test reports): dropped before the new
    // machine exists, so that the deaths it causes cannot record anything in the new run.
    let stale = F::machine().with(|machine| machine.borrow_mut().take());
    drop(stale);
    LIVE.with(|live| live.set(0));
    take_log();
    F::machine().with(|machine| *machine.borrow_mut() = Some(Machine::new()));
    let mut trace = Vec::with_capacity(program.len() + 1);
    for op in program {
        let result = exec::<F>(op);
        let mut record = take_log();
        record.push(format!("= {result}"));
        record.push(snapshot::<F>());
        trace.push(record);
    }
    let result = teardown::<F>();
    let mut record = take_log();
    record.push(format!("= {result}"));
    trace.push(record);
    let machine = F::machine().with(|machine| machine.borrow_mut().take());
    let choices = machine
        .as_ref()
        .map(|m| m.choices.clone())
        .unwrap_or_default();
    drop(machine);
    take_log();
    Run { trace, choices }
}

/// The process-wide hooks a run needs: the unraisable hook, which records reports in the step's
/// log, and a panic hook that keeps the programs' deliberate panics quiet.
mod hooks {
    use std::sync::Once;

    use super::{Boom, log};

    static INSTALL: Once = Once::new();

    pub fn install() {
        INSTALL.call_once(|| {
            weakref_core::set_unraisable_hook(Box::new(|report| {
                match report.payload().downcast_ref::<Boom>() {
                    Some(Boom(label)) => log(format!("unraisable {label}")),
                    None => log(format!("unraisable other {:?}", report.message())),
                }
            }));
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !info.payload().is::<Boom>() {
                    default(info);
                }
            }));
        });
    }
}
