// Checklist section 9, `finalize` (items 70-80, 86, 87; exit-time items 81-84 are in
// finalize_exit.rs). This file is `include!`d into one module per flavor, where `wr` names the
// flavor under test and `Probe` is a boxed `Fn() -> String` that may hold that flavor's
// `Finalize` handles. Functions and callbacks only record what they see: the test asserts
// afterwards (a panic inside a finalizer that runs at death is reported, not failed).
//
// Nothing here calls `run_exit_finalizers`: it would make every finalizer of this process
// inert for good.

use std::any::type_name;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use crate::support::{capture_unraisable, reports};

/// A plain referent.
#[derive(Debug, PartialEq, wr::Weakrefable)]
struct Node(u32);

/// A referent that counts its drops.
#[derive(wr::Weakrefable)]
struct Tracked {
    drops: Arc<AtomicUsize>,
}

impl Tracked {
    fn new(drops: &Arc<AtomicUsize>) -> Self {
        Self {
            drops: Arc::clone(drops),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(SeqCst)
}

/// What functions and callbacks saw, in order (Python's `res`).
type Log = Arc<Mutex<Vec<String>>>;

fn new_log() -> Log {
    Log::default()
}

fn push(log: &Log, entry: impl Into<String>) {
    log.lock().unwrap().push(entry.into());
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// Python's `res.append(tag)` as a finalizer function.
fn appender(log: &Log, tag: &'static str) -> impl FnOnce() + Clone + Send + 'static {
    let log = Arc::clone(log);
    move || push(&log, tag)
}

/// `add(x, y, z)` from CPython's `test_finalize`: records the sum and returns it.
fn adder(log: &Log, x: u32, y: u32, z: u32) -> impl FnOnce() -> u32 + Clone + Send + 'static {
    let log = Arc::clone(log);
    move || {
        let sum = x + y + z;
        push(&log, sum.to_string());
        sum
    }
}

/// A function that only holds `token` (so its strong count shows whether the function is
/// still stored somewhere).
fn holding(token: &Arc<()>) -> impl FnOnce() + Send + 'static {
    let token = Arc::clone(token);
    move || {
        let _held: &() = &token;
    }
}

/// A function that panics with `message`.
fn explode(message: &'static str) -> impl FnOnce() + Send + 'static {
    move || panic!("{message}")
}

/// A weak-reference callback that appends `tag` to `log`.
fn weak_appender<T: 'static>(
    log: &Log,
    tag: &'static str,
) -> impl FnOnce(&wr::WeakRef<T>) + Send + 'static {
    let log = Arc::clone(log);
    move |_| push(&log, tag)
}

// --- Item 70: alive, atexit and peek while the object lives ---------------------------------

// CPython test_finalize: `f.alive` is True, `f.atexit` defaults to True, and `f.peek()` gives
// back the object and the function without killing the finalizer.
#[test]
fn item_70_alive_atexit_and_peek_while_the_object_lives() {
    let log = new_log();
    let o = wr::Obj::new(Node(70));
    let f = wr::finalize(&o, adder(&log, 67, 43, 89));
    assert!(f.alive());
    assert!(f.atexit());

    let (obj, func) = f.peek().expect("pending, and the object is alive");
    assert!(wr::Obj::ptr_eq(&obj, &o));
    assert_eq!(*obj, Node(70));
    assert_eq!(
        func(),
        199,
        "the peeked function is the finalizer's (a clone)"
    );
    assert_eq!(entries(&log), ["199"]);
    assert!(f.alive(), "peek does not kill the finalizer");
    assert!(f.atexit());
    assert!(f.peek().is_some(), "and can be repeated");
    drop(obj);
}

// PORT: `peek` returns a strong handle, which keeps the object alive while it is held.
#[test]
fn item_70_peek_returns_a_strong_handle() {
    let log = new_log();
    let drops = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let f = wr::finalize(&o, appender(&log, "f"));
    let (obj, _func) = f.peek().unwrap();
    assert_eq!(wr::Obj::strong_count(&o), 2);

    let weak = wr::WeakRef::new(&o);
    drop(o);
    assert!(weak.is_alive(), "the peeked handle keeps the object alive");
    assert!(f.alive());
    assert!(entries(&log).is_empty());
    drop(obj);
    assert!(!weak.is_alive());
    assert_eq!(count(&drops), 1);
    assert_eq!(entries(&log), ["f"], "its death ran the finalizer");
    assert!(!f.alive());
}

// --- Item 71: call() ----------------------------------------------------------------------

// CPython test_finalize: `f()` returns 199, then None, None; `peek()` and `detach()` are None
// and `alive` is False afterwards; the function ran once.
#[test]
fn item_71_call_runs_the_function_once_and_returns_its_result() {
    let log = new_log();
    let o = wr::Obj::new(Node(71));
    let f = wr::finalize(&o, adder(&log, 67, 43, 89));
    assert_eq!(f.call(), Some(199));
    assert_eq!(f.call(), None);
    assert_eq!(f.call(), None);
    assert!(f.peek().is_none());
    assert!(f.detach().is_none());
    assert!(!f.alive());
    assert_eq!(entries(&log), ["199"]);

    drop(o);
    assert_eq!(
        entries(&log),
        ["199"],
        "the object's death does not run it again"
    );
}

// The handles of one finalizer share it: calling through a clone kills the original.
#[test]
fn item_71_clones_are_handles_to_the_same_finalizer() {
    let log = new_log();
    let o = wr::Obj::new(Node(71));
    let f = wr::finalize(&o, adder(&log, 1, 2, 3));
    let g = f.clone();
    assert_eq!(g.call(), Some(6));
    assert!(!f.alive());
    assert_eq!(f.call(), None);
    drop(o);
    assert_eq!(entries(&log), ["6"]);
}

// CPython: `f()` takes the finalizer out of the registry before calling `func`, so from inside
// `func` it is already dead: calling it again does nothing, and there is nothing to peek at or
// detach.
#[test]
fn item_71_call_marks_it_dead_before_running_the_function() {
    let log = new_log();
    let o = wr::Obj::new(Node(71));
    let probe: Arc<Mutex<Option<Probe>>> = Arc::default();
    let slot = Arc::clone(&probe);
    let sink = Arc::clone(&log);
    let f = wr::finalize(&o, move || {
        // Taken out, so the probe (which holds a handle) goes away with the function.
        let probe = slot.lock().unwrap().take();
        if let Some(probe) = probe {
            push(&sink, probe());
        }
        "done"
    });
    let g = f.clone();
    let seen: Probe = Box::new(move || {
        format!(
            "alive={} call={:?} peek={} detach={} atexit={}",
            g.alive(),
            g.call(),
            g.peek().is_some(),
            g.detach().is_some(),
            g.atexit()
        )
    });
    *probe.lock().unwrap() = Some(seen);

    assert_eq!(f.call(), Some("done"));
    assert_eq!(
        entries(&log),
        ["alive=false call=None peek=false detach=false atexit=false"]
    );
    assert!(probe.lock().unwrap().is_none());
    assert!(!f.alive());
}

// --- Item 72: a panic inside call() ---------------------------------------------------------

// CPython: an exception raised by `func` during `f()` reaches the caller, and the finalizer is
// already dead: calling again, or the object's death, runs nothing and reports nothing.
#[test]
fn item_72_panic_inside_call_propagates_and_leaves_it_dead() {
    let (_hook, caught) = capture_unraisable();
    let token = Arc::new(());
    let o = wr::Obj::new(Node(72));
    let held = Arc::clone(&token);
    let f = wr::finalize(&o, move || -> u32 {
        let _held: &() = &held;
        panic!("finalizer failed: 72")
    });

    let outcome = catch_unwind(AssertUnwindSafe(|| f.call()));
    let payload = outcome.expect_err("the panic propagates out of call()");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"finalizer failed: 72")
    );
    assert!(!f.alive());
    assert!(!f.atexit());
    assert_eq!(f.call(), None);
    assert!(f.peek().is_none());
    assert!(f.detach().is_none());
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "the unwind dropped the function"
    );
    assert_eq!(wr::getweakrefcount(&o), 0, "its weak reference is gone too");

    drop(o);
    assert!(reports(&caught).is_empty(), "nothing was reported");
}

// --- Item 73: detach() --------------------------------------------------------------------

// CPython test_finalize / test_order: `detach()` cancels without calling `func` and hands back
// the object and the function; afterwards everything is None and `alive` is False. The
// returned object is a strong handle.
#[test]
fn item_73_detach_cancels_and_hands_back_the_object_and_the_function() {
    let log = new_log();
    let o = wr::Obj::new(Node(73));
    let weak = wr::WeakRef::new(&o);
    let f = wr::finalize(&o, adder(&log, 67, 43, 89));

    let (obj, func) = f.detach().expect("pending and alive");
    assert!(wr::Obj::ptr_eq(&obj, &o));
    assert!(
        entries(&log).is_empty(),
        "detach does not call the function"
    );
    assert!(!f.alive());
    assert!(!f.atexit());
    assert_eq!(f.call(), None);
    assert_eq!(f.call(), None);
    assert!(f.peek().is_none());
    assert!(f.detach().is_none());

    drop(o);
    assert!(
        weak.is_alive(),
        "the detached handle keeps the object alive"
    );
    assert_eq!(func(), 199, "the function is handed back intact");
    drop(obj);
    assert!(!weak.is_alive());
    assert_eq!(entries(&log), ["199"], "the death ran nothing");
}

// --- Item 74: peek() and detach() once dead -----------------------------------------------

// CPython test_finalize, third block: the object dies; `f()` is None twice, `peek()` and
// `detach()` are None, `alive` is False, and the function ran once.
#[test]
fn item_74_peek_and_detach_are_none_once_the_object_is_dead() {
    let log = new_log();
    let o = wr::Obj::new(Node(74));
    let f = wr::finalize(&o, adder(&log, 67, 43, 89));
    drop(o);
    assert_eq!(f.call(), None);
    assert_eq!(f.call(), None);
    assert!(f.peek().is_none());
    assert!(f.detach().is_none());
    assert!(!f.alive());
    assert_eq!(entries(&log), ["199"]);
}

// CPython: while the object dies, a newer callback that runs before the finalizer sees it still
// alive, but with nothing to peek at or detach (the object is gone); a `detach()` that finds
// nothing cancels nothing, so the finalizer still runs.
#[test]
fn item_74_during_the_death_there_is_nothing_to_peek_at_or_detach() {
    let log = new_log();
    let o = wr::Obj::new(Node(74));
    let f = wr::finalize(&o, adder(&log, 67, 43, 89));
    let g = f.clone();
    let sink = Arc::clone(&log);
    let _newer = wr::WeakRef::with_callback(&o, move |_: &wr::WeakRef<Node>| {
        push(
            &sink,
            format!(
                "alive={} peek={} detach={} atexit={}",
                g.alive(),
                g.peek().is_some(),
                g.detach().is_some(),
                g.atexit()
            ),
        );
    });
    drop(o);
    assert_eq!(
        entries(&log),
        ["alive=true peek=false detach=false atexit=true", "199"]
    );
    assert!(!f.alive());
}

// Once `call()` ran it, `peek()` and `detach()` are None even though the object lives.
#[test]
fn item_74_peek_and_detach_are_none_once_it_ran() {
    let log = new_log();
    let o = wr::Obj::new(Node(74));
    let f = wr::finalize(&o, appender(&log, "f"));
    f.call();
    assert!(f.peek().is_none());
    assert!(f.detach().is_none());
    assert_eq!(wr::Obj::strong_count(&o), 1, "no handle was handed out");
    assert_eq!(entries(&log), ["f"]);
}

// --- Item 75: the object's death runs it, once --------------------------------------------

// CPython: the finalizer is a weakref callback: the object's death runs it exactly once, and
// afterwards `alive` is False and `f()` does nothing.
#[test]
fn item_75_the_objects_death_runs_it_exactly_once() {
    let drops = counter();
    let calls = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let tally = Arc::clone(&calls);
    let f = wr::finalize(&o, move || tally.fetch_add(1, SeqCst));
    let g = f.clone();
    let other = o.clone();

    drop(o);
    assert_eq!(
        count(&calls),
        0,
        "the object is still alive through `other`"
    );
    assert!(f.alive());
    drop(other);
    assert_eq!(count(&calls), 1);
    assert_eq!(count(&drops), 1);
    assert!(!f.alive());
    assert!(!g.alive());
    assert_eq!(f.call(), None);
    assert_eq!(g.call(), None);
    assert_eq!(count(&calls), 1);
}

// --- Item 76: the registry owns pending finalizers ----------------------------------------

// CPython test_order / test_all_freed: with every handle dropped, the finalizer is still
// registered (its function is still stored) and runs when the object dies.
#[test]
fn item_76_it_stays_registered_after_every_handle_drops() {
    let log = new_log();
    let token = Arc::new(());
    let o = wr::Obj::new(Node(76));
    let held = Arc::clone(&token);
    let sink = Arc::clone(&log);
    let f = wr::finalize(&o, move || {
        let _held: &() = &held;
        push(&sink, "ran");
    });
    let g = f.clone();
    drop(f);
    drop(g);
    assert_eq!(
        Arc::strong_count(&token),
        2,
        "the registry still holds the function"
    );
    assert_eq!(wr::getweakrefcount(&o), 1, "and its weak reference");
    assert!(entries(&log).is_empty());

    drop(o);
    assert_eq!(entries(&log), ["ran"]);
    assert_eq!(Arc::strong_count(&token), 1, "and released it once it ran");
}

// --- Item 77: once it ran or was detached, nothing is kept --------------------------------

// CPython test_all_freed: after it runs, the registry no longer holds the function (nor what
// it captured), even while handles to the finalizer remain; the same after `call()` and after
// `detach()` (once the caller lets go of what it got back).
#[test]
fn item_77_running_or_detaching_releases_the_function_and_its_captures() {
    let token = Arc::new(());
    let o = wr::Obj::new(Node(77));
    let by_call = wr::finalize(&o, holding(&token));
    let detached = wr::finalize(&o, holding(&token));
    let by_death = wr::finalize(&o, holding(&token));
    assert_eq!(Arc::strong_count(&token), 4);
    assert_eq!(wr::getweakrefcount(&o), 3);

    assert_eq!(by_call.call(), Some(()));
    assert_eq!(Arc::strong_count(&token), 3, "call() released its function");
    assert_eq!(wr::getweakrefcount(&o), 2, "and its weak reference");

    let (obj, func) = detached.detach().unwrap();
    drop(obj);
    assert_eq!(
        Arc::strong_count(&token),
        3,
        "the caller holds the detached function"
    );
    assert_eq!(wr::getweakrefcount(&o), 1, "the weak reference is gone");
    drop(func);
    assert_eq!(Arc::strong_count(&token), 2, "and nothing else did");

    drop(o);
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "the death released the last one"
    );
    assert!(!by_call.alive() && !detached.alive() && !by_death.alive());
}

// A detached function that is dropped uncalled drops its captures there and then, exactly once;
// dropping the finalizer's last handle afterwards drops nothing more.
#[test]
fn item_77_a_detached_function_dropped_uncalled_drops_its_captures_once() {
    let drops = counter();
    let o = wr::Obj::new(Node(77));
    let captured = wr::Obj::new(Tracked::new(&drops));
    let f = wr::finalize(&o, move || {
        let _held: &Tracked = &captured;
    });
    let (obj, func) = f.detach().unwrap();
    drop(obj);
    assert_eq!(count(&drops), 0, "the caller holds the function");
    drop(func);
    assert_eq!(count(&drops), 1);
    drop(f);
    drop(o);
    assert_eq!(count(&drops), 1);
}

// --- Item 78: newest first ----------------------------------------------------------------

// CPython test_order: f1..f5; f1 and f4 lose their handles; f5 is detached; f3 is called
// explicitly (once); the death runs f4, f2, f1.
#[test]
fn item_78_cpython_test_order() {
    let log = new_log();
    let a = wr::Obj::new(Node(78));
    let f1 = wr::finalize(&a, appender(&log, "f1"));
    let f2 = wr::finalize(&a, appender(&log, "f2"));
    let f3 = wr::finalize(&a, appender(&log, "f3"));
    let f4 = wr::finalize(&a, appender(&log, "f4"));
    let f5 = wr::finalize(&a, appender(&log, "f5"));

    // Finalizers keep themselves alive.
    drop(f1);
    drop(f4);

    assert!(f2.alive());
    assert!(f3.alive());
    assert!(f5.alive());

    assert!(f5.detach().is_some());
    assert!(!f5.alive());

    assert_eq!(f5.call(), None, "nothing: previously unregistered");
    push(&log, "A");
    assert_eq!(f3.call(), Some(()));
    assert!(!f3.alive());
    push(&log, "B");
    assert_eq!(f3.call(), None, "nothing: previously called");
    push(&log, "C");
    drop(a);
    assert!(!f2.alive());
    push(&log, "D");
    assert_eq!(f2.call(), None, "nothing: the death ran it");

    assert_eq!(entries(&log), ["A", "f3", "B", "C", "f4", "f2", "f1", "D"]);
}

// CPython: a finalizer is a weakref callback, so finalizers and plain callbacks interleave,
// newest first (['w3', 'f2', 'w2', 'f1', 'w1'] on CPython 3.11).
#[test]
fn item_78_newest_first_across_finalizers_and_weakref_callbacks() {
    let log = new_log();
    let a = wr::Obj::new(Node(78));
    let _w1 = wr::WeakRef::with_callback(&a, weak_appender(&log, "w1"));
    let _f1 = wr::finalize(&a, appender(&log, "f1"));
    let _w2 = wr::WeakRef::with_callback(&a, weak_appender(&log, "w2"));
    let _f2 = wr::finalize(&a, appender(&log, "f2"));
    let _w3 = wr::WeakRef::with_callback(&a, weak_appender(&log, "w3"));
    drop(a);
    assert_eq!(entries(&log), ["w3", "f2", "w2", "f1", "w1"]);
}

// --- Item 79: a panic at death ------------------------------------------------------------

// CPython: an exception from a finalizer run by the object's death goes to
// `sys.unraisablehook` with the (dead) finalizer as the object; the others still run; it is
// dead afterwards.
#[test]
fn item_79_panic_at_death_is_reported_and_the_others_run() {
    let (_hook, caught) = capture_unraisable();
    let log = new_log();
    let drops = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let _f1 = wr::finalize(&o, appender(&log, "f1"));
    let f2 = wr::finalize(&o, explode("finalizer failed: 79"));
    let _f3 = wr::finalize(&o, appender(&log, "f3"));

    drop(o); // returns normally
    assert_eq!(entries(&log), ["f3", "f1"]);
    assert_eq!(count(&drops), 1);

    let caught = reports(&caught);
    assert_eq!(caught.len(), 1);
    assert_eq!(caught[0].what, "finalizer");
    assert_eq!(caught[0].message.as_deref(), Some("finalizer failed: 79"));
    assert_eq!(
        caught[0].object,
        format!("{f2:?}"),
        "the object is the finalizer"
    );
    assert!(
        caught[0].object.ends_with("; dead>"),
        "{}",
        caught[0].object
    );
    assert_eq!(caught[0].thread, std::thread::current().id());
    assert!(!caught[0].payload_is_u32);

    assert!(!f2.alive());
    assert_eq!(f2.call(), None);
}

// Finalizers and plain callbacks report through the same hook, each under its own name, in the
// order they ran (newest first); payloads that are not messages are reported too.
#[test]
fn item_79_finalizers_and_callbacks_report_through_the_same_hook() {
    let (_hook, caught) = capture_unraisable();
    let log = new_log();
    let o = wr::Obj::new(Node(79));
    let _oldest = wr::finalize(&o, appender(&log, "oldest"));
    let _callback =
        wr::WeakRef::with_callback(&o, |_: &wr::WeakRef<Node>| panic!("callback failed"));
    let _finalizer = wr::finalize(&o, explode("finalizer failed"));
    let _opaque = wr::finalize(&o, || std::panic::panic_any(79_u32));

    drop(o);
    assert_eq!(entries(&log), ["oldest"]);
    let caught = reports(&caught);
    let seen: Vec<_> = caught
        .iter()
        .map(|report| {
            (
                report.what,
                report.message.as_deref(),
                report.payload_is_u32,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("finalizer", None, true),
            ("finalizer", Some("finalizer failed"), false),
            ("weakref callback", Some("callback failed"), false),
        ]
    );
}

// --- Item 80: the atexit setting ----------------------------------------------------------

// CPython test_atexit: `atexit` is read/write while the finalizer is pending; clones share it;
// it only concerns exit: the object's death still runs the finalizer.
#[test]
fn item_80_atexit_is_a_read_write_setting_while_pending() {
    let log = new_log();
    let o = wr::Obj::new(Node(80));
    let f = wr::finalize(&o, appender(&log, "f"));
    let other = wr::finalize(&o, appender(&log, "other"));
    let g = f.clone();
    assert!(f.atexit());
    f.set_atexit(false);
    assert!(!f.atexit());
    assert!(
        !g.atexit(),
        "one setting per finalizer, shared by its handles"
    );
    assert!(other.atexit(), "other finalizers keep theirs");
    g.set_atexit(true);
    assert!(f.atexit());
    f.set_atexit(false);

    drop(o);
    assert_eq!(
        entries(&log),
        ["other", "f"],
        "atexit=false still runs at death"
    );
}

// CPython: reading `atexit` on a dead finalizer gives False, and writing it is ignored, however
// it died.
#[test]
fn item_80_atexit_is_false_and_ignored_once_dead() {
    let log = new_log();
    let o = wr::Obj::new(Node(80));
    let called = wr::finalize(&o, appender(&log, "called"));
    let detached = wr::finalize(&o, appender(&log, "detached"));
    let by_death = wr::finalize(&o, appender(&log, "by_death"));
    let off_then_death = wr::finalize(&o, appender(&log, "off_then_death"));
    off_then_death.set_atexit(false);

    called.call();
    drop(detached.detach());
    drop(o);
    for f in [&called, &detached, &by_death] {
        assert!(!f.atexit());
        f.set_atexit(true);
        assert!(!f.atexit(), "ignored once dead");
        assert!(!f.alive(), "and does not revive it");
    }
    off_then_death.set_atexit(true);
    assert!(!off_then_death.atexit());
    assert_eq!(entries(&log), ["called", "off_then_death", "by_death"]);
}

// --- Item 86: the classic mistake ---------------------------------------------------------

// Documented caveat: a function holding a strong handle to its own object (like a bound method
// of it) keeps the object alive, so its death never comes; `call()` still runs the function,
// and then the object can die.
#[test]
fn item_86_a_function_holding_its_object_keeps_it_alive() {
    let drops = counter();
    let o = wr::Obj::new(Tracked::new(&drops));
    let weak = wr::WeakRef::new(&o);
    let captured = o.clone();
    let f = wr::finalize(&o, move || wr::Obj::strong_count(&captured));

    drop(o);
    assert!(weak.is_alive(), "the function keeps its object alive");
    assert_eq!(count(&drops), 0);
    assert!(f.alive(), "so the finalizer never fires");
    assert_eq!(f.call(), Some(1), "the function held the last handle");
    assert!(!weak.is_alive(), "dropping the function let the object die");
    assert_eq!(count(&drops), 1);
    assert!(!f.alive());
}

// The documented fix: capture a `WeakRef` instead; the object dies and the finalizer runs.
#[test]
fn item_86_capturing_a_weakref_lets_the_object_die() {
    let log = new_log();
    let o = wr::Obj::new(Node(86));
    let weak = wr::WeakRef::new(&o);
    let sink = Arc::clone(&log);
    let f = wr::finalize(&o, move || {
        push(
            &sink,
            format!("upgrade at death: {:?}", weak.upgrade().map(|o| o.0)),
        );
    });
    drop(o);
    assert_eq!(entries(&log), ["upgrade at death: None"]);
    assert!(!f.alive());
}

// --- Item 87: Debug -----------------------------------------------------------------------

// CPython: repr is `<finalize object at 0x…; for 'A' at 0x…>` while alive and
// `<finalize object at 0x…; dead>` once it is not.
#[test]
fn item_87_debug_names_the_object_while_pending_then_says_dead() {
    let o = wr::Obj::new(Node(87));
    let f = wr::finalize(&o, || ());
    let live = format!("{f:?}");
    assert!(live.starts_with("<finalize object at 0x"), "{live}");
    let (head, tail) = live.split_once(';').unwrap();
    assert_eq!(
        tail,
        format!(
            " for '{}' at {:p}>",
            type_name::<Node>(),
            wr::Obj::as_ptr(&o)
        )
    );
    assert_eq!(
        format!("{:?}", f.clone()),
        live,
        "a clone is the same finalizer"
    );

    let other = wr::finalize(&o, || ());
    let other_live = format!("{other:?}");
    assert_ne!(
        other_live.split_once(';').unwrap().0,
        head,
        "another finalizer"
    );
    assert!(other_live.ends_with(tail), "on the same object");

    drop(o);
    assert_eq!(format!("{f:?}"), format!("{head}; dead>"));
}

#[test]
fn item_87_debug_says_dead_after_call_and_detach() {
    let o = wr::Obj::new(Node(87));
    let called = wr::finalize(&o, || ());
    let detached = wr::finalize(&o, || ());
    let called_head = format!("{called:?}").split_once(';').unwrap().0.to_owned();
    let detached_head = format!("{detached:?}")
        .split_once(';')
        .unwrap()
        .0
        .to_owned();
    called.call();
    drop(detached.detach());
    assert_eq!(format!("{called:?}"), format!("{called_head}; dead>"));
    assert_eq!(format!("{detached:?}"), format!("{detached_head}; dead>"));
    assert!(format!("{called:#?}").ends_with("; dead>"));
}

// Regression, found by the differential test against CPython: `call()` dropped the
// finalizer's weak reference before running the function; CPython keeps it (in the popped
// `_Info`) until the function returns, so `getweakrefcount` still counts it during the call.
#[test]
fn the_weak_reference_lives_while_the_function_runs() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let o = wr::Obj::new(Node(1));
    let weak = wr::WeakRef::new(&o);
    let sink = Arc::clone(&seen);
    let f = wr::finalize(&o, move || {
        let count = weak.upgrade().map(|o| wr::getweakrefcount(&o));
        sink.lock().unwrap().push(count);
    });
    assert_eq!(wr::getweakrefcount(&o), 2);
    f.call();
    assert_eq!(*seen.lock().unwrap(), [Some(2)]);
    assert_eq!(wr::getweakrefcount(&o), 0, "the function consumed the shared reference");
}
