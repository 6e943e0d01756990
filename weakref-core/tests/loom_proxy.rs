//! `loom` models of proxies racing their object's last drop and each other.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=target/loom
//! cargo test -p weakref-core --test loom_proxy --release` (`.ci/run` does). Proxies share the
//! weak-reference nodes, counts and list lock of `WeakRef`, which use loom's atomics; these
//! models check what is new with them: the shared proxy's place next to the shared reference,
//! and access through a proxy while the object dies.
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use weakref_core::{
    Obj, ReferenceError, WeakProxy, WeakRef, Weakrefable, getweakrefcount, getweakrefs,
};

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

/// Two threads ask for the shared proxy while one of them also makes the shared reference:
/// one proxy, one reference, listed reference first.
#[test]
fn shared_proxy_and_shared_reference_made_concurrently() {
    loom::model(|| {
        let (obj, _drops) = tracked();
        let other = obj.clone();
        let racer = thread::spawn(move || WeakProxy::new(&other));
        let weak = WeakRef::new(&obj);
        let mine = WeakProxy::new(&obj);
        let theirs = racer.join().unwrap();
        assert!(mine.ptr_eq(&theirs));
        assert_eq!(getweakrefcount(&obj), 2);
        let refs = getweakrefs(&obj);
        assert!(refs[0].ptr_eq(&weak) && refs[1].ptr_eq(mine.as_weakref()));
    });
}

/// The last handle of the shared proxy drops while another thread asks for it: the asker gets
/// a live proxy (the old one or a new one) and the count stays exact.
#[test]
fn shared_proxy_dropped_while_requested() {
    loom::model(|| {
        let (obj, _drops) = tracked();
        let first = WeakProxy::new(&obj);
        let other = obj.clone();
        let racer = thread::spawn(move || {
            let again = WeakProxy::new(&other);
            assert_eq!(again.with(|t| t.payload), Ok(42));
            (again, other)
        });
        drop(first);
        let (again, _other) = racer.join().unwrap();
        assert_eq!(getweakrefcount(&obj), 1);
        assert!(again.ptr_eq(&WeakProxy::new(&obj)));
    });
}

/// Access through a proxy races the last drop: it sees the intact value (and may be the one
/// that drops it) or `ReferenceError`; the value is dropped once, and the proxy's callback runs
/// once, given a dead proxy.
#[test]
fn proxy_access_races_last_drop() {
    loom::model(|| {
        let (obj, drops) = tracked();
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let proxy = WeakProxy::with_callback(&obj, move |dead: &WeakProxy<Tracked>| {
            assert_eq!(dead.with(|_| ()), Err(ReferenceError));
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let reader = proxy.clone();
        let racer = thread::spawn(move || reader.with(|t| t.payload));
        drop(obj);
        let seen = racer.join().unwrap();
        assert!(seen == Ok(42) || seen == Err(ReferenceError));
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert!(!proxy.is_alive());
    });
}
