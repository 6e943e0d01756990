// Checklist section 5, proxies (items 38-50), and the items of other sections that proxies
// take part in: 2, 10, 12, 13, 14, 51, 52, 54. This file is `include!`d into one module per
// flavor, where `wr` names the flavor under test (`weakref_core` or `weakref_core::unsync`).
// Items 41 and 50 are N/A (Python name rebinding, dynamic typing). Assertions never go inside
// callbacks: callbacks record what they see and the test asserts afterwards.

use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ops::{Add, Mul, Neg, Sub};
use std::pin::pin;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use wr::{Callable, ReferenceError};

use crate::support::{capture_unraisable, reports};

/// What callbacks saw, in the order they saw it.
type Log = Arc<Mutex<Vec<String>>>;

fn new_log() -> Log {
    Log::default()
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// A proxy callback that appends `tag` to `log`.
fn proxy_tag<T: 'static>(
    log: &Log,
    tag: &'static str,
) -> impl FnOnce(&wr::WeakProxy<T>) + Send + 'static {
    let log = Arc::clone(log);
    move |_| log.lock().unwrap().push(tag.into())
}

/// A reference callback that appends `tag` to `log`.
fn ref_tag<T: 'static>(log: &Log, tag: &'static str) -> impl FnOnce(&wr::WeakRef<T>) + Send + 'static {
    let log = Arc::clone(log);
    move |_| log.lock().unwrap().push(tag.into())
}

/// Polls a future that never waits to completion (the forwarded `async fn`s here never do).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was expected to be ready at once"),
    }
}

/// A plain referent, compared and hashed by value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, wr::Weakrefable)]
#[weakref(proxy)]
struct Node(u32);

/// The referent of most tests: fields of several kinds, and methods forwarded below.
#[derive(Debug, wr::Weakrefable)]
#[weakref(proxy)]
struct Counter {
    count: AtomicU32,
    name: String,
    /// Another strong handle to this very object, which `release` drops (item 42).
    keeper: Mutex<Option<wr::Obj<Self>>>,
    #[weakref(skip)]
    drops: Arc<AtomicUsize>,
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

#[wr::forward]
impl Counter {
    /// Not a method: not forwarded.
    fn new(name: &str, drops: &Arc<AtomicUsize>) -> Self {
        Counter {
            count: AtomicU32::new(0),
            name: name.into(),
            keeper: Mutex::new(None),
            drops: Arc::clone(drops),
        }
    }

    fn value(&self) -> u32 {
        self.count.load(SeqCst)
    }

    fn add(&self, n: u32) -> u32 {
        self.count.fetch_add(n, SeqCst) + n
    }

    /// A getter returning a borrow: forwarded as a guard.
    fn title(&self) -> &str {
        &self.name
    }

    /// Drops the object's other strong handle, the one it keeps to itself, then reads its
    /// own fields: only the proxy's strong hold keeps `self` alive by then.
    fn release(&self) -> (usize, u32) {
        drop(self.keeper.lock().unwrap().take());
        (self.drops.load(SeqCst), self.count.load(SeqCst))
    }

    fn count_where<F>(&self, keep: F) -> u32
    where
        F: Fn(u32) -> bool,
    {
        (0..=self.value()).filter(|&n| keep(n)).count() as u32
    }

    fn parse_name<T: std::str::FromStr>(&self) -> Option<T> {
        self.name.parse().ok()
    }

    fn sum_with(&self, other: &Self) -> u32 {
        self.value() + other.value()
    }

    fn sum_pair(&self, (a, b): (u32, u32)) -> u32 {
        self.value() + a + b
    }

    async fn value_later(&self) -> u32 {
        self.value()
    }

    /// # Safety
    ///
    /// None needed; `unsafe` only to check that the forwarder keeps it.
    unsafe fn value_unchecked(&self) -> u32 {
        self.value()
    }

    #[weakref(skip)]
    fn reset(&mut self) {
        *self.count.get_mut() = 0;
    }
}

/// A new `Counter` in an object, with its drop counter.
fn counter(name: &str) -> (wr::Obj<Counter>, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut counter = Counter::new(name, &drops);
    counter.reset(); // `&mut self` methods stay usable on the type, just not forwarded
    (wr::Obj::new(counter), drops)
}

fn hash_of<H: Hash + ?Sized>(value: &H) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

// CPython check_proxy (test_basic_proxy): attributes are read and set through the proxy, and
// a change made on either side is seen on the other. Rust: an accessor per field lends it
// through a guard; setting goes through interior mutability, as for any shared object.
#[test]
fn item_38_attributes_through_the_proxy() {
    let (o, _) = counter("spam");
    let p = wr::proxy(&o);
    assert_eq!(*p.name().unwrap(), "spam");
    assert_eq!(p.count().unwrap().load(SeqCst), 0);

    p.count().unwrap().store(5, SeqCst);
    assert_eq!(o.count.load(SeqCst), 5, "set through the proxy, seen on the object");
    o.count.store(7, SeqCst);
    assert_eq!(p.count().unwrap().load(SeqCst), 7, "set on the object, seen through it");
    *p.keeper().unwrap().lock().unwrap() = Some(o.clone());
    assert!(o.keeper.lock().unwrap().is_some());
    drop(o.keeper.lock().unwrap().take());

    // The same through the general accessors.
    assert_eq!(p.with(|c| c.name.len()), Ok(4));
    assert_eq!(*p.map(|c| &c.name).unwrap(), "spam");
    assert!(wr::Obj::ptr_eq(&p.get().unwrap(), &o));
    // A guard is a strong handle while it lives, and lends the value it shows.
    let name = p.name().unwrap();
    assert_eq!(wr::Obj::strong_count(&o), 2);
    assert_eq!(name.clone(), "spam", "`clone` clones the field, not the guard");
    assert_eq!(format!("{name:?}/{name}"), "\"spam\"/spam");
    drop(name);
    assert_eq!(wr::Obj::strong_count(&o), 1);
}

// CPython check_proxy: methods are called through the proxy. Rust: `#[forward]` adds each
// `&self` method to the wrapper, with its arguments, generics and where clause, returning
// `Result`.
#[test]
fn item_38_methods_through_the_proxy() {
    let (o, _) = counter("42");
    let p = wr::proxy(&o);
    assert_eq!(p.add(3), Ok(3));
    assert_eq!(p.add(2), Ok(5));
    assert_eq!(p.value(), Ok(5));
    assert_eq!(o.value(), 5, "the same object");
    assert_eq!(p.count_where(|n| n % 2 == 0), Ok(3));
    assert_eq!(p.parse_name::<u8>(), Ok(Some(42)));
    assert_eq!(p.parse_name::<bool>(), Ok(None));
    let (other, _) = counter("other");
    other.add(10);
    assert_eq!(p.sum_with(&other), Ok(15), "`Self` in a signature is the object's type");
    assert_eq!(p.sum_pair((1, 2)), Ok(8), "patterns in arguments");
    assert_eq!(ready(p.value_later()), Ok(5), "`async fn`");
    // SAFETY: `value_unchecked` has no requirement.
    assert_eq!(unsafe { p.value_unchecked() }, Ok(5), "`unsafe fn`");
    let title = p.title().unwrap();
    assert_eq!(&*title, "42", "a getter returning `&str` lends through a guard");
    drop(title);
    // The wrapper derefs to the bare proxy, whose own methods stay reachable.
    assert!(p.is_alive());
    let bare: &wr::WeakProxy<Counter> = &p;
    assert_eq!(bare.with(|c| c.value()), Ok(5));
}

/// A container: CPython's proxy forwards `len`, `in`, indexing, iteration, `reversed`, and
/// truthiness.
#[derive(wr::Weakrefable)]
#[weakref(proxy)]
struct Bag {
    items: Mutex<Vec<u32>>,
}

#[wr::forward]
impl Bag {
    fn len(&self) -> usize {
        self.items.lock().unwrap().len()
    }

    fn is_empty(&self) -> bool {
        self.items.lock().unwrap().is_empty()
    }

    fn contains(&self, item: &u32) -> bool {
        self.items.lock().unwrap().contains(item)
    }

    fn get(&self, index: usize) -> Option<u32> {
        self.items.lock().unwrap().get(index).copied()
    }

    fn set(&self, index: usize, item: u32) {
        self.items.lock().unwrap()[index] = item;
    }

    fn remove(&self, index: usize) -> u32 {
        self.items.lock().unwrap().remove(index)
    }

    fn slice(&self, range: std::ops::Range<usize>) -> Vec<u32> {
        self.items.lock().unwrap()[range].to_vec()
    }

    fn snapshot(&self) -> Vec<u32> {
        self.items.lock().unwrap().clone()
    }
}

/// An iterator as a shared object: `next` through a proxy (CPython test_proxy_next).
#[derive(wr::Weakrefable)]
#[weakref(proxy)]
struct Countdown {
    left: AtomicU32,
}

#[wr::forward]
impl Countdown {
    fn next(&self) -> Option<u32> {
        let left = self.left.load(SeqCst);
        (left > 0).then(|| {
            self.left.store(left - 1, SeqCst);
            left
        })
    }
}

// CPython test_basic_proxy, test_proxy_bool, test_proxy_deletion, test_proxy_reversed,
// test_proxy_next: the container and iteration protocols through a proxy. Rust: forwarded
// methods and `with`, each returning `Result`.
#[test]
fn item_39_container_and_iteration_protocols() {
    let bag = wr::Obj::new(Bag {
        items: Mutex::new(Vec::new()),
    });
    let p = wr::proxy(&bag);
    assert_eq!(p.is_empty(), Ok(true), "an empty container's proxy is 'false'");
    bag.items.lock().unwrap().extend([1, 2, 3, 4]);
    assert_eq!(p.is_empty(), Ok(false));
    assert_eq!(p.len(), Ok(4));
    assert_eq!(p.contains(&3), Ok(true));
    assert_eq!(p.contains(&9), Ok(false));
    assert_eq!(p.get(1), Ok(Some(2)));
    assert_eq!(p.set(1, 20), Ok(()));
    assert_eq!(p.slice(1..3), Ok(vec![20, 3]));
    assert_eq!(p.remove(0), Ok(1), "`del p[0]`");
    assert_eq!(bag.snapshot(), [20, 3, 4]);
    let forward: Vec<u32> = p.snapshot().unwrap().into_iter().collect();
    let reversed: Vec<u32> = p.with(|b| b.items.lock().unwrap().iter().rev().copied().collect()).unwrap();
    assert_eq!(forward, [20, 3, 4]);
    assert_eq!(reversed, [4, 3, 20]);

    let countdown = wr::Obj::new(Countdown {
        left: AtomicU32::new(3),
    });
    let p = wr::proxy(&countdown);
    assert_eq!(p.next(), Ok(Some(3)));
    // Iterating through the proxy until the iterator is exhausted.
    let rest: Vec<u32> = std::iter::from_fn(|| p.next().ok().flatten()).collect();
    assert_eq!(rest, [2, 1]);
    assert_eq!(p.next(), Ok(None));
    drop(countdown);
    assert_eq!(p.next(), Err(ReferenceError));
}

/// A number-like referent (CPython test_newstyle_number_ops, test_proxy_div, test_proxy_matmul,
/// test_proxy_index).
#[derive(Debug, PartialEq, wr::Weakrefable)]
#[weakref(proxy)]
struct Money(f64);

impl Add<f64> for &Money {
    type Output = f64;

    fn add(self, rhs: f64) -> f64 {
        self.0 + rhs
    }
}

impl Add<&Money> for f64 {
    type Output = f64;

    fn add(self, rhs: &Money) -> f64 {
        self + rhs.0
    }
}

impl Sub for &Money {
    type Output = Money;

    fn sub(self, rhs: &Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Mul<f64> for &Money {
    type Output = Money;

    fn mul(self, rhs: f64) -> Money {
        Money(self.0 * rhs)
    }
}

impl Neg for &Money {
    type Output = Money;

    fn neg(self) -> Money {
        Money(-self.0)
    }
}

#[wr::forward]
impl Money {
    fn cents(&self) -> i64 {
        (self.0 * 100.0).round() as i64
    }
}

// CPython test_newstyle_number_ops et al.: numeric operators through a proxy, on either side,
// and index conversion. Rust: operators cannot fail, so they run inside `with` (or through
// forwarded methods), whose `Result` carries the ReferenceError. In-place forms that rebind
// the name (item 41) have no Rust counterpart.
#[test]
fn item_40_numeric_operations() {
    let price = wr::Obj::new(Money(2.5));
    let p = wr::proxy(&price);
    assert_eq!(p.with(|m| m + 1.0), Ok(3.5), "p + 1.0");
    assert_eq!(p.with(|m| 1.0 + m), Ok(3.5), "1.0 + p: the reflected form");
    assert_eq!(p.with(|m| m * 2.0), Ok(Money(5.0)));
    assert_eq!(p.with(|m| -m), Ok(Money(-2.5)));
    assert_eq!(p.cents(), Ok(250), "`__index__`-like conversion, forwarded");
    let other = wr::Obj::new(Money(1.0));
    let q = wr::proxy(&other);
    // A binary operation between two proxies unwraps both.
    let difference = p.with(|a| q.with(|b| a - b)).and_then(|inner| inner);
    assert_eq!(difference, Ok(Money(1.5)));
    drop(price);
    assert_eq!(p.with(|m| m + 1.0), Err(ReferenceError));
    assert_eq!(p.cents(), Err(ReferenceError));
}

// CPython test_proxy_iter (bpo-38395): an operation through a proxy holds a strong reference
// for its whole duration, even if the operation drops every other reference to the object.
#[test]
fn item_42_strong_hold_lasts_the_call() {
    let (o, drops) = counter("self-owned");
    o.add(9);
    let p = wr::proxy(&o);
    // The object keeps the only strong handle to itself: drop the outer one.
    *o.keeper.lock().unwrap() = Some(o.clone());
    drop(o);
    assert!(p.is_alive());
    // `release` drops the last owner, then reads its fields: the proxy's hold keeps them.
    assert_eq!(p.release(), Ok((0, 9)), "alive, not dropped, for the whole call");
    assert_eq!(drops.load(SeqCst), 1, "and dies as soon as the call returns");
    assert!(!p.is_alive());
    assert_eq!(p.release(), Err(ReferenceError));
}

// Item 42 for `with`, `get` and the guards: each holds the object for as long as it lives.
#[test]
fn item_42_strong_hold_of_with_get_and_guards() {
    let (o, drops) = counter("held");
    let p = wr::proxy(&o);
    let o_in_closure = std::cell::RefCell::new(Some(o));
    let seen = p.with(|c| {
        drop(o_in_closure.borrow_mut().take()); // the last other owner
        (drops.load(SeqCst), c.name.clone())
    });
    assert_eq!(seen, Ok((0, "held".to_string())));
    assert_eq!(drops.load(SeqCst), 1);

    let (o, drops) = counter("guarded");
    let p = wr::proxy(&o);
    let name = p.name().unwrap();
    let strong = p.get().unwrap();
    drop(o);
    assert_eq!(&*name, "guarded", "the guard holds the object");
    drop(name);
    assert_eq!(drops.load(SeqCst), 0, "so does the handle from `get`");
    drop(strong);
    assert_eq!(drops.load(SeqCst), 1);
    assert!(p.name().is_err());
}

// CPython test_proxy_ref: every operation on a dead proxy raises
// ReferenceError("weakly-referenced object no longer exists"). Rust: every access returns
// `Err(ReferenceError)`, never a panic.
#[test]
fn item_43_every_access_to_a_dead_proxy_is_an_error() {
    let (o, _) = counter("gone");
    let p = wr::proxy(&o);
    let bare = wr::WeakProxy::new(&o);
    let watched = wr::WeakProxy::with_callback(&o, |_| {});
    let (twin, _) = counter("twin");
    drop(o);

    assert!(p.get().is_err());
    assert_eq!(p.with(|c| c.value()), Err(ReferenceError));
    assert!(p.map(|c| &c.name).is_err());
    assert!(p.name().is_err() && p.count().is_err() && p.keeper().is_err());
    assert_eq!(p.value(), Err(ReferenceError));
    assert_eq!(p.add(1), Err(ReferenceError));
    assert!(p.title().is_err());
    assert_eq!(p.count_where(|_| true), Err(ReferenceError));
    assert_eq!(p.sum_with(&twin), Err(ReferenceError));
    assert_eq!(ready(p.value_later()), Err(ReferenceError));
    // SAFETY: `value_unchecked` has no requirement.
    assert_eq!(unsafe { p.value_unchecked() }, Err(ReferenceError));
    for proxy in [&*p, &bare, &watched] {
        assert_eq!(proxy.with(|_| ()), Err(ReferenceError));
        assert!(!proxy.is_alive());
    }

    // A proxy made from a temporary is dead at once (CPython: `proxy(C())`).
    let temporary = wr::proxy(&wr::Obj::new(Node(2)));
    assert_eq!(temporary.with(|n| n.0), Err(ReferenceError));

    // The error: Python's message, a std error, and cheap to copy, compare and hash.
    let error = p.value().unwrap_err();
    assert_eq!(error.to_string(), "weakly-referenced object no longer exists");
    let copy = error;
    assert_eq!(copy, error);
    assert_eq!(hash_of(&copy), hash_of(&ReferenceError));
    let source: &dyn std::error::Error = &error;
    assert!(source.source().is_none());
    assert_eq!(format!("{error:?}"), "ReferenceError");
}

// CPython (WRAP_BINARY): a binary operation between a live proxy and a dead one raises
// ReferenceError, because both operands are unwrapped.
#[test]
fn item_44_binary_operation_with_a_dead_proxy() {
    let live = wr::Obj::new(Node(44));
    let doomed = wr::Obj::new(Node(44));
    let a = wr::WeakProxy::new(&live);
    let b = wr::WeakProxy::new(&doomed);
    assert_eq!(a.eq_proxy(&b), Ok(true));
    drop(doomed);
    assert_eq!(a.eq_proxy(&b), Err(ReferenceError));
    assert_eq!(b.eq_proxy(&a), Err(ReferenceError));
    assert_eq!(b.eq_proxy(&b), Err(ReferenceError), "even with itself");
    assert_eq!(a.eq_proxy(&a), Ok(true));
}

/// Tells, at compile time, whether `T` implements `Hash`: the inherent constant applies only
/// when `T: Hash`; otherwise the trait's default is found.
struct HashProbe<T>(PhantomData<T>);

trait NoHash {
    const HASH: bool = false;
}

impl<T> NoHash for HashProbe<T> {}

impl<T: Hash> HashProbe<T> {
    const HASH: bool = true;
}

// CPython test_proxy_hash: proxies are unhashable, whatever the referent. Rust: no `Hash`
// impl on proxies or their wrappers (tests/ui/proxy_hash.rs shows the compile error).
#[test]
fn item_45_proxies_are_not_hash() {
    // Checked at compile time: the probe sees `Hash` where there is one, and not on proxies.
    const {
        assert!(HashProbe::<Node>::HASH);
        assert!(HashProbe::<wr::WeakRef<Node>>::HASH);
        assert!(!HashProbe::<wr::WeakProxy<Node>>::HASH);
        assert!(!HashProbe::<NodeProxy<wr::WeakProxy<Node>>>::HASH);
    }
}

// CPython test_basic_proxy: comparison unwraps both sides; a proxy equals its referent,
// proxies to equal objects are equal, with or without callbacks; `p is o` is false.
#[test]
fn item_46_comparison_unwraps_both_sides() {
    let a = wr::Obj::new(Node(46));
    let b = wr::Obj::new(Node(46));
    let c = wr::Obj::new(Node(7));
    let pa = wr::proxy(&a);
    let pa_watched = wr::WeakProxy::with_callback(&a, |_| {});
    let pb = wr::WeakProxy::new(&b);
    let pc = wr::WeakProxy::new(&c);
    assert_eq!(pa.eq_value(&Node(46)), Ok(true), "p == o");
    assert_eq!(pa.eq_value(&*a), Ok(true));
    assert_eq!(pa.eq_value(&Node(7)), Ok(false));
    assert_eq!(pa.eq_proxy(&pb), Ok(true), "distinct but equal objects");
    assert_eq!(pa.eq_proxy(&pa_watched), Ok(true), "callbacks do not matter");
    assert_eq!(pa.eq_proxy(&pc), Ok(false));
    assert_eq!(pb.eq_proxy(&wr::proxy(&a)), Ok(true), "a wrapper on either side");
    assert!(!pa.ptr_eq(&pa_watched) && !pa.ptr_eq(&pb), "equal, not identical");
    assert!(wr::Obj::ptr_eq(&pa.get().unwrap(), &a), "the proxy is not the object: `get` is");
}

/// A callable referent: Python's `__call__`.
#[derive(wr::Weakrefable)]
#[weakref(proxy)]
struct Multiplier {
    factor: i64,
    calls: AtomicUsize,
}

impl Callable<(i64,)> for Multiplier {
    type Output = i64;

    fn call_with(&self, (x,): (i64,)) -> i64 {
        self.calls.fetch_add(1, SeqCst);
        x * self.factor
    }
}

impl Callable<()> for Multiplier {
    type Output = usize;

    fn call_with(&self, (): ()) -> usize {
        self.calls.load(SeqCst)
    }
}

impl Callable<(i64, i64)> for Multiplier {
    type Output = i64;

    fn call_with(&self, (x, y): (i64, i64)) -> i64 {
        (x + y) * self.factor
    }
}

// CPython test_callable_proxy: a proxy to a callable object can be called, with the
// referent's arguments; a call through a dead proxy raises ReferenceError. Rust: `call`, with
// the arguments as a tuple, for referents that implement `Callable`.
#[test]
fn item_47_callable_proxy() {
    let double = wr::Obj::new(Multiplier {
        factor: 2,
        calls: AtomicUsize::new(0),
    });
    let p = wr::proxy(&double);
    assert_eq!(p.call((21,)), Ok(42));
    assert_eq!(p.call((1, 2)), Ok(6));
    assert_eq!(p.call(()), Ok(1), "the call went to the object");
    assert_eq!(double.calls.load(SeqCst), 1);
    // Functions and closures are `Callable` too.
    let add = |a: i64, b: i64| a + b;
    assert_eq!(add.call_with((2, 3)), 5);
    assert_eq!(<fn() -> u8 as Callable<()>>::call_with(&((|| 7) as fn() -> u8), ()), 7);
    drop(double);
    assert_eq!(p.call((21,)), Err(ReferenceError));
}

// CPython test_proxy_reuse, test_shared_proxy_without_callback: callback-less proxies are
// shared, separately from the shared ref; proxies with callbacks never are.
#[test]
fn item_48_callback_less_proxies_are_shared() {
    let o = wr::Obj::new(Node(48));
    let p1 = wr::WeakProxy::new(&o);
    let p2 = wr::WeakProxy::new(&o);
    let wrapped = wr::proxy(&o);
    assert!(p1.ptr_eq(&p2) && p1.ptr_eq(&wrapped), "proxy(o) is proxy(o)");
    let r = wr::WeakRef::new(&o);
    assert!(!r.ptr_eq(p1.as_weakref()), "the shared proxy is not the shared ref");
    assert!(wr::WeakRef::new(&o).ptr_eq(&r), "and does not disturb its reuse (item 4)");
    assert_eq!(wr::getweakrefcount(&o), 2);

    let c1 = wr::WeakProxy::with_callback(&o, |_| {});
    let c2 = wr::proxy_with_callback(&o, |_| {});
    assert!(!c1.ptr_eq(&p1) && !c1.ptr_eq(&c2), "proxies with callbacks are never shared");
    assert!(wr::WeakProxy::new(&o).ptr_eq(&p1), "and never handed out by `new`");
    assert_eq!(wr::getweakrefcount(&o), 4);

    // Reuse lasts as long as a handle does; then a new shared proxy is made.
    let old = p1.as_weakref().clone();
    drop((p1, p2, wrapped));
    assert_eq!(wr::getweakrefcount(&o), 4, "`old` still holds the shared proxy");
    drop(old);
    assert_eq!(wr::getweakrefcount(&o), 3);
    let fresh = wr::WeakProxy::new(&o);
    assert_eq!(wr::getweakrefcount(&o), 4);
    assert!(wr::getweakrefs(&o)[1].ptr_eq(fresh.as_weakref()));
}

// CPython test_proxy_repr (3.13+): `<weakproxy at 0x…; to 'mod.C' at 0x…>`, and
// `<weakproxy at 0x…; dead>` once the referent died, without raising.
#[test]
fn item_49_debug_shows_alive_or_dead() {
    let o = wr::Obj::new(Node(49));
    let p = wr::proxy(&o);
    let watched = wr::WeakProxy::with_callback(&o, |_| {});
    let node_ptr = format!("{:p}", wr::Obj::as_ptr(&o));
    let node_type = std::any::type_name::<Node>();
    for text in [format!("{p:?}"), format!("{watched:?}")] {
        assert!(text.starts_with("<weakproxy at 0x"), "{text}");
        assert!(text.ends_with(&format!("; to '{node_type}' at {node_ptr}>")), "{text}");
    }
    assert_eq!(format!("{p:?}"), format!("{:?}", p.clone()), "one proxy, one address");
    assert_eq!(format!("{p:?}"), format!("{:?}", *p), "the wrapper shows the proxy");
    assert_ne!(format!("{p:?}"), format!("{watched:?}"), "each proxy its own address");
    drop(o);
    for text in [format!("{p:?}"), format!("{watched:?}"), format!("{:#?}", p)] {
        assert!(text.starts_with("<weakproxy at 0x") && text.ends_with("; dead>"), "{text}");
    }
    // The same object listed by `getweakrefs` shows the same text.
    let o = wr::Obj::new(Node(49));
    let p = wr::WeakProxy::new(&o);
    assert_eq!(format!("{:?}", wr::getweakrefs(&o)[0]), format!("{p:?}"));
}

// CPython test_basic_callback / test_proxy_ref: a proxy's callback runs once, given the proxy
// itself, already dead.
#[test]
fn item_10_a_proxy_callback_gets_its_dead_proxy() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let o = wr::Obj::new(Node(10));
    let sink = Arc::clone(&seen);
    let p = wr::WeakProxy::with_callback(&o, move |dead: &wr::WeakProxy<Node>| {
        let node = format!("{:?}", dead).split(' ').nth(2).map(str::to_owned);
        sink.lock().unwrap().push((dead.get().err(), dead.is_alive(), node));
    });
    let expected_node = format!("{p:?}").split(' ').nth(2).map(str::to_owned);
    assert!(p.callback_pending());
    drop(o);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (error, alive, node) = &seen[0];
    assert_eq!(*error, Some(ReferenceError));
    assert!(!alive);
    assert_eq!(*node, expected_node, "the callback was given this very proxy");
    assert!(!p.callback_pending());
}

// CPython test_multiple_selfref_callbacks: every weak reference and proxy is cleared before
// the first callback runs.
#[test]
fn item_12_proxies_are_cleared_before_any_callback() {
    let o = wr::Obj::new(Node(12));
    let shared_ref = wr::WeakRef::new(&o);
    let shared_proxy = wr::proxy(&o);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (sink, proxy) = (Arc::clone(&seen), shared_proxy.clone());
    let _r = wr::WeakRef::with_callback(&o, move |_| {
        sink.lock().unwrap().push(("ref", proxy.with(|n| n.0).is_err()));
    });
    let (sink, weak) = (Arc::clone(&seen), shared_ref.clone());
    let _p = wr::WeakProxy::with_callback(&o, move |_| {
        sink.lock().unwrap().push(("proxy", weak.upgrade().is_none()));
    });
    drop(o);
    assert_eq!(*seen.lock().unwrap(), [("proxy", true), ("ref", true)]);
}

// CPython test_proxy_ref (two proxies with callbacks, both called) and item 14: callbacks of
// references and proxies run once each, newest first, mixed together.
#[test]
fn items_13_14_callbacks_of_refs_and_proxies_run_newest_first() {
    let log = new_log();
    let o = wr::Obj::new(Node(14));
    let _r1 = wr::WeakRef::with_callback(&o, ref_tag(&log, "r1"));
    let _p1 = wr::WeakProxy::with_callback(&o, proxy_tag(&log, "p1"));
    let _shared = (wr::WeakRef::new(&o), wr::proxy(&o));
    let _r2 = wr::WeakRef::with_callback(&o, ref_tag(&log, "r2"));
    let _p2 = wr::proxy_with_callback(&o, proxy_tag(&log, "p2"));
    let dropped = wr::WeakProxy::with_callback(&o, proxy_tag(&log, "never"));
    drop(dropped);
    drop(o);
    assert_eq!(entries(&log), ["p2", "r2", "p1", "r1"]);
}

// CPython getweakrefs order: the shared ref, the shared proxy right after it, then every
// other weak reference or proxy newest first, whatever the order of creation. Proxies are
// listed as `WeakRef` handles to their weak-reference objects.
#[test]
fn item_54_getweakrefs_lists_the_shared_proxy_after_the_shared_ref() {
    let o = wr::Obj::new(Node(54));
    let c1 = wr::WeakRef::with_callback(&o, |_| {});
    let shared_proxy = wr::WeakProxy::new(&o);
    let cp1 = wr::WeakProxy::with_callback(&o, |_| {});
    let refs = wr::getweakrefs(&o);
    assert!(refs[0].ptr_eq(shared_proxy.as_weakref()), "first while there is no shared ref");
    let shared_ref = wr::WeakRef::new(&o);
    let cp2 = wr::WeakProxy::with_callback(&o, |_| {});
    let c2 = wr::WeakRef::with_callback(&o, |_| {});

    let refs = wr::getweakrefs(&o);
    let expected = [
        &shared_ref,
        shared_proxy.as_weakref(),
        &c2,
        cp2.as_weakref(),
        cp1.as_weakref(),
        &c1,
    ];
    assert_eq!(refs.len(), expected.len());
    assert!(refs.iter().zip(expected).all(|(got, want)| got.ptr_eq(want)));
    let proxies: Vec<bool> = refs.iter().map(wr::WeakRef::is_proxy).collect();
    assert_eq!(proxies, [false, true, false, true, true, false]);
    assert_eq!(wr::getweakrefcount(&o), 6);

    // The listed handles convert back to the proxies they are.
    let mut refs = refs.into_iter();
    let first = refs.next().unwrap();
    let first = wr::WeakProxy::try_from(first).expect_err("the shared ref is no proxy");
    assert!(first.ptr_eq(&shared_ref));
    let second = wr::WeakProxy::try_from(refs.next().unwrap()).expect("a proxy");
    assert!(second.ptr_eq(&shared_proxy));
    assert!(wr::WeakRef::from(second).ptr_eq(shared_proxy.as_weakref()));
}

// CPython test_getweakrefcount / test_proxy_reuse: proxies count as weakref objects, once
// each however many handles; dropping a proxy's last handle unregisters it (item 52).
#[test]
fn items_51_52_proxies_are_counted_and_unregistered() {
    let o = wr::Obj::new(Node(51));
    let shared = wr::proxy(&o);
    let again = wr::WeakProxy::new(&o);
    let clone = shared.clone();
    let watched = wr::WeakProxy::with_callback(&o, |_| {});
    let listed = wr::getweakrefs(&o);
    assert_eq!(wr::getweakrefcount(&o), 2);
    drop(listed);
    drop((shared, again));
    assert_eq!(wr::getweakrefcount(&o), 2, "a clone keeps the shared proxy registered");
    drop(clone);
    assert_eq!(wr::getweakrefcount(&o), 1);
    assert!(wr::getweakrefs(&o)[0].ptr_eq(watched.as_weakref()));
    drop(watched);
    assert_eq!(wr::getweakrefcount(&o), 0);
    assert!(wr::getweakrefs(&o).is_empty());
}

// CPython: an exception raised in a callback is reported through sys.unraisablehook and the
// other callbacks still run (item 17); a proxy's callback is reported with its dead proxy.
#[test]
fn item_17_a_panicking_proxy_callback_is_reported() {
    let (_guard, seen) = capture_unraisable();
    let log = new_log();
    let o = wr::Obj::new(Node(17));
    let _older = wr::WeakProxy::with_callback(&o, proxy_tag(&log, "older"));
    let _failing = wr::WeakProxy::with_callback(&o, |_| panic!("proxy callback failed"));
    drop(o);
    let seen = reports(&seen);
    assert_eq!(seen.len(), 1);
    let report = &seen[0];
    assert_eq!(report.what, "weakref callback");
    assert!(report.object.starts_with("<weakproxy at 0x"), "{}", report.object);
    assert!(report.object.ends_with("; dead>"), "{}", report.object);
    assert_eq!(report.message.as_deref(), Some("proxy callback failed"));
    assert!(!report.payload_is_u32);
    assert_eq!(report.thread, std::thread::current().id());
    assert_eq!(entries(&log), ["older"], "the other callback still ran");
}

// A proxy whose every handle is dropped before its object dies never calls back, and a
// dropped proxy's callback (and what it captured) is dropped with it (items 15, 20).
#[test]
fn item_15_a_dropped_proxy_never_calls_back() {
    let captured = Arc::new(());
    let o = wr::Obj::new(Node(15));
    let witness = Arc::clone(&captured);
    let p = wr::WeakProxy::with_callback(&o, move |_| drop(witness));
    assert_eq!(Arc::strong_count(&captured), 2);
    drop(p);
    assert_eq!(Arc::strong_count(&captured), 1, "the callback was dropped at once");
    drop(o);
}

/// A type without a wrapper, the derive's default.
#[derive(wr::Weakrefable)]
struct Bare {
    level: u8,
}

/// A type whose wrapper has another name.
#[derive(wr::Weakrefable)]
#[weakref(proxy = "MeterHandle")]
struct Meter(pub u32, #[weakref(skip)] pub String);

#[wr::forward(proxy = "MeterHandle")]
impl Meter {
    fn doubled(&self) -> u32 {
        self.0 * 2
    }
}

// The derive's options: without `proxy`, `proxy` returns the bare `WeakProxy`; `proxy = "..."`
// renames the wrapper (and `#[forward(proxy = "...")]` finds it); tuple fields are `_0`, ...
#[test]
fn derive_options_default_rename_and_tuple_fields() {
    let bare = wr::Obj::new(Bare { level: 3 });
    let p: wr::WeakProxy<Bare> = wr::proxy(&bare);
    assert_eq!(p.with(|b| b.level), Ok(3));

    let meter = wr::Obj::new(Meter(21, "kWh".into()));
    let p: MeterHandle<wr::WeakProxy<Meter>> = wr::proxy(&meter);
    assert_eq!(*p._0().unwrap(), 21);
    assert_eq!(p.doubled(), Ok(42));
    assert_eq!(p.with(|m| m.1.clone()), Ok("kWh".to_string()));
    drop(meter);
    assert!(p._0().is_err());
}
