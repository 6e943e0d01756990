//! Checklist section 9 (`finalize`, items 70-80, 86 and 87), each test run against both
//! flavors: `sync` (the crate root) and `unsync`; then, for the thread-safe flavor only,
//! `call()` and `detach()` racing the object's last drop on another thread. The exit-time items
//! (81-84) run in child processes: see finalize_exit.rs.

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    /// A probe a finalizer's function can run from inside; it may hold `Finalize` handles.
    type Probe = Box<dyn Fn() -> String + Send>;

    include!("flavored/finalize.rs");
}

/// The single-threaded flavor.
mod unsync {
    use weakref_core::unsync as wr;

    /// A probe a finalizer's function can run from inside; it may hold `Finalize` handles.
    type Probe = Box<dyn Fn() -> String>;

    include!("flavored/finalize.rs");
}

/// The thread-safe flavor across threads.
mod threads {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Barrier};
    use std::thread;

    use weakref_core::{Finalize, Obj, Weakrefable, finalize};

    use crate::support::{capture_unraisable, reports};

    /// Rounds per race.
    const ROUNDS: usize = if cfg!(miri) { 6 } else { 300 };

    #[derive(Weakrefable)]
    struct Plain;

    fn assert_send_sync<T: Send + Sync>() {}

    /// A function that counts its runs and returns how many runs came before it.
    fn tally(runs: &Arc<AtomicUsize>) -> impl FnOnce() -> usize + Send + 'static {
        let runs = Arc::clone(runs);
        move || runs.fetch_add(1, SeqCst)
    }

    // Handles of a thread-safe finalizer can be sent and shared (the `unsync` ones cannot: see
    // the compile-fail tests).
    #[test]
    fn finalize_is_send_and_sync() {
        assert_send_sync::<Finalize<Plain, fn()>>();
        assert_send_sync::<Finalize<Plain, Box<dyn FnOnce() + Send>>>();
    }

    // `call()` on one thread races the last drop on another: whichever wins, the function runs
    // exactly once, and when `call()` won it returned the function's result.
    #[test]
    fn call_racing_the_last_drop_runs_the_function_once() {
        for _ in 0..ROUNDS {
            let runs = Arc::new(AtomicUsize::new(0));
            let o = Obj::new(Plain);
            let f = finalize(&o, tally(&runs));
            let start = Arc::new(Barrier::new(2));
            let caller = {
                let f = f.clone();
                let start = Arc::clone(&start);
                thread::spawn(move || {
                    start.wait();
                    f.call()
                })
            };
            start.wait();
            drop(o);
            let returned = caller.join().unwrap();
            assert_eq!(runs.load(SeqCst), 1);
            if let Some(earlier_runs) = returned {
                assert_eq!(earlier_runs, 0, "call() ran it first");
            }
            assert!(!f.alive());
            assert_eq!(f.call(), None);
            assert_eq!(runs.load(SeqCst), 1);
        }
    }

    // `detach()` on one thread races the last drop on another: either it got the object and
    // the function (which never runs, even when the object later dies), or the death ran the
    // function once and `detach()` got nothing.
    #[test]
    fn detach_racing_the_last_drop_cancels_or_loses_cleanly() {
        for _ in 0..ROUNDS {
            let runs = Arc::new(AtomicUsize::new(0));
            let o = Obj::new(Plain);
            let weak = Obj::downgrade(&o);
            let f = finalize(&o, tally(&runs));
            let start = Arc::new(Barrier::new(2));
            let detacher = {
                let f = f.clone();
                let start = Arc::clone(&start);
                thread::spawn(move || {
                    start.wait();
                    f.detach()
                })
            };
            start.wait();
            drop(o);
            match detacher.join().unwrap() {
                Some((obj, func)) => {
                    assert_eq!(runs.load(SeqCst), 0);
                    assert!(weak.is_alive(), "the detached handle holds the object");
                    drop(obj);
                    assert!(!weak.is_alive());
                    assert_eq!(runs.load(SeqCst), 0, "a detached finalizer never runs");
                    drop(func);
                }
                None => assert_eq!(runs.load(SeqCst), 1),
            }
            assert!(!f.alive());
            assert_eq!(f.call(), None);
        }
    }

    // Several threads call one finalizer at once: exactly one call runs it.
    #[test]
    fn concurrent_calls_run_the_function_once() {
        let threads = if cfg!(miri) { 3 } else { 8 };
        for _ in 0..ROUNDS / 10 + 1 {
            let runs = Arc::new(AtomicUsize::new(0));
            let o = Obj::new(Plain);
            let f = finalize(&o, tally(&runs));
            let start = Arc::new(Barrier::new(threads));
            let callers: Vec<_> = (0..threads)
                .map(|_| {
                    let f = f.clone();
                    let start = Arc::clone(&start);
                    thread::spawn(move || {
                        start.wait();
                        f.call()
                    })
                })
                .collect();
            let results: Vec<_> = callers.into_iter().map(|c| c.join().unwrap()).collect();
            assert_eq!(results.iter().filter(|r| r.is_some()).count(), 1);
            assert_eq!(runs.load(SeqCst), 1);
            drop(o);
            assert_eq!(runs.load(SeqCst), 1);
        }
    }

    // Item 76 across threads: a finalizer made on another thread, whose handles all dropped
    // there, is still registered; the object's death on this thread runs it here.
    #[test]
    fn a_finalizer_made_on_another_thread_runs_where_the_object_dies() {
        let ran_on = Arc::new(std::sync::Mutex::new(None));
        let o = Obj::new(Plain);
        let maker = {
            let o = o.clone();
            let ran_on = Arc::clone(&ran_on);
            thread::spawn(move || {
                let f = finalize(&o, move || {
                    *ran_on.lock().unwrap() = Some(thread::current().id());
                });
                drop(f);
            })
        };
        maker.join().unwrap();
        assert_eq!(*ran_on.lock().unwrap(), None);
        drop(o);
        assert_eq!(*ran_on.lock().unwrap(), Some(thread::current().id()));
    }

    // Item 79 across threads: a finalizer that panics at death is reported on the thread where
    // its object died.
    #[test]
    fn a_panic_at_death_is_reported_on_the_dying_thread() {
        let (_hook, caught) = capture_unraisable();
        let o = Obj::new(Plain);
        let _f = finalize(&o, || panic!("finalizer failed on a thread"));
        let killer = thread::spawn(move || {
            drop(o);
            thread::current().id()
        });
        let killer_id = killer.join().expect("the panic does not escape the drop");
        let caught = reports(&caught);
        assert_eq!(caught.len(), 1);
        assert_eq!(caught[0].what, "finalizer");
        assert_eq!(caught[0].thread, killer_id);
        assert_eq!(
            caught[0].message.as_deref(),
            Some("finalizer failed on a thread")
        );
        assert!(!caught[0].payload_is_u32);
        assert!(caught[0].object.ends_with("; dead>"));
    }
}
