//! `WeakMethod`, `weak!`, death futures, `Arc`'s API on `Obj`, and cells and locks as
//! objects, in both flavors: `sync` (the crate root) and `unsync`. Below them, what only the
//! thread-safe flavor has to show: races.

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    include!("flavored/idioms.rs");
}

/// The single-threaded flavor.
// The shared code uses `Arc` so that its callbacks are `Send` for the thread-safe flavor; here
// the weak references inside are not `Send`, which that lint points out.
#[allow(clippy::arc_with_non_send_sync)]
mod unsync {
    use weakref_core::unsync as wr;

    include!("flavored/idioms.rs");
}

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use weakref_core::{Obj, WeakRef, Weakrefable};

#[derive(Weakrefable)]
struct Job(#[allow(dead_code)] u32);

/// A minimal executor: polls `future` on this thread, parking until its waker is called.
fn block_on<Fut: Future>(future: Fut) -> Fut::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

/// A task awaiting a death on one thread is woken by the death on another.
#[test]
fn a_death_on_another_thread_wakes_the_waiting_task() {
    for _ in 0..if cfg!(miri) { 2 } else { 50 } {
        let job = Obj::new(Job(1));
        let death = WeakRef::new(&job).dead();
        let barrier = Arc::new(Barrier::new(2));
        let go = Arc::clone(&barrier);
        let killer = thread::spawn(move || {
            go.wait();
            drop(job);
        });
        barrier.wait();
        block_on(death);
        killer.join().unwrap();
    }
}

/// Two threads drop the last two handles with `into_inner`: exactly one gets the value.
#[test]
fn into_inner_races_give_the_value_to_exactly_one_thread() {
    for _ in 0..if cfg!(miri) { 3 } else { 200 } {
        let job = Obj::new(Job(7));
        let other = job.clone();
        let winners = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(2));
        let (count, go) = (Arc::clone(&winners), Arc::clone(&barrier));
        let racer = thread::spawn(move || {
            go.wait();
            if Obj::into_inner(other).is_some() {
                count.fetch_add(1, SeqCst);
            }
        });
        barrier.wait();
        if Obj::into_inner(job).is_some() {
            winners.fetch_add(1, SeqCst);
        }
        racer.join().unwrap();
        assert_eq!(winners.load(SeqCst), 1);
    }
}
