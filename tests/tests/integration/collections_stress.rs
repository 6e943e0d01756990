//! A time-bounded stress test of the thread-safe weak collections: two threads insert, look up
//! and drop values while a third iterates and copies. After every step each thread checks what
//! it can know alone (its own keys); at regular rendezvous points, with every thread paused,
//! the main thread checks that no entry refers to a dead object and that `len()` equals the
//! number of live objects.
//!
//! Runs for about two seconds (a few hundred steps under Miri).

use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use weakref_core::{Obj, WeakKeyDictionary, WeakSet, WeakValueDictionary, Weakrefable};

/// A value: its key, and a serial number that makes every value distinct (so that the key
/// dictionary and the set, which keep the first of equal keys, hold each value's own entry).
#[derive(Debug, PartialEq, Eq, Hash, Weakrefable)]
struct Value {
    key: u32,
    serial: u64,
}

struct Shared {
    values: WeakValueDictionary<u32, Value>,
    keys: WeakKeyDictionary<Value, u32>,
    set: WeakSet<Value>,
}

const KEYS_PER_WRITER: u32 = if cfg!(miri) { 8 } else { 256 };
const STEPS_PER_ROUND: usize = if cfg!(miri) { 20 } else { 2_000 };

/// A small deterministic generator, so a failure can be replayed.
struct Rng {
    state: u64,
    /// The serial number of the last value made.
    serial: u64,
}

impl Rng {
    fn below(&mut self, n: u32) -> u32 {
        self.state = self
            .state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.state >> 33) % u64::from(n)) as u32
    }
}

/// One writer: owns keys `base..base + KEYS_PER_WRITER` and the values stored under them.
/// `dropped[slot]` is the serial of the value this writer last dropped under that key: the
/// reader may still hold it for a moment, so it may still be found.
fn writer_step(
    shared: &Shared,
    held: &mut [Option<Obj<Value>>],
    dropped: &mut [Option<u64>],
    base: u32,
    rng: &mut Rng,
) {
    let slot = rng.below(KEYS_PER_WRITER);
    let key = base + slot;
    match rng.below(4) {
        0 | 1 => {
            rng.serial += 1;
            let value = Obj::new(Value {
                key,
                serial: rng.serial,
            });
            let previous = shared.values.insert(key, &value);
            match (&previous, &held[slot as usize]) {
                (Some(previous), Some(mine)) => assert!(Obj::ptr_eq(previous, mine)),
                (None, None) => {}
                (Some(previous), None) if Some(previous.serial) == dropped[slot as usize] => {}
                _ => panic!("key {key}: insert returned {previous:?}"),
            }
            drop(previous);
            // The previous value dies here. Its entries leave the key dictionary and the set
            // (which keep the first, equal, key object), never the new value's entry in the
            // value dictionary (item 91).
            if let Some(old) = held[slot as usize].take() {
                dropped[slot as usize] = Some(old.serial);
            }
            assert!(Obj::ptr_eq(&shared.values.get(&key).unwrap(), &value));
            shared.keys.insert(&value, key);
            shared.set.add(&value);
            held[slot as usize] = Some(value);
        }
        2 => {
            // Dies (unless the reader holds it right now): every entry for it leaves at once.
            if let Some(old) = held[slot as usize].take() {
                dropped[slot as usize] = Some(old.serial);
            }
        }
        _ => {
            let found = shared.values.get(&key);
            match (&held[slot as usize], &found) {
                (Some(mine), Some(found)) => assert!(Obj::ptr_eq(mine, found)),
                (None, None) => {}
                (None, Some(found)) if Some(found.serial) == dropped[slot as usize] => {}
                _ => panic!(
                    "key {key}: held {:?}, found {:?}",
                    held[slot as usize], found
                ),
            }
        }
    }
    // After every step: each of this writer's keys is present exactly when its value lives.
    let value = held[slot as usize].as_ref();
    if let Some(value) = value {
        assert!(Obj::ptr_eq(&shared.values.get(&key).unwrap(), value));
        assert_eq!(shared.keys.get(value), Some(key));
        assert!(shared.set.contains(value));
    } else if let Some(found) = shared.values.get(&key) {
        assert_eq!(
            Some(found.serial),
            dropped[slot as usize],
            "only the last dropped value"
        );
    }
    // (A dead value's entries are checked at the rendezvous: until then the reader may
    // still hold it for a moment.)
}

fn reader_step(shared: &Shared) {
    for (key, value) in shared.values.iter() {
        assert_eq!(key, value.key);
    }
    let copy = shared.values.clone();
    for (key, value) in &copy {
        assert_eq!(key, value.key);
    }
    for (key, value) in &shared.keys.clone() {
        assert_eq!(key.key, value);
    }
    assert!(shared.set.clone().len() <= 2 * KEYS_PER_WRITER as usize);
}

/// Runs a worker thread's body; a failure aborts the process (after saying why) instead of
/// leaving the other threads waiting at a barrier for ever.
fn or_abort(body: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(body)) {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a worker panicked");
        let _ = writeln!(std::io::stderr(), "stress worker failed: {message}");
        std::process::abort();
    }
}

#[test]
fn stress_two_writers_one_reader() {
    let budget = if cfg!(miri) {
        Duration::ZERO
    } else {
        Duration::from_secs(2)
    };
    let shared = Arc::new(Shared {
        values: WeakValueDictionary::new(),
        keys: WeakKeyDictionary::new(),
        set: WeakSet::new(),
    });
    // Writers, reader and the checking main thread meet here between rounds.
    let pause = Arc::new(Barrier::new(4));
    let resume = Arc::new(Barrier::new(4));
    let done = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    let live_counts: Arc<[std::sync::atomic::AtomicUsize; 2]> = Arc::default();
    for writer in 0..2u32 {
        let (shared, pause, resume, done, live) = (
            Arc::clone(&shared),
            Arc::clone(&pause),
            Arc::clone(&resume),
            Arc::clone(&done),
            Arc::clone(&live_counts),
        );
        threads.push(thread::spawn(move || {
            or_abort(|| {
                let base = writer * KEYS_PER_WRITER;
                let mut rng = Rng {
                    state: u64::from(writer) + 1,
                    serial: u64::from(writer) << 40,
                };
                let mut held: Vec<Option<Obj<Value>>> =
                    (0..KEYS_PER_WRITER).map(|_| None).collect();
                let mut dropped = vec![None; KEYS_PER_WRITER as usize];
                loop {
                    for _ in 0..STEPS_PER_ROUND {
                        writer_step(&shared, &mut held, &mut dropped, base, &mut rng);
                    }
                    let alive = held.iter().filter(|v| v.is_some()).count();
                    live[writer as usize].store(alive, Ordering::SeqCst);
                    pause.wait();
                    resume.wait();
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                }
            })
        }));
    }
    {
        let (shared, pause, resume, done) = (
            Arc::clone(&shared),
            Arc::clone(&pause),
            Arc::clone(&resume),
            Arc::clone(&done),
        );
        threads.push(thread::spawn(move || {
            or_abort(|| {
                loop {
                    for _ in 0..STEPS_PER_ROUND / 50 + 1 {
                        reader_step(&shared);
                    }
                    pause.wait();
                    resume.wait();
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                }
            })
        }));
    }
    let start = Instant::now();
    let mut checks = 0;
    or_abort(|| {
        loop {
            pause.wait();
            // Every thread is paused: the collections must be exact.
            let live: usize = live_counts.iter().map(|n| n.load(Ordering::SeqCst)).sum();
            assert_eq!(shared.values.len(), live);
            assert_eq!(shared.keys.len(), live);
            assert_eq!(shared.set.len(), live);
            assert_eq!(
                shared.values.iter().count(),
                live,
                "no entry refers to a dead object"
            );
            assert_eq!(
                shared
                    .keys
                    .keyrefs()
                    .iter()
                    .filter(|r| r.is_alive())
                    .count(),
                live
            );
            assert_eq!(
                shared
                    .set
                    .weakrefs()
                    .iter()
                    .filter(|r| r.is_alive())
                    .count(),
                live
            );
            checks += 1;
            let finished = start.elapsed() >= budget && checks >= 2;
            done.store(finished, Ordering::SeqCst);
            resume.wait();
            if finished {
                break;
            }
        }
    });
    for t in threads {
        t.join().unwrap();
    }
    assert!(shared.values.is_empty() && shared.keys.is_empty() && shared.set.is_empty());
}
