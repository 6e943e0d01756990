//! Stack-safe deaths in hostile places: a deep chain dying inside a thread-local destructor,
//! and a destructor panicking while deeper deaths wait in the trashcan's queue.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use weakref_core::{Obj, WeakIdSet, WeakRef, Weakrefable};

/// A chain link owning the next one.
#[derive(Weakrefable)]
struct Link {
    _next: Option<Obj<Link>>,
}

fn chain(links: usize) -> Obj<Link> {
    let mut head = Obj::new(Link { _next: None });
    for _ in 0..links {
        head = Obj::new(Link { _next: Some(head) });
    }
    head
}

thread_local! {
    static HELD: RefCell<Option<Obj<Link>>> = const { RefCell::new(None) };
}

/// The thread-local holding a chain is destroyed after the trashcan's queue (its destructor was
/// registered first), so the chain dies with no queue to defer to: it must still die, without
/// aborting the process.
#[test]
fn deep_chain_dies_in_a_thread_local_destructor() {
    let drops = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&drops);
    std::thread::spawn(move || {
        let head = chain(200);
        let _watch = WeakRef::with_callback(&head, move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        HELD.with(|held| *held.borrow_mut() = Some(head));
        // A deep death now makes the trashcan's queue, registered after `HELD`.
        drop(chain(200));
        std::mem::forget(_watch);
    })
    .join()
    .expect("the thread ends normally");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// A value whose destructor drops a deep chain, then panics.
#[derive(Weakrefable)]
struct Boom {
    chain: Option<Obj<Link>>,
}

impl Drop for Boom {
    fn drop(&mut self) {
        drop(self.chain.take());
        panic!("boom");
    }
}

/// Deaths queued below a panicking destructor still happen: their callbacks run and their
/// entries leave weak collections, even if the thread never drops anything again.
#[test]
fn a_panicking_destructor_does_not_strand_queued_deaths() {
    let calls = Arc::new(AtomicUsize::new(0));
    let set: Arc<WeakIdSet<Link>> = Arc::new(WeakIdSet::new());
    let (counter, members) = (Arc::clone(&calls), Arc::clone(&set));
    std::thread::spawn(move || {
        let mut head = Obj::new(Link { _next: None });
        let innermost = WeakRef::with_callback(&head, move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        members.add(&head);
        for _ in 0..100 {
            head = Obj::new(Link { _next: Some(head) });
            members.add(&head);
        }
        let boom = Obj::new(Boom { chain: Some(head) });
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(boom)));
        assert!(outcome.is_err(), "the destructor's panic propagates");
        assert_eq!(
            members.len(),
            0,
            "every link died before the panic left `drop`"
        );
        drop(innermost);
    })
    .join()
    .expect("the thread ends normally");
    assert_eq!(set.len(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
