//! `loom` models of the races in the object model.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p weakref-core --test loom --release`
//! (`.ci/run` does, with `LOOM_MAX_PREEMPTIONS=3`). Each model explores every interleaving of
//! its threads' atomic operations, including the weak-reference list's bit lock.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use weakref_core::{Obj, WeakRef, Weakrefable, getweakrefcount};

/// A value that counts its drops.
#[derive(Weakrefable)]
struct Tracked {
    drops: Arc<AtomicUsize>,
    payload: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

fn tracked() -> (Obj<Tracked>, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let obj = Obj::new(Tracked {
        drops: Arc::clone(&drops),
        payload: 42,
    });
    (obj, drops)
}

fn counting_callback(calls: &Arc<AtomicUsize>) -> impl FnOnce(&WeakRef<Tracked>) + Send + 'static {
    let calls = Arc::clone(calls);
    move |dead| {
        assert!(
            dead.upgrade().is_none(),
            "a callback sees its reference dead"
        );
        calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// The last strong drop races `upgrade`: an upgrade either fails or yields the intact value,
/// which then dies on the upgrading thread; the value is dropped and the callback runs once.
#[test]
fn last_drop_races_upgrade() {
    loom::model(|| {
        let (obj, drops) = tracked();
        let calls = Arc::new(AtomicUsize::new(0));
        let watch = WeakRef::with_callback(&obj, counting_callback(&calls));
        let weak = WeakRef::new(&obj);
        let upgrader = thread::spawn(move || {
            if let Some(strong) = weak.upgrade() {
                assert_eq!(strong.payload, 42);
            }
        });
        drop(obj);
        upgrader.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert!(!watch.is_alive());
    });
}

/// The last strong drop races a `with_callback` made from another strong handle: the new
/// reference is registered before its maker's handle drops, so its callback runs exactly once.
#[test]
fn last_drop_races_with_callback_from_another_handle() {
    loom::model(|| {
        let (obj, drops) = tracked();
        let other = obj.clone();
        let calls = Arc::new(AtomicUsize::new(0));
        let maker_calls = Arc::clone(&calls);
        let maker = thread::spawn(move || {
            let weak = WeakRef::with_callback(&other, counting_callback(&maker_calls));
            drop(other);
            weak
        });
        drop(obj);
        let weak = maker.join().unwrap();
        assert!(!weak.is_alive());
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    });
}

/// The last strong drop races the drop of a weak reference's last handle: the callback runs
/// at most once, and the value is dropped once either way.
#[test]
fn last_drop_races_weak_handle_drop() {
    loom::model(|| {
        let (obj, drops) = tracked();
        let calls = Arc::new(AtomicUsize::new(0));
        let weak = WeakRef::with_callback(&obj, counting_callback(&calls));
        let dropper = thread::spawn(move || drop(weak));
        drop(obj);
        dropper.join().unwrap();
        assert!(calls.load(Ordering::Relaxed) <= 1);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    });
}

/// Once a weak reference's handles are gone, its object's death never calls it back, even
/// when the death happens on another thread right after.
#[test]
fn dropped_weak_handle_never_calls_back() {
    loom::model(|| {
        let (obj, drops) = tracked();
        let calls = Arc::new(AtomicUsize::new(0));
        let weak = WeakRef::with_callback(&obj, counting_callback(&calls));
        let keeper = obj.clone();
        drop(weak);
        let killer = thread::spawn(move || drop(keeper));
        drop(obj);
        killer.join().unwrap();
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    });
}

/// Two threads asking for the shared callback-less reference at once get one object.
#[test]
fn shared_reference_made_by_two_threads_is_one_object() {
    loom::model(|| {
        let (obj, _drops) = tracked();
        let other = obj.clone();
        let racer = thread::spawn(move || WeakRef::new(&other));
        let mine = WeakRef::new(&obj);
        let theirs = racer.join().unwrap();
        assert!(mine.ptr_eq(&theirs));
        assert_eq!(getweakrefcount(&obj), 1);
    });
}

/// The last handle of the shared reference drops while another thread asks for it: the
/// asker gets a live reference (the old one or a new one) and the count stays exact.
#[test]
fn shared_reference_dropped_while_requested() {
    loom::model(|| {
        let (obj, _drops) = tracked();
        let first = WeakRef::new(&obj);
        let other = obj.clone();
        let racer = thread::spawn(move || {
            let again = WeakRef::new(&other);
            assert!(again.upgrade().is_some());
            (again, other)
        });
        drop(first);
        let (again, _other) = racer.join().unwrap();
        assert_eq!(getweakrefcount(&obj), 1);
        assert!(again.ptr_eq(&WeakRef::new(&obj)));
    });
}

/// What the trait-object models see of `Tracked`.
trait Payload: Weakrefable + Send + Sync {
    fn payload(&self) -> u64;
}

impl Payload for Tracked {
    fn payload(&self) -> u64 {
        self.payload
    }
}

/// One object seen through two types: the last drop of the concrete handle races a thread that
/// registers a callback and upgrades through the `dyn` view. Both views share one list, so the
/// `dyn` callback is either registered in time and runs once, and the value is dropped once,
/// through the vtable, with the allocation freed by whichever handle is last.
#[test]
fn last_drop_races_the_dyn_view() {
    loom::model(|| {
        let (obj, drops) = tracked();
        let calls = Arc::new(AtomicUsize::new(0));
        let view: Obj<dyn Payload> = weakref_core::coerce!(obj.clone());
        let dyn_calls = Arc::clone(&calls);
        let other = thread::spawn(move || {
            let watch = WeakRef::with_callback(&view, move |dead: &WeakRef<dyn Payload>| {
                assert!(dead.upgrade().is_none());
                dyn_calls.fetch_add(1, Ordering::Relaxed);
            });
            let weak = WeakRef::new(&view);
            drop(view);
            if let Some(strong) = weak.upgrade() {
                assert_eq!(strong.payload(), 42);
            }
            watch
        });
        let concrete_watch = WeakRef::with_callback(&obj, counting_callback(&calls));
        drop(obj);
        let dyn_watch = other.join().unwrap();
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        assert_eq!(calls.load(Ordering::Relaxed), 2);
        assert!(!dyn_watch.is_alive() && !concrete_watch.is_alive());
    });
}
