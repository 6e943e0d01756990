//! `loom` models of `finalize` racing its object's last drop.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 CARGO_TARGET_DIR=target/loom
//! cargo test -p weakref-core --test loom_finalize --release` (`.ci/run` does). Each model
//! explores every interleaving of the object's death (the weak-reference list and counts, which
//! use loom's atomics) with `Finalize::call` or `Finalize::detach` on another thread. The
//! functions hold loom `Arc`s, so loom also checks that no finalizer keeps its function after
//! it ran or was detached.
//!
//! Who wins is decided under the finalizer's own lock, a `std` mutex that loom does not see; so
//! the racing thread first reads the object's strong count (`WeakRef::is_alive`), which the
//! last drop writes: that conflict is what makes loom try the racing thread both before and
//! during the death. Each model then checks that both outcomes were explored.
//!
//! Loom runs a model's threads one at a time; if one of them blocks on a lock loom does not
//! model while another holds it, the model never finishes. A watchdog turns that into a failure.
#![cfg(loom)]

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize as StdCounter, Ordering as StdOrdering};
use std::time::{Duration, Instant};

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use weakref_core::{Obj, WeakRef, Weakrefable, finalize};

/// A value that counts its drops.
#[derive(Weakrefable)]
struct Tracked {
    drops: Arc<AtomicUsize>,
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
    });
    (obj, drops)
}

/// A finalizer function that counts its runs and returns how many came before.
fn tally(runs: &Arc<AtomicUsize>) -> impl FnOnce() -> usize + Send + 'static {
    let runs = Arc::clone(runs);
    move || runs.fetch_add(1, Ordering::Relaxed)
}

/// Far more than either model needs (well under a second in release mode).
const DEADLINE: Duration = Duration::from_secs(120);

/// Runs `model`, aborting the process if it is still running after [`DEADLINE`]. (Not
/// `std::process::exit`: that runs the exit-time finalizers, which would wait for the same
/// lock.)
fn with_deadline(name: &'static str, model: impl FnOnce()) {
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let finished = std::sync::Arc::clone(&done);
    std::thread::spawn(move || {
        let start = Instant::now();
        while !finished.load(StdOrdering::SeqCst) {
            if start.elapsed() > DEADLINE {
                // Straight to the stream: the test harness's capture of `eprintln!` would be
                // lost with the process.
                let _ = writeln!(
                    std::io::stderr(),
                    "{name}: no progress after {DEADLINE:?}: a model thread is blocked on a \
                     lock loom does not model, held by a thread loom has paused"
                );
                std::process::abort();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    model();
    done.store(true, StdOrdering::SeqCst);
}

/// How many explored executions ended each way.
#[derive(Default)]
struct Outcomes {
    racer_won: StdCounter,
    death_won: StdCounter,
}

impl Outcomes {
    fn record(&self, racer_won: bool) {
        let counter = if racer_won {
            &self.racer_won
        } else {
            &self.death_won
        };
        counter.fetch_add(1, StdOrdering::Relaxed);
    }

    /// Both outcomes occurred: the model did explore the race.
    fn assert_both_explored(&self) {
        let racer_won = self.racer_won.load(StdOrdering::Relaxed);
        let death_won = self.death_won.load(StdOrdering::Relaxed);
        assert!(
            racer_won > 0 && death_won > 0,
            "racer won {racer_won} times, death won {death_won} times"
        );
    }
}

/// `call()` races the last drop: whichever wins, the function runs exactly once; if `call()`
/// won it returns the function's result, otherwise `None`. The value is dropped once.
#[test]
fn call_races_last_drop() {
    let outcomes = std::sync::Arc::new(Outcomes::default());
    let seen = std::sync::Arc::clone(&outcomes);
    with_deadline("call_races_last_drop", || {
        loom::model(move || {
            let (obj, drops) = tracked();
            let weak = WeakRef::new(&obj);
            let runs = Arc::new(AtomicUsize::new(0));
            let f = finalize(&obj, tally(&runs));
            let handle = f.clone();
            let caller = thread::spawn(move || {
                let _ = weak.is_alive();
                handle.call()
            });
            drop(obj);
            let returned = caller.join().unwrap();
            assert_eq!(runs.load(Ordering::Relaxed), 1);
            if let Some(earlier_runs) = returned {
                assert_eq!(earlier_runs, 0);
            }
            seen.record(returned.is_some());
            assert!(!f.alive());
            assert_eq!(f.call(), None);
            assert_eq!(runs.load(Ordering::Relaxed), 1);
            assert_eq!(drops.load(Ordering::Relaxed), 1);
        })
    });
    outcomes.assert_both_explored();
}

/// `detach()` races the last drop: either it returns the object and the function, and the
/// function never runs (not even when the returned handle, now the last one, drops), or it
/// returns `None` and the death ran the function once.
#[test]
fn detach_races_last_drop() {
    let outcomes = std::sync::Arc::new(Outcomes::default());
    let seen = std::sync::Arc::clone(&outcomes);
    with_deadline("detach_races_last_drop", || {
        loom::model(move || {
            let (obj, drops) = tracked();
            let weak = WeakRef::new(&obj);
            let racer_weak = weak.clone();
            let runs = Arc::new(AtomicUsize::new(0));
            let f = finalize(&obj, tally(&runs));
            let handle = f.clone();
            let detacher = thread::spawn(move || {
                let _ = racer_weak.is_alive();
                handle.detach()
            });
            drop(obj);
            let detached = detacher.join().unwrap();
            seen.record(detached.is_some());
            match detached {
                Some((obj, func)) => {
                    assert_eq!(runs.load(Ordering::Relaxed), 0);
                    assert!(weak.is_alive());
                    drop(obj);
                    assert!(!weak.is_alive());
                    assert_eq!(runs.load(Ordering::Relaxed), 0);
                    drop(func);
                }
                None => assert_eq!(runs.load(Ordering::Relaxed), 1),
            }
            assert!(!f.alive());
            assert_eq!(f.call(), None);
            assert_eq!(drops.load(Ordering::Relaxed), 1);
        })
    });
    outcomes.assert_both_explored();
}
