// What Rust users reach for beside Python's names: `WeakMethod`, weak-capture closures
// (`weak!`), death futures, `Arc`'s API on `Obj`, cells and locks as objects. This file is
// `include!`d into one module per flavor, where `wr` names the flavor under test.

use std::cell::{Cell, RefCell};
use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll, Waker};

use weakref_core::{coerce, weak};

/// A subscriber with state and methods.
#[derive(Debug, Clone, PartialEq, Eq, Hash, wr::Weakrefable)]
struct Printer {
    prefix: String,
}

impl Printer {
    fn new(prefix: &str) -> wr::Obj<Printer> {
        wr::Obj::new(Printer {
            prefix: prefix.into(),
        })
    }

    fn render(&self, event: &str) -> String {
        format!("{}{event}", self.prefix)
    }

    fn render_pair(&self, a: &str, b: u32) -> String {
        format!("{}{a}{b}", self.prefix)
    }
}

trait Observer: wr::Weakrefable {
    fn notify(&self, event: &str) -> String;
}

impl Observer for Printer {
    fn notify(&self, event: &str) -> String {
        self.render(event)
    }
}

fn hash_of<H: Hash + ?Sized>(value: &H) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

type Render = fn(&Printer, &str) -> String;

// --- WeakMethod -------------------------------------------------------------------------------

#[test]
fn weak_method_calls_while_the_object_lives() {
    let printer = Printer::new("> ");
    let render = wr::WeakMethod::new(&printer, Printer::render);
    let pair = wr::WeakMethod::new(&printer, Printer::render_pair);
    assert_eq!(render.call(("a",)), Some("> a".to_string()));
    assert_eq!(pair.call(("b", 2)), Some("> b2".to_string()));
    assert!(render.is_alive());
    assert!(wr::Obj::ptr_eq(&render.target().unwrap(), &printer));
    // Each WeakMethod is a weak-reference object of its own, never shared.
    assert_eq!(wr::getweakrefcount(&printer), 2);
    assert!(!render.as_weakref().ptr_eq(pair.as_weakref()));
    drop(printer);
    assert_eq!(render.call(("a",)), None);
    assert!(render.target().is_none());
    assert!(!render.is_alive());
}

#[test]
fn weak_method_does_not_keep_its_object_alive_and_calls_back() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let printer = Printer::new("");
    let sink = Arc::clone(&log);
    let render = wr::WeakMethod::with_callback(
        &printer,
        Printer::render as Render,
        move |dead: &wr::WeakMethod<Printer, Render>| {
            sink.lock()
                .unwrap()
                .push(format!("alive={} call={:?}", dead.is_alive(), dead.call(("x",))));
        },
    );
    let kept = render.clone();
    drop(printer);
    assert_eq!(
        *log.lock().unwrap(),
        ["alive=false call=None"],
        "the callback ran once, with its dead WeakMethod"
    );
    assert!(kept.ptr_eq(&render));
}

#[test]
fn weak_method_dropped_before_the_death_never_calls_back() {
    let calls = Arc::new(AtomicUsize::new(0));
    let printer = Printer::new("");
    let counter = Arc::clone(&calls);
    let render = wr::WeakMethod::with_callback(&printer, Printer::render as Render, move |_| {
        counter.fetch_add(1, SeqCst);
    });
    drop(render);
    drop(printer);
    assert_eq!(calls.load(SeqCst), 0);
}

// CPython's WeakMethod equality: alive, equal objects and the same function; dead, itself only.
#[test]
fn weak_method_equality_and_hash_follow_python() {
    let a = Printer::new("same");
    let b = Printer::new("same");
    // One function pointer, copied: Rust does not promise that a function has one address.
    let (render, notify): (Render, Render) = (Printer::render, Printer::notify);
    let on_a = wr::WeakMethod::new(&a, render);
    let on_b = wr::WeakMethod::new(&b, render);
    let other = wr::WeakMethod::new(&a, notify);
    assert!(on_a == on_b, "equal objects, same function");
    assert!(on_a != other, "another function");
    let hash = hash_of(&on_a);
    assert_eq!(hash, hash_of(&on_b));
    assert_eq!(hash, hash_of(on_a.as_weakref()), "a WeakMethod hashes as its weak reference");
    assert_eq!(on_a.as_weakref().try_hash(), Some(hash_of(&*a)), "which hashes as its object");
    drop(a);
    assert!(on_a != on_b, "dead: only itself");
    assert!(on_a == on_a.clone());
    assert_eq!(hash_of(&on_a), hash, "the hash is kept after the death");
}

#[test]
fn weak_method_with_a_trait_object_receiver() {
    let printer = Printer::new("dyn ");
    let observer: wr::Obj<dyn Observer> = coerce!(printer.clone());
    let notify = wr::WeakMethod::new(&observer, <dyn Observer>::notify);
    // A closure spells out the object's lifetime, as `Obj<dyn Observer>` holds a
    // `dyn Observer + 'static`.
    let closure = wr::WeakMethod::new(&observer, |o: &(dyn Observer + 'static), n: u32| {
        o.notify("n").len() as u32 + n
    });
    assert_eq!(notify.call(("x",)), Some("dyn x".to_string()));
    assert_eq!(closure.call((1,)), Some(6));
    drop((printer, observer));
    assert_eq!(notify.call(("x",)), None);
    assert!(format!("{notify:?}").starts_with("<weakmethod <weakref at 0x"));
}

// --- weak! --------------------------------------------------------------------------------------

#[test]
fn weak_closures_upgrade_on_each_call_and_do_nothing_once_dead() {
    let model = Printer::new("m:");
    let view = Printer::new("v:");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let handler = weak!(model, view => move |event: &str| {
        sink.lock().unwrap().push(format!("{} {}", model.render(event), view.render(event)));
    });
    handler("a");
    assert_eq!(wr::Obj::strong_count(&model), 1, "the closure holds no strong handle");
    drop(view);
    handler("b"); // `view` is dead: nothing happens
    assert_eq!(*seen.lock().unwrap(), ["m:a v:a"]);
}

#[test]
fn weak_closures_return_a_default_and_take_expressions() {
    let printer = Printer::new("p");
    let holder = Some(printer.clone());
    let length = weak!(p = holder.clone().unwrap(); else usize::MAX => |extra: usize| -> usize {
        p.prefix.len() + extra
    });
    let defaulted = weak!(printer => || printer.prefix.len());
    assert_eq!(length(1), 2);
    assert_eq!(defaulted(), 1);
    drop((printer, holder));
    assert_eq!(length(1), usize::MAX);
    assert_eq!(defaulted(), 0, "Default::default() unless told otherwise");
}

#[test]
fn weak_closures_fit_a_boxed_event_bus() {
    let printer = Printer::new("bus:");
    let received = Arc::new(Mutex::new(Vec::new()));
    type Handler = Box<dyn Fn(&str) -> bool>;
    let mut bus: Vec<Handler> = Vec::new();
    let sink = Arc::clone(&received);
    bus.push(Box::new(weak!(printer; else false => move |event| -> bool {
        sink.lock().unwrap().push(printer.render(event));
        true
    })));
    let delivered: Vec<bool> = bus.iter().map(|handler| handler("one")).collect();
    assert_eq!(delivered, [true]);
    drop(printer);
    let delivered: Vec<bool> = bus.iter().map(|handler| handler("two")).collect();
    assert_eq!(delivered, [false]);
    assert_eq!(*received.lock().unwrap(), ["bus:one"]);
}

// --- death futures --------------------------------------------------------------------------------

fn poll_once<Fut: Future>(future: std::pin::Pin<&mut Fut>) -> Poll<Fut::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn death_futures_complete_when_the_object_dies() {
    let printer = Printer::new("");
    let weak = wr::WeakRef::new(&printer);
    let mut death = pin!(weak.dead());
    assert_eq!(poll_once(death.as_mut()), Poll::Pending);
    assert!(!death.is_dead());
    assert_eq!(wr::getweakrefcount(&printer), 2, "the future watches through a weak reference");
    drop(printer);
    assert!(death.is_dead());
    assert_eq!(poll_once(death.as_mut()), Poll::Ready(()));
    // Already dead: ready at once, with nothing registered.
    let mut late = pin!(weak.dead());
    assert_eq!(poll_once(late.as_mut()), Poll::Ready(()));
}

#[test]
fn dropping_a_death_future_leaves_no_callback_behind() {
    let printer = Printer::new("");
    let weak = wr::WeakRef::new(&printer);
    let death = weak.dead();
    assert_eq!(wr::getweakrefcount(&printer), 2);
    drop(death);
    assert_eq!(wr::getweakrefcount(&printer), 1);
    drop(printer);
}

/// Counts the wakes of a waker.
struct CountingWaker(AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_death_wakes_the_waiting_task_once() {
    let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&wakes));
    let mut cx = Context::from_waker(&waker);
    let printer = Printer::new("");
    let mut death = pin!(wr::WeakRef::new(&printer).dead());
    assert_eq!(death.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(death.as_mut().poll(&mut cx), Poll::Pending);
    drop(printer);
    assert_eq!(wakes.0.load(SeqCst), 1);
    assert_eq!(death.as_mut().poll(&mut cx), Poll::Ready(()));
}

// --- Arc's API ----------------------------------------------------------------------------------

#[test]
fn try_unwrap_takes_the_value_and_ends_the_object() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let printer = Printer::new("v");
    let sink = Arc::clone(&log);
    let watch = wr::WeakRef::with_callback(&printer, move |dead: &wr::WeakRef<Printer>| {
        sink.lock().unwrap().push(format!("callback alive={}", dead.is_alive()));
    });
    let sink = Arc::clone(&log);
    let finalizer = wr::finalize(&printer, move || sink.lock().unwrap().push("finalizer".to_string()));
    let other = printer.clone();
    let printer = wr::Obj::try_unwrap(printer).unwrap_err();
    drop(other);
    let value = wr::Obj::try_unwrap(printer).unwrap();
    assert_eq!(value.prefix, "v");
    assert_eq!(*log.lock().unwrap(), ["finalizer", "callback alive=false"]);
    assert!(!watch.is_alive() && !finalizer.alive());
}

#[test]
fn into_inner_returns_the_value_to_the_last_handle_only() {
    let printer = Printer::new("last");
    let other = printer.clone();
    assert_eq!(wr::Obj::into_inner(other), None);
    let weak = wr::WeakRef::new(&printer);
    assert_eq!(wr::Obj::into_inner(printer).map(|p| p.prefix), Some("last".to_string()));
    assert!(weak.upgrade().is_none());
}

#[test]
fn get_mut_needs_the_only_handle_and_no_weak_reference() {
    let mut printer = Printer::new("a");
    wr::Obj::get_mut(&mut printer).unwrap().prefix.push('b');
    let other = printer.clone();
    assert!(wr::Obj::get_mut(&mut printer).is_none());
    drop(other);
    let proxy = wr::WeakProxy::new(&printer);
    assert!(wr::Obj::get_mut(&mut printer).is_none(), "a proxy could reach it");
    drop(proxy);
    let finalizer = wr::finalize(&printer, || ());
    assert!(wr::Obj::get_mut(&mut printer).is_none(), "a finalizer could `peek` it");
    drop(finalizer.detach());
    assert_eq!(wr::Obj::get_mut(&mut printer).map(|p| p.prefix.clone()), Some("ab".into()));
}

#[test]
fn make_mut_clones_unless_unique_and_disassociates_weak_references() {
    let mut printer = Printer::new("1");
    let before = wr::Obj::as_ptr(&printer);
    wr::Obj::make_mut(&mut printer).prefix.push('u');
    assert_eq!(wr::Obj::as_ptr(&printer), before, "unique: in place");
    let shared = printer.clone();
    wr::Obj::make_mut(&mut printer).prefix.push('s');
    assert_eq!((shared.prefix.as_str(), printer.prefix.as_str()), ("1u", "1us"));

    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let watch = wr::WeakRef::with_callback(&printer, move |_| {
        counter.fetch_add(1, SeqCst);
    });
    wr::Obj::make_mut(&mut printer).prefix.push('w');
    assert_eq!(calls.load(SeqCst), 1, "the old object died: its callback ran");
    assert!(watch.upgrade().is_none());
    assert_eq!(printer.prefix, "1usw");
}

#[test]
fn unwrap_or_clone_and_strong_and_weak_counts() {
    let printer = Printer::new("c");
    let weak = wr::WeakRef::new(&printer);
    let proxy = wr::WeakProxy::new(&printer);
    assert_eq!(wr::Obj::weak_count(&printer), 2);
    let other = printer.clone();
    assert_eq!(weak.strong_count(), 2);
    assert_eq!(wr::Obj::unwrap_or_clone(other).prefix, "c");
    assert_eq!(wr::Obj::unwrap_or_clone(printer).prefix, "c");
    assert_eq!(weak.strong_count(), 0);
    drop(proxy);
}

#[test]
fn new_cyclic_gives_a_weak_reference_that_upgrades_once_built() {
    #[derive(wr::Weakrefable)]
    struct Node {
        me: wr::WeakRef<Node>,
        alive_inside: bool,
    }
    let node = wr::Obj::new_cyclic(|me: &wr::WeakRef<Node>| Node {
        me: me.clone(),
        alive_inside: me.upgrade().is_some(),
    });
    assert!(!node.alive_inside);
    assert!(wr::Obj::ptr_eq(&node.me.upgrade().unwrap(), &node));
    assert!(node.me.ptr_eq(&wr::WeakRef::new(&node)), "it is the shared weak reference");
    assert_eq!(wr::getweakrefcount(&node), 1);

    // A panicking constructor: the object never lives, its weak references stay dead.
    let escaped = RefCell::new(None);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        wr::Obj::new_cyclic(|me: &wr::WeakRef<Node>| -> Node {
            *escaped.borrow_mut() = Some(me.clone());
            panic!("no node today");
        })
    }));
    assert!(outcome.is_err());
    let escaped = escaped.into_inner().unwrap();
    assert!(escaped.upgrade().is_none());
    assert_eq!(escaped.strong_count(), 0);
    drop(escaped); // the last weak reference: the allocation is freed (Miri checks for leaks)

    // The same with no weak reference escaping: the allocation is freed during the unwind.
    let outcome = catch_unwind(|| {
        wr::Obj::new_cyclic(|_: &wr::WeakRef<Node>| -> Node { panic!("nor today") })
    });
    assert!(outcome.is_err());
}

#[test]
fn raw_pointers_and_boxes() {
    let printer = Printer::new("raw");
    let raw = wr::Obj::into_raw(printer.clone());
    // SAFETY: from `into_raw`, given back once.
    let back = unsafe { wr::Obj::from_raw(raw) };
    assert!(wr::Obj::ptr_eq(&back, &printer));
    let raw: *const Printer = wr::Obj::into_raw(back);
    let raw: *const dyn Observer = raw;
    // SAFETY: from `into_raw` of an `Obj<Printer>`, whose pointer unsizes to this one.
    let observer: wr::Obj<dyn Observer> = unsafe { wr::Obj::from_raw(raw) };
    assert_eq!(observer.notify("!"), "raw!");
    assert_eq!(wr::Obj::strong_count(&printer), 2);
    let boxed: wr::Obj<Printer> = wr::Obj::from(Box::new(Printer {
        prefix: "box".into(),
    }));
    assert_eq!(boxed.prefix, "box");
}

// --- cells and locks --------------------------------------------------------------------------

#[test]
fn cells_and_locks_of_weakrefable_types_are_weakrefable() {
    let cell = wr::Obj::new(RefCell::new(Printer {
        prefix: "r".into(),
    }));
    let weak = wr::WeakRef::new(&cell);
    weak.upgrade().unwrap().borrow_mut().prefix.push('!');
    let proxy = wr::proxy(&cell);
    assert_eq!(proxy.with(|c| c.borrow().prefix.clone()), Ok("r!".to_string()));

    let counter = wr::Obj::new(Cell::new(Unit));
    assert_eq!(wr::getweakrefcount(&counter), 0);
    let _w = wr::WeakRef::new(&counter);

    let locked = wr::Obj::new(Mutex::new(Printer { prefix: "m".into() }));
    let weak = wr::WeakRef::new(&locked);
    weak.upgrade().unwrap().lock().unwrap().prefix.push('!');
    assert_eq!(locked.lock().unwrap().prefix, "m!");

    let shared = wr::Obj::new(RwLock::new(Printer { prefix: "w".into() }));
    let weak = wr::WeakRef::new(&shared);
    assert_eq!(weak.upgrade().unwrap().read().unwrap().prefix, "w");
    drop(shared);
    assert!(weak.upgrade().is_none());
}

#[derive(Clone, Copy, wr::Weakrefable)]
struct Unit;
