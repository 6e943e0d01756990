// Objects of trait-object type (`Obj<dyn Observer>`), made with `coerce!`: one object seen
// through two types shares its weak references, its callbacks' order and its identity. This
// file is `include!`d into one module per flavor, where `wr` names the flavor under test and
// `DynObserver` is `dyn Observer` plus the auto traits that flavor needs.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use weakref_core::coerce;

trait Observer: wr::Weakrefable {
    fn name(&self) -> String;
}

/// An observer that counts its drops.
#[derive(wr::Weakrefable)]
struct Printer {
    drops: Arc<AtomicUsize>,
}

impl Observer for Printer {
    fn name(&self) -> String {
        "printer".into()
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// An observer with a large alignment, so that a wrong layout when freeing through the trait
/// object would show (Miri checks the layout of every deallocation).
#[derive(wr::Weakrefable)]
#[repr(align(64))]
struct Wide {
    label: [u8; 3],
}

impl Observer for Wide {
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.label).into_owned()
    }
}

fn printer(drops: &Arc<AtomicUsize>) -> wr::Obj<Printer> {
    wr::Obj::new(Printer {
        drops: Arc::clone(drops),
    })
}

type Log = Arc<Mutex<Vec<String>>>;

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

#[test]
fn coerced_obj_shares_the_object() {
    let drops = Arc::new(AtomicUsize::new(0));
    let concrete = printer(&drops);
    let observer: wr::Obj<DynObserver> = coerce!(concrete.clone());
    assert_eq!(observer.name(), "printer");
    assert_eq!(wr::Obj::strong_count(&observer), 2);
    assert!(std::ptr::addr_eq(
        wr::Obj::as_ptr(&concrete),
        wr::Obj::as_ptr(&observer)
    ));
    drop(concrete);
    assert_eq!(drops.load(SeqCst), 0, "the dyn handle keeps it alive");
    drop(observer);
    assert_eq!(drops.load(SeqCst), 1, "the concrete destructor runs through the vtable");
}

#[test]
fn weak_references_made_through_either_view_are_one_list() {
    let drops = Arc::new(AtomicUsize::new(0));
    let concrete = printer(&drops);
    let observer: wr::Obj<DynObserver> = coerce!(concrete.clone());

    // The shared reference is shared across views.
    let through_concrete = wr::WeakRef::new(&concrete);
    let through_dyn = wr::WeakRef::new(&observer);
    let converted: wr::WeakRef<DynObserver> = coerce!(through_concrete.clone());
    assert!(converted.ptr_eq(&through_dyn));
    assert_eq!(wr::getweakrefcount(&concrete), 1);

    let callback_ref = wr::WeakRef::with_callback(&concrete, |_| {});
    let callback_dyn = wr::WeakRef::with_callback(&observer, |_| {});
    assert_eq!(wr::getweakrefcount(&concrete), 3);
    assert_eq!(wr::getweakrefcount(&observer), 3);

    // Listed from the dyn view, every weak-reference object upgrades to the dyn view.
    let listed = wr::getweakrefs(&observer);
    assert_eq!(listed.len(), 3);
    assert!(listed[0].ptr_eq(&through_dyn));
    assert!(listed[1].ptr_eq(&callback_dyn));
    for weak in &listed {
        assert_eq!(weak.upgrade().unwrap().name(), "printer");
    }
    drop(listed);

    drop((concrete, observer));
    assert_eq!(drops.load(SeqCst), 1);
    assert!(!through_concrete.is_alive() && !through_dyn.is_alive());
    assert!(callback_ref.upgrade().is_none() && callback_dyn.upgrade().is_none());
}

#[test]
fn callbacks_of_both_views_run_newest_first_together() {
    let log = Log::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let concrete = printer(&drops);
    let observer: wr::Obj<DynObserver> = coerce!(concrete.clone());
    let mut refs_concrete = Vec::new();
    let mut refs_dyn = Vec::new();
    for i in 0..3 {
        let sink = Arc::clone(&log);
        refs_concrete.push(wr::WeakRef::with_callback(
            &concrete,
            move |dead: &wr::WeakRef<Printer>| {
                sink.lock()
                    .unwrap()
                    .push(format!("concrete {i} alive={}", dead.is_alive()));
            },
        ));
        let sink = Arc::clone(&log);
        refs_dyn.push(wr::WeakRef::with_callback(
            &observer,
            move |dead: &wr::WeakRef<DynObserver>| {
                sink.lock()
                    .unwrap()
                    .push(format!("dyn {i} alive={}", dead.is_alive()));
            },
        ));
    }
    drop(concrete);
    drop(observer);
    assert_eq!(
        entries(&log),
        [
            "dyn 2 alive=false",
            "concrete 2 alive=false",
            "dyn 1 alive=false",
            "concrete 1 alive=false",
            "dyn 0 alive=false",
            "concrete 0 alive=false",
        ]
    );
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn a_dyn_callback_is_given_its_own_reference() {
    let seen = Arc::new(Mutex::new(Vec::<wr::WeakRef<DynObserver>>::new()));
    let observer: wr::Obj<DynObserver> = coerce!(wr::Obj::new(Wide { label: *b"abc" }));
    let sink = Arc::clone(&seen);
    let weak = wr::WeakRef::with_callback(&observer, move |dead: &wr::WeakRef<DynObserver>| {
        sink.lock().unwrap().push(dead.clone());
    });
    assert_eq!(weak.upgrade().unwrap().name(), "abc");
    drop(observer);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].ptr_eq(&weak));
    assert!(format!("{:?}", seen[0]).ends_with("; dead>"));
}

#[test]
fn the_allocation_is_freed_through_the_last_weak_handle_of_either_view() {
    // Both objects are over-aligned: freeing with the wrong layout would be caught by Miri.
    for last_is_dyn in [false, true] {
        let concrete = wr::Obj::new(Wide { label: *b"xyz" });
        let weak_concrete = wr::WeakRef::with_callback(&concrete, |_| {});
        let observer: wr::Obj<DynObserver> = coerce!(concrete);
        let weak_dyn = wr::WeakRef::new(&observer);
        drop(observer);
        assert!(weak_concrete.upgrade().is_none());
        if last_is_dyn {
            drop(weak_concrete);
            drop(weak_dyn);
        } else {
            drop(weak_dyn);
            drop(weak_concrete);
        }
    }
}

#[test]
fn debug_of_a_dyn_reference_names_the_trait_object() {
    let observer: wr::Obj<DynObserver> = coerce!(wr::Obj::new(Wide { label: *b"dbg" }));
    let weak = wr::WeakRef::new(&observer);
    let text = format!("{weak:?}");
    assert!(text.starts_with("<weakref at 0x"), "{text}");
    assert!(text.contains("; to 'dyn "), "{text}");
    drop(observer);
    assert!(format!("{weak:?}").ends_with("; dead>"));
}

#[test]
fn proxies_and_finalizers_of_trait_objects() {
    let log = Log::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let observer: wr::Obj<DynObserver> = coerce!(printer(&drops));
    let proxy = wr::WeakProxy::new(&observer);
    assert_eq!(proxy.with(|o| o.name()), Ok("printer".to_string()));
    let concrete_proxy = wr::WeakProxy::with_callback(&observer, |_| {});
    let converted: wr::WeakProxy<DynObserver> = coerce!(concrete_proxy.clone());
    assert!(converted.ptr_eq(&concrete_proxy));

    let sink = Arc::clone(&log);
    let finalizer = wr::finalize(&observer, move || {
        sink.lock().unwrap().push("finalized".into());
    });
    assert!(finalizer.alive());
    let (held, func) = finalizer.detach().unwrap();
    assert_eq!(held.name(), "printer");
    let sink = Arc::clone(&log);
    let again = wr::finalize(&held, move || {
        func();
        sink.lock().unwrap().push("again".into());
    });
    drop((observer, held));
    assert!(!again.alive());
    assert_eq!(entries(&log), ["finalized", "again"]);
    assert_eq!(proxy.with(|o| o.name()), Err(wr::ReferenceError));
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn unsized_slices_are_objects_too() {
    let bytes: wr::Obj<[u8]> = coerce!(wr::Obj::new([1_u8, 2, 3, 4]));
    assert_eq!(bytes.len(), 4);
    assert_eq!(&*bytes, &[1, 2, 3, 4]);
    let names: wr::Obj<[String]> = coerce!(wr::Obj::new([String::from("a"), String::from("b")]));
    assert_eq!(names.concat(), "ab");
    drop((bytes, names));
}
