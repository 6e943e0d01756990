//! The `foundation` benchmark: weakref-core side by side with `std`, a hand-rolled callback
//! list and CPython, in one run, ending with a table of ratios against the project's goals.
//!
//! Run it with `cargo bench -p weakref-benches --bench foundation` (or `-- --test` for a quick
//! check that everything runs). Each criterion group holds one comparison, so the two sides
//! are measured back to back under the same machine conditions. After the groups, the binary
//! reads criterion's estimates back from `target/criterion`, runs `cpython_weakref.py` for
//! CPython's times, measures memory with a counting global allocator, and prints the table.
//! `benches/README.md` describes each row.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use weakref_benches::{Estimates, Goal, Mode, lookup, run_cpython_script};
use weakref_core::{Obj, WeakRef, Weakrefable, finalize, unsync};

// ---------------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------------

/// The global allocator of this binary: [`System`], counting the bytes requested and released
/// while [`COUNTING`] is on, so the memory section can measure what an object or a weak
/// reference allocates without looking at the runtime's internals.
///
/// While counting is off (during the timed benchmarks) the only extra work is one relaxed load
/// per call, the same on both sides of every comparison.
///
/// # Safety
///
/// Every method hands its arguments unchanged to the same method of `System` and returns its
/// result unchanged, so it keeps all of `System`'s guarantees; the bookkeeping only touches
/// atomics, which neither allocate nor unwind.
struct CountingAlloc;

/// Whether [`CountingAlloc`] counts.
static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes requested while counting (reallocations count their new size).
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
/// Bytes released while counting (reallocations count their old size).
static RELEASED: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

impl CountingAlloc {
    fn record(counter: &AtomicUsize, bytes: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            counter.fetch_add(bytes, Ordering::Relaxed);
        }
    }
}

// SAFETY: see the `# Safety` section of `CountingAlloc`: each method forwards to `System`
// unchanged, and the counting neither allocates nor panics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: our caller meets `GlobalAlloc::alloc`'s contract, which is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::record(&ALLOCATED, layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: our caller meets `GlobalAlloc::alloc_zeroed`'s contract, which is `System`'s.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::record(&ALLOCATED, layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::record(&RELEASED, layout.size());
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by this allocator, that is by `System`, with `layout`,
        // and our caller meets the rest of `GlobalAlloc::realloc`'s contract for `new_size`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            Self::record(&RELEASED, layout.size());
            Self::record(&ALLOCATED, new_size);
        }
        new
    }
}

/// The net number of bytes `work` leaves allocated. Run it with no other thread allocating.
fn net_bytes(work: impl FnOnce()) -> isize {
    let (allocated, released) = (
        ALLOCATED.load(Ordering::SeqCst),
        RELEASED.load(Ordering::SeqCst),
    );
    COUNTING.store(true, Ordering::SeqCst);
    work();
    COUNTING.store(false, Ordering::SeqCst);
    let allocated = ALLOCATED.load(Ordering::SeqCst) - allocated;
    let released = RELEASED.load(Ordering::SeqCst) - released;
    allocated as isize - released as isize
}

/// How many items the memory measurements make.
const MEMORY_ITEMS: usize = 1000;

/// The average number of bytes one item made by `make` keeps allocated, over
/// [`MEMORY_ITEMS`] items kept alive together.
fn bytes_per_item<X>(mut make: impl FnMut(usize) -> X) -> f64 {
    let mut items = Vec::with_capacity(MEMORY_ITEMS);
    let bytes = net_bytes(|| {
        for i in 0..MEMORY_ITEMS {
            items.push(make(i));
        }
    });
    drop(black_box(items));
    bytes as f64 / MEMORY_ITEMS as f64
}

// ---------------------------------------------------------------------------------------------
// What is benchmarked
// ---------------------------------------------------------------------------------------------

/// The value in every benchmarked object: one `u64`, like a small Python object's payload.
#[derive(Weakrefable)]
struct Payload {
    value: u64,
}

fn payload() -> Payload {
    Payload {
        value: black_box(7),
    }
}

/// How many times the benchmarked callbacks ran.
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// A callback for [`WeakRef::with_callback`] that bumps [`CALLS`]. It captures a pointer to
/// the counter, so it is not zero-sized: the hand-rolled baseline has to box it for real.
fn sync_callback() -> impl FnOnce(&WeakRef<Payload>) + Send + 'static {
    let calls: &'static AtomicUsize = &CALLS;
    move |_| {
        calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// [`sync_callback`] for the `unsync` flavor.
fn unsync_callback() -> impl FnOnce(&unsync::WeakRef<Payload>) + 'static {
    let calls: &'static AtomicUsize = &CALLS;
    move |_| {
        calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// [`sync_callback`] for the hand-rolled baselines.
fn hand_callback() -> Box<dyn FnOnce() + Send> {
    let calls: &'static AtomicUsize = &CALLS;
    Box::new(move || {
        calls.fetch_add(1, Ordering::Relaxed);
    })
}

/// The hand-rolled baseline for death callbacks, held in an `Arc`: a value with a locked list
/// of boxed callbacks, run when the value is dropped. It offers none of what a weak reference
/// does (no upgrade, no unregistering, no panic isolation, no stack-safe chains): it is the
/// least a program needs to be told that a shared value died.
struct Hand {
    value: u64,
    callbacks: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
}

impl Hand {
    fn new(value: u64) -> Self {
        Self {
            value,
            callbacks: Mutex::new(Vec::new()),
        }
    }

    fn register(&self, callback: Box<dyn FnOnce() + Send>) {
        self.callbacks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(callback);
    }
}

impl Drop for Hand {
    fn drop(&mut self) {
        let callbacks = self
            .callbacks
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for callback in callbacks.drain(..) {
            callback();
        }
    }
}

/// [`Hand`] for one thread, held in an `Rc`: the baseline of the `unsync` flavor.
struct LocalHand {
    value: u64,
    callbacks: RefCell<Vec<Box<dyn FnOnce()>>>,
}

impl LocalHand {
    fn new(value: u64) -> Self {
        Self {
            value,
            callbacks: RefCell::new(Vec::new()),
        }
    }

    fn register(&self, callback: Box<dyn FnOnce()>) {
        self.callbacks.borrow_mut().push(callback);
    }
}

impl Drop for LocalHand {
    fn drop(&mut self) {
        for callback in self.callbacks.get_mut().drain(..) {
            callback();
        }
    }
}

/// How many callback references the `callback_10` group makes per object.
const TEN: usize = 10;

/// Checks once, before timing, that every benchmarked routine does the work it claims.
fn sanity_checks() {
    let before = CALLS.load(Ordering::Relaxed);
    let obj = Obj::new(payload());
    let weak = WeakRef::with_callback(&obj, sync_callback());
    assert_eq!(weak.upgrade().map(|strong| strong.value), Some(7));
    drop(obj);
    assert!(weak.upgrade().is_none());
    let obj = unsync::Obj::new(payload());
    let weak = unsync::WeakRef::with_callback(&obj, unsync_callback());
    assert_eq!(weak.upgrade().map(|strong| strong.value), Some(7));
    drop(obj);
    let hand = Arc::new(Hand::new(7));
    hand.register(hand_callback());
    assert_eq!(hand.value, 7);
    drop(hand);
    let hand = Rc::new(LocalHand::new(7));
    hand.register(hand_callback());
    assert_eq!(hand.value, 7);
    drop(hand);
    assert_eq!(
        CALLS.load(Ordering::Relaxed) - before,
        4,
        "every callback runs once"
    );
}

// ---------------------------------------------------------------------------------------------
// Criterion groups
// ---------------------------------------------------------------------------------------------

/// `WeakRef::upgrade` + drop of the result against `std::sync::Weak`, then the `unsync`
/// flavor against `std::rc::Weak`. The objects stay alive, so every upgrade succeeds.
fn bench_upgrade(c: &mut Criterion) {
    let mut group = c.benchmark_group("upgrade_sync");
    let obj = Obj::new(payload());
    let weak = WeakRef::new(&obj);
    let arc = Arc::new(payload());
    let std_weak = Arc::downgrade(&arc);
    group.bench_function("weakref", |b| {
        b.iter(|| drop(black_box(black_box(&weak).upgrade())))
    });
    group.bench_function("std", |b| {
        b.iter(|| drop(black_box(black_box(&std_weak).upgrade())))
    });
    group.finish();

    let mut group = c.benchmark_group("upgrade_unsync");
    let obj = unsync::Obj::new(payload());
    let weak = unsync::WeakRef::new(&obj);
    let rc = Rc::new(payload());
    let rc_weak = Rc::downgrade(&rc);
    group.bench_function("weakref", |b| {
        b.iter(|| drop(black_box(black_box(&weak).upgrade())))
    });
    group.bench_function("std", |b| {
        b.iter(|| drop(black_box(black_box(&rc_weak).upgrade())))
    });
    group.finish();
}

/// `Obj::new` + drop against `Arc::new` + drop, then `unsync::Obj` against `Rc`.
fn bench_new(c: &mut Criterion) {
    let mut group = c.benchmark_group("new_sync");
    group.bench_function("weakref", |b| {
        b.iter(|| drop(black_box(Obj::new(payload()))))
    });
    group.bench_function("std", |b| b.iter(|| drop(black_box(Arc::new(payload())))));
    group.finish();

    let mut group = c.benchmark_group("new_unsync");
    group.bench_function("weakref", |b| {
        b.iter(|| drop(black_box(unsync::Obj::new(payload()))))
    });
    group.bench_function("std", |b| b.iter(|| drop(black_box(Rc::new(payload())))));
    group.finish();
}

/// The life of an object watched by callbacks: create it, register one (or ten) callbacks,
/// drop it so they run, drop the references. Weak references with callbacks, thread-safe and
/// `unsync`, against the hand-rolled lists [`Hand`] and [`LocalHand`].
fn bench_callbacks(c: &mut Criterion) {
    let mut group = c.benchmark_group("callback_1");
    group.bench_function("weakref", |b| {
        b.iter(|| {
            let obj = Obj::new(payload());
            let weak = WeakRef::with_callback(&obj, sync_callback());
            drop(black_box(obj));
            drop(black_box(weak));
        })
    });
    group.bench_function("hand_rolled", |b| {
        b.iter(|| {
            let hand = Arc::new(Hand::new(black_box(7)));
            hand.register(hand_callback());
            drop(black_box(hand));
        })
    });
    group.bench_function("unsync_weakref", |b| {
        b.iter(|| {
            let obj = unsync::Obj::new(payload());
            let weak = unsync::WeakRef::with_callback(&obj, unsync_callback());
            drop(black_box(obj));
            drop(black_box(weak));
        })
    });
    group.bench_function("unsync_hand_rolled", |b| {
        b.iter(|| {
            let hand = Rc::new(LocalHand::new(black_box(7)));
            hand.register(hand_callback());
            drop(black_box(hand));
        })
    });
    group.finish();

    let mut group = c.benchmark_group("callback_10");
    group.bench_function("weakref", |b| {
        b.iter(|| {
            let obj = Obj::new(payload());
            let refs: [WeakRef<Payload>; TEN] =
                std::array::from_fn(|_| WeakRef::with_callback(&obj, sync_callback()));
            drop(black_box(obj));
            drop(black_box(refs));
        })
    });
    group.bench_function("hand_rolled", |b| {
        b.iter(|| {
            let hand = Arc::new(Hand::new(black_box(7)));
            for _ in 0..TEN {
                hand.register(hand_callback());
            }
            drop(black_box(hand));
        })
    });
    group.bench_function("unsync_weakref", |b| {
        b.iter(|| {
            let obj = unsync::Obj::new(payload());
            let refs: [unsync::WeakRef<Payload>; TEN] =
                std::array::from_fn(|_| unsync::WeakRef::with_callback(&obj, unsync_callback()));
            drop(black_box(obj));
            drop(black_box(refs));
        })
    });
    group.bench_function("unsync_hand_rolled", |b| {
        b.iter(|| {
            let hand = Rc::new(LocalHand::new(black_box(7)));
            for _ in 0..TEN {
                hand.register(hand_callback());
            }
            drop(black_box(hand));
        })
    });
    group.finish();
}

/// The life of a finalizer: create an object and `finalize` it, then either drop the object
/// (the finalizer fires, newest first among its callbacks) or `detach` it first. Thread-safe
/// and `unsync`; CPython's `weakref.finalize` is the comparison.
fn bench_finalize(c: &mut Criterion) {
    let mut group = c.benchmark_group("finalize");
    group.bench_function("fire", |b| {
        b.iter(|| {
            let obj = Obj::new(payload());
            drop(black_box(finalize(&obj, finalizer_fn())));
            drop(black_box(obj));
        })
    });
    group.bench_function("detach", |b| {
        b.iter(|| {
            let obj = Obj::new(payload());
            let handle = finalize(&obj, finalizer_fn());
            drop(black_box(handle.detach()));
            drop(black_box(obj));
        })
    });
    group.bench_function("unsync_fire", |b| {
        b.iter(|| {
            let obj = unsync::Obj::new(payload());
            drop(black_box(unsync::finalize(&obj, finalizer_fn())));
            drop(black_box(obj));
        })
    });
    group.bench_function("unsync_detach", |b| {
        b.iter(|| {
            let obj = unsync::Obj::new(payload());
            let handle = unsync::finalize(&obj, finalizer_fn());
            drop(black_box(handle.detach()));
            drop(black_box(obj));
        })
    });
    group.finish();
}

/// A finalizer function that bumps [`CALLS`], as CPython's `f` counts its calls.
fn finalizer_fn() -> impl FnOnce() + Send + 'static {
    let calls: &'static AtomicUsize = &CALLS;
    move || {
        calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// Short enough that the whole run stays around a minute on two cores.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

/// The criterion group of this binary, `groups::foundation`.
mod groups {
    use super::{bench_callbacks, bench_finalize, bench_new, bench_upgrade, config};

    criterion::criterion_group! {
        name = foundation;
        config = config();
        targets = bench_upgrade, bench_new, bench_callbacks, bench_finalize
    }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

/// One side of a comparison: a benchmark function within its group.
struct Side {
    function: &'static str,
    name: &'static str,
}

/// A row of the ratio table: `ours` / `base`, the mean times of two functions of one group.
struct Row {
    label: &'static str,
    group: &'static str,
    ours: Side,
    base: Side,
    goal: Goal,
}

const fn side(function: &'static str, name: &'static str) -> Side {
    Side { function, name }
}

const ROWS: &[Row] = &[
    Row {
        label: "upgrade+drop",
        group: "upgrade_sync",
        ours: side("weakref", "WeakRef"),
        base: side("std", "std::sync::Weak"),
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "upgrade+drop (unsync)",
        group: "upgrade_unsync",
        ours: side("weakref", "unsync::WeakRef"),
        base: side("std", "std::rc::Weak"),
        goal: Goal::AtMost(1.3),
    },
    Row {
        label: "new+drop",
        group: "new_sync",
        ours: side("weakref", "Obj"),
        base: side("std", "Arc"),
        goal: Goal::AtMost(1.2),
    },
    Row {
        label: "new+drop (unsync)",
        group: "new_unsync",
        ours: side("weakref", "unsync::Obj"),
        base: side("std", "Rc"),
        goal: Goal::AtMost(1.2),
    },
    Row {
        label: "obj + 1 callback + death",
        group: "callback_1",
        ours: side("weakref", "WeakRef"),
        base: side("hand_rolled", "Arc+Mutex<Vec>"),
        goal: Goal::AtMost(1.0),
    },
    Row {
        label: "obj + 10 callbacks + death",
        group: "callback_10",
        ours: side("weakref", "WeakRef"),
        base: side("hand_rolled", "Arc+Mutex<Vec>"),
        goal: Goal::AtMost(1.0),
    },
    Row {
        label: "obj + 1 callback (unsync)",
        group: "callback_1",
        ours: side("unsync_weakref", "unsync::WeakRef"),
        base: side("unsync_hand_rolled", "Rc+RefCell<Vec>"),
        goal: Goal::None,
    },
    Row {
        label: "obj + 10 callbacks (unsync)",
        group: "callback_10",
        ours: side("unsync_weakref", "unsync::WeakRef"),
        base: side("unsync_hand_rolled", "Rc+RefCell<Vec>"),
        goal: Goal::None,
    },
];

/// A CPython row: CPython's time for `metric` over the mean of `function` in `group`.
struct CpythonRow {
    label: &'static str,
    metric: &'static str,
    group: &'static str,
    ours: Side,
    goal: Goal,
}

const CPYTHON_ROWS: &[CpythonRow] = &[
    CpythonRow {
        label: "finalize + death",
        metric: "finalize_fire_ns",
        group: "finalize",
        ours: side("fire", "finalize"),
        goal: Goal::AtLeast(5.0),
    },
    CpythonRow {
        label: "finalize + detach + death",
        metric: "finalize_detach_ns",
        group: "finalize",
        ours: side("detach", "finalize"),
        goal: Goal::None,
    },
    CpythonRow {
        label: "finalize + death (unsync)",
        metric: "finalize_fire_ns",
        group: "finalize",
        ours: side("unsync_fire", "unsync::finalize"),
        goal: Goal::None,
    },
    CpythonRow {
        label: "obj + 1 callback + death",
        metric: "callback_1_ns",
        group: "callback_1",
        ours: side("weakref", "WeakRef"),
        goal: Goal::AtLeast(3.0),
    },
    CpythonRow {
        label: "obj + 10 callbacks + death",
        metric: "callback_10_ns",
        group: "callback_10",
        ours: side("weakref", "WeakRef"),
        goal: Goal::AtLeast(3.0),
    },
    CpythonRow {
        label: "obj + 1 callback (unsync)",
        metric: "callback_1_ns",
        group: "callback_1",
        ours: side("unsync_weakref", "unsync::WeakRef"),
        goal: Goal::None,
    },
    CpythonRow {
        label: "obj + 10 callbacks (unsync)",
        metric: "callback_10_ns",
        group: "callback_10",
        ours: side("unsync_weakref", "unsync::WeakRef"),
        goal: Goal::None,
    },
];

fn print_ratio_table(estimates: &Estimates) {
    println!();
    println!("== weakref vs baselines: mean time per operation, ratio = weakref / baseline ==");
    let mut printed = 0;
    for row in ROWS {
        let (Some(ours), Some(base)) = (
            estimates.mean_ns(row.group, row.ours.function),
            estimates.mean_ns(row.group, row.base.function),
        ) else {
            continue;
        };
        let ratio = ours / base;
        println!(
            "{:<28} {:>15} {:>8.2} ns  {:>16} {:>8.2} ns  ratio {:>5.2}x  {:<14} {}",
            row.label,
            row.ours.name,
            ours,
            row.base.name,
            base,
            ratio,
            row.goal.to_string(),
            row.goal.verdict(ratio),
        );
        printed += 1;
    }
    if printed == 0 {
        println!(
            "(no estimates from this run under {}: the table needs a full `cargo bench`)",
            estimates.dir().display()
        );
    }
}

fn print_cpython_table(estimates: &Estimates, mode: Mode) -> Option<Vec<(String, f64)>> {
    println!();
    println!("== weakref vs CPython: speedup = CPython time / weakref time ==");
    let wanted = CPYTHON_ROWS
        .iter()
        .any(|row| estimates.mean_ns(row.group, row.ours.function).is_some());
    if mode == Mode::Bench && !wanted {
        println!("(the callback groups did not run: CPython comparison skipped)");
        return None;
    }
    let quick = mode != Mode::Bench;
    let (version, measurements) = match run_cpython_script("cpython_weakref.py", quick) {
        Ok(found) => found,
        Err(why) => {
            println!("CPython comparison skipped: {why}");
            return None;
        }
    };
    let timing = if quick {
        "one quick timeit pass"
    } else {
        "timeit, best of 5"
    };
    println!("{version}, {timing} (python3 benches/cpython_weakref.py)");
    if let Some(object) = lookup(&measurements, "object_ns") {
        println!(
            "{:<28} {:>15} {:>8.2} ns",
            "object create+destroy", "CPython", object
        );
    }
    for row in CPYTHON_ROWS {
        let Some(python) = lookup(&measurements, row.metric) else {
            println!("{:<28} (no `{}` from the script)", row.label, row.metric);
            continue;
        };
        let Some(ours) = estimates.mean_ns(row.group, row.ours.function) else {
            if row.goal != Goal::None {
                println!("{:<28} {:>15} {:>8.2} ns", row.label, "CPython", python);
            }
            continue;
        };
        let speedup = python / ours;
        println!(
            "{:<28} {:>15} {:>8.2} ns  {:>16} {:>8.2} ns  speedup {:>5.2}x  {:<14} {}",
            row.label,
            "CPython",
            python,
            row.ours.name,
            ours,
            speedup,
            row.goal.to_string(),
            row.goal.verdict(speedup),
        );
    }
    Some(measurements)
}

fn print_memory(cpython: Option<&[(String, f64)]>) {
    const VALUE: usize = size_of::<[u8; 8]>();
    let obj = bytes_per_item(|i| Obj::new([i as u8; VALUE])) - VALUE as f64;
    let arc = bytes_per_item(|i| Arc::new([i as u8; VALUE])) - VALUE as f64;
    let unsync_obj = bytes_per_item(|i| unsync::Obj::new([i as u8; VALUE])) - VALUE as f64;
    let rc = bytes_per_item(|i| Rc::new([i as u8; VALUE])) - VALUE as f64;

    let target = Obj::new(payload());
    let callback_ref = bytes_per_item(|_| WeakRef::with_callback(&target, |_| {}));
    let unsync_target = unsync::Obj::new(payload());
    let unsync_callback_ref =
        bytes_per_item(|_| unsync::WeakRef::with_callback(&unsync_target, |_| {}));
    let pending_finalizer = bytes_per_item(|_| finalize(&target, || ()));
    let objects: Vec<Obj<Payload>> = (0..MEMORY_ITEMS).map(|_| Obj::new(payload())).collect();
    let shared_ref = bytes_per_item(|i| WeakRef::new(&objects[i]));

    println!();
    println!(
        "== memory: bytes requested from the allocator, averaged over {MEMORY_ITEMS} live items =="
    );
    let goal = Goal::AtMost(24.0);
    println!(
        "{:<36} {:>12} {:>5}  {:>12} {:>5}  goal <= 24     {}",
        "per object beyond size_of::<T>()",
        "Obj",
        obj,
        "Arc",
        arc,
        goal.verdict(obj)
    );
    println!(
        "{:<36} {:>12} {:>5}  {:>12} {:>5}  goal <= 24     {}",
        "per object beyond size_of::<T>()",
        "unsync::Obj",
        unsync_obj,
        "Rc",
        rc,
        goal.verdict(unsync_obj)
    );
    let python_ref = cpython.and_then(|m| lookup(m, "weakref_with_callback_bytes"));
    let python_ref = python_ref.map_or_else(
        || "CPython: not measured".to_string(),
        |bytes| format!("CPython weakref.ref(o, cb) {bytes} (sys.getsizeof)"),
    );
    println!(
        "{:<36} {:>12} {:>5}  {python_ref}",
        "per callback reference (ZST closure)", "WeakRef", callback_ref
    );
    println!(
        "{:<36} {:>12} {:>5}",
        "per callback reference (ZST closure)", "unsync", unsync_callback_ref
    );
    let python_finalizer = cpython.and_then(|m| lookup(m, "finalize_bytes"));
    let python_finalizer = python_finalizer.map_or_else(
        || "CPython: not measured".to_string(),
        |bytes| format!("CPython weakref.finalize {bytes} (object, info and its weakref)"),
    );
    println!(
        "{:<36} {:>12} {:>5.0}  {python_finalizer}",
        "per pending finalizer (ZST closure)", "finalize", pending_finalizer
    );
    println!(
        "{:<36} {:>12} {:>5}  std::sync::Weak 0 (lives in the Arc's allocation)",
        "per shared reference (WeakRef::new)", "WeakRef", shared_ref
    );
    drop((objects, target, unsync_target));
}

fn main() {
    let started = SystemTime::now();
    let mode = Mode::from_args();
    if mode != Mode::List {
        sanity_checks();
    }

    groups::foundation();
    Criterion::default().configure_from_args().final_summary();
    if mode == Mode::List {
        return;
    }
    assert!(CALLS.load(Ordering::Relaxed) > 0, "the callbacks ran");

    let estimates = Estimates::since(started);
    print_ratio_table(&estimates);
    let cpython = print_cpython_table(&estimates, mode);
    print_memory(cpython.as_deref());
    if mode != Mode::Bench {
        println!();
        println!("(test mode: times are not measured, CPython ran briefly only)");
    }
}
