//! The `collections` benchmark: weakref-core's weak collections side by side with `weak-table`,
//! `std::collections::HashMap<K, Arc<V>>` and CPython, in one run, ending with a table of
//! ratios against the project's goals and a memory report.
//!
//! Run it with `cargo bench -p weakref-benches --bench collections` (or `-- --test` for a
//! quick check that everything runs). Rows:
//!
//! * `get_hit`: a lookup that finds a live value and returns a strong handle to it
//!   (`HashMap::get().cloned()` for the std baseline);
//! * `insert_die`: create a value, insert it under a key, drop it. Ours removes the entry
//!   eagerly; weak-table leaves it for a later lazy cleanup, whose amortized cost its inserts
//!   pay;
//! * `iterate`: iterate over 1000 live entries, taking a strong handle to each (reported per
//!   entry);
//! * memory: bytes allocated per entry, and the peak of live bytes through 1,000,000
//!   insert-then-die cycles, measured with a counting global allocator.
//!
//! CPython's times come from `cpython_collections.py`, run by this binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use weak_table::WeakValueHashMap;
use weakref_benches::{CpythonRun, Estimates, Goal, run_cpython_script};
use weakref_core::{Obj, WeakValueDictionary, Weakrefable, unsync};

// ---------------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------------

/// The global allocator of this binary: [`System`], tracking live bytes and their peak while
/// [`COUNTING`] is on.
///
/// # Safety
///
/// Every method hands its arguments unchanged to `System` and returns its result unchanged;
/// the bookkeeping only touches atomics, which neither allocate nor unwind.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed while counting (may go below zero, hence `isize` math).
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

impl CountingAlloc {
    fn grow(bytes: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            TOTAL.fetch_add(bytes, Ordering::Relaxed);
            let live = LIVE.fetch_add(bytes, Ordering::Relaxed).wrapping_add(bytes);
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
    }

    fn shrink(bytes: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(bytes, Ordering::Relaxed);
        }
    }
}

// SAFETY: see the type's docs: everything is forwarded to `System` unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::grow(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract, which we forward.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::shrink(layout.size());
        // SAFETY: the caller upholds `dealloc`'s contract, which we forward.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::shrink(layout.size());
        Self::grow(new_size);
        // SAFETY: the caller upholds `realloc`'s contract, which we forward.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` with counting on; returns its result, the bytes it allocated in total, the net
/// bytes still live afterwards and the peak of live bytes during it.
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize, isize, usize) {
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    TOTAL.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let result = f();
    COUNTING.store(false, Ordering::SeqCst);
    let live = LIVE.load(Ordering::SeqCst) as isize;
    (
        result,
        TOTAL.load(Ordering::SeqCst),
        live,
        PEAK.load(Ordering::SeqCst),
    )
}

// ---------------------------------------------------------------------------------------------
// The benchmarks
// ---------------------------------------------------------------------------------------------

/// The value type: a small weakly referenceable object (CPython: a `__slots__` class).
#[derive(Weakrefable)]
struct Payload(#[allow(dead_code)] u64);

const ENTRIES: u64 = 1000;
const KEYS: u64 = 1024;

fn bench_get_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_get_hit");
    let objs: Vec<Obj<Payload>> = (0..ENTRIES).map(|i| Obj::new(Payload(i))).collect();
    let ours: WeakValueDictionary<u64, Payload> = objs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, v))
        .collect();
    let arcs: Vec<Arc<Payload>> = (0..ENTRIES).map(|i| Arc::new(Payload(i))).collect();
    let std_map: HashMap<u64, Arc<Payload>> = arcs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, Arc::clone(v)))
        .collect();
    let mut wt_sync: WeakValueHashMap<u64, std::sync::Weak<Payload>> = WeakValueHashMap::new();
    for (i, v) in arcs.iter().enumerate() {
        wt_sync.insert(i as u64, Arc::clone(v));
    }
    let uobjs: Vec<unsync::Obj<Payload>> =
        (0..ENTRIES).map(|i| unsync::Obj::new(Payload(i))).collect();
    let ours_unsync: unsync::WeakValueDictionary<u64, Payload> = uobjs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, v))
        .collect();
    let rcs: Vec<Rc<Payload>> = (0..ENTRIES).map(|i| Rc::new(Payload(i))).collect();
    let mut wt_rc: WeakValueHashMap<u64, std::rc::Weak<Payload>> = WeakValueHashMap::new();
    for (i, v) in rcs.iter().enumerate() {
        wt_rc.insert(i as u64, Rc::clone(v));
    }
    let mut key = 0u64;
    let mut next = move || {
        key = (key + 7) % ENTRIES;
        key
    };
    group.bench_function("weakref", |b| b.iter(|| ours.get(&black_box(next()))));
    group.bench_function("hashmap_arc", |b| {
        b.iter(|| std_map.get(&black_box(next())).cloned())
    });
    group.bench_function("weak_table_arc", |b| {
        b.iter(|| wt_sync.get(&black_box(next())))
    });
    group.bench_function("unsync", |b| b.iter(|| ours_unsync.get(&black_box(next()))));
    group.bench_function("weak_table_rc", |b| {
        b.iter(|| wt_rc.get(&black_box(next())))
    });
    group.finish();
}

fn bench_insert_die(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_insert_die");
    let ours: WeakValueDictionary<u64, Payload> = WeakValueDictionary::new();
    let ours_unsync: unsync::WeakValueDictionary<u64, Payload> = unsync::WeakValueDictionary::new();
    let mut wt_sync: WeakValueHashMap<u64, std::sync::Weak<Payload>> = WeakValueHashMap::new();
    let mut wt_rc: WeakValueHashMap<u64, std::rc::Weak<Payload>> = WeakValueHashMap::new();
    let mut i = 0u64;
    group.bench_function("weakref", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let v = Obj::new(Payload(i));
            ours.insert(i % KEYS, &v);
            drop(v); // the entry leaves now
        })
    });
    assert!(ours.is_empty());
    group.bench_function("weak_table_arc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let v = Arc::new(Payload(i));
            wt_sync.insert(i % KEYS, Arc::clone(&v));
            drop(v); // the entry stays until a later cleanup
        })
    });
    group.bench_function("unsync", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let v = unsync::Obj::new(Payload(i));
            ours_unsync.insert(i % KEYS, &v);
            drop(v);
        })
    });
    group.bench_function("weak_table_rc", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            let v = Rc::new(Payload(i));
            wt_rc.insert(i % KEYS, Rc::clone(&v));
            drop(v);
        })
    });
    group.finish();
}

fn bench_iterate(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_iterate");
    let objs: Vec<Obj<Payload>> = (0..ENTRIES).map(|i| Obj::new(Payload(i))).collect();
    let ours: WeakValueDictionary<u64, Payload> = objs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, v))
        .collect();
    let arcs: Vec<Arc<Payload>> = (0..ENTRIES).map(|i| Arc::new(Payload(i))).collect();
    let mut wt_sync: WeakValueHashMap<u64, std::sync::Weak<Payload>> = WeakValueHashMap::new();
    for (i, v) in arcs.iter().enumerate() {
        wt_sync.insert(i as u64, Arc::clone(v));
    }
    let uobjs: Vec<unsync::Obj<Payload>> =
        (0..ENTRIES).map(|i| unsync::Obj::new(Payload(i))).collect();
    let ours_unsync: unsync::WeakValueDictionary<u64, Payload> = uobjs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, v))
        .collect();
    let rcs: Vec<Rc<Payload>> = (0..ENTRIES).map(|i| Rc::new(Payload(i))).collect();
    let mut wt_rc: WeakValueHashMap<u64, std::rc::Weak<Payload>> = WeakValueHashMap::new();
    for (i, v) in rcs.iter().enumerate() {
        wt_rc.insert(i as u64, Rc::clone(v));
    }
    group.bench_function("weakref", |b| {
        b.iter(|| {
            ours.iter()
                .map(|(k, v)| k ^ black_box(&v).0)
                .fold(0, u64::wrapping_add)
        })
    });
    group.bench_function("weak_table_arc", |b| {
        b.iter(|| {
            wt_sync
                .iter()
                .map(|(k, v)| k ^ black_box(&v).0)
                .fold(0, u64::wrapping_add)
        })
    });
    group.bench_function("unsync", |b| {
        b.iter(|| {
            ours_unsync
                .iter()
                .map(|(k, v)| k ^ black_box(&v).0)
                .fold(0, u64::wrapping_add)
        })
    });
    group.bench_function("weak_table_rc", |b| {
        b.iter(|| {
            wt_rc
                .iter()
                .map(|(k, v)| k ^ black_box(&v).0)
                .fold(0, u64::wrapping_add)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

mod groups {
    use super::{bench_get_hit, bench_insert_die, bench_iterate, config};

    criterion::criterion_group! {
        name = collections;
        config = config();
        targets = bench_get_hit, bench_insert_die, bench_iterate
    }
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

struct Row {
    label: &'static str,
    group: &'static str,
    ours: &'static str,
    base: &'static str,
    /// Divides both times (per-entry rows).
    per: f64,
    goal: Goal,
}

const ROWS: &[Row] = &[
    Row {
        label: "get hit (sync) vs HashMap<K,Arc>",
        group: "coll_get_hit",
        ours: "weakref",
        base: "hashmap_arc",
        per: 1.0,
        goal: Goal::AtMost(1.8),
    },
    Row {
        label: "get hit (sync) vs weak-table Arc",
        group: "coll_get_hit",
        ours: "weakref",
        base: "weak_table_arc",
        per: 1.0,
        goal: Goal::None,
    },
    Row {
        label: "get hit (unsync) vs weak-table Rc",
        group: "coll_get_hit",
        ours: "unsync",
        base: "weak_table_rc",
        per: 1.0,
        goal: Goal::AtMost(1.2),
    },
    Row {
        label: "create+insert+die (sync) vs w-t Arc",
        group: "coll_insert_die",
        ours: "weakref",
        base: "weak_table_arc",
        per: 1.0,
        goal: Goal::AtMost(1.5),
    },
    Row {
        label: "create+insert+die (unsync) vs w-t Rc",
        group: "coll_insert_die",
        ours: "unsync",
        base: "weak_table_rc",
        per: 1.0,
        goal: Goal::AtMost(1.5),
    },
    Row {
        label: "iterate/entry (sync) vs w-t Arc",
        group: "coll_iterate",
        ours: "weakref",
        base: "weak_table_arc",
        per: ENTRIES as f64,
        goal: Goal::AtMost(1.2),
    },
    Row {
        label: "iterate/entry (unsync) vs w-t Rc",
        group: "coll_iterate",
        ours: "unsync",
        base: "weak_table_rc",
        per: ENTRIES as f64,
        goal: Goal::AtMost(1.2),
    },
];

fn print_ratios(estimates: &Estimates) {
    println!();
    println!("== weak collections vs baselines: ratio = weakref / baseline ==");
    for row in ROWS {
        let (Some(ours), Some(base)) = (
            estimates.mean_ns(row.group, row.ours),
            estimates.mean_ns(row.group, row.base),
        ) else {
            continue;
        };
        let (ours, base) = (ours / row.per, base / row.per);
        let ratio = ours / base;
        println!(
            "{:<38} {:>8.2} ns {:>8.2} ns {:>6.2}x  {:<14} {}",
            row.label,
            ours,
            base,
            ratio,
            row.goal.to_string(),
            row.goal.verdict(ratio)
        );
    }
}

fn cpython(quick: bool) -> Option<CpythonRun> {
    run_cpython_script("cpython_collections.py", quick)
        .map_err(|why| println!("CPython comparison skipped: {why}"))
        .ok()
}

fn print_cpython(estimates: &Estimates, quick: bool) -> Option<Vec<(String, f64)>> {
    println!();
    println!("== weak collections vs CPython: speedup = CPython time / weakref time ==");
    let (version, values) = cpython(quick)?;
    println!("{version} (python3 benches/cpython_collections.py)");
    let find = |name: &str| values.iter().find(|(k, _)| k == name).map(|&(_, v)| v);
    let rows = [
        ("get hit", "coll_get_hit", "wvd_get_hit_ns", 1.0, Goal::None),
        (
            "create+insert+die",
            "coll_insert_die",
            "wvd_insert_die_ns",
            1.0,
            Goal::AtLeast(8.0),
        ),
        (
            "iterate/entry",
            "coll_iterate",
            "wvd_iter_per_entry_ns",
            ENTRIES as f64,
            Goal::None,
        ),
    ];
    for (label, group, name, per, goal) in rows {
        let (Some(theirs), Some(ours)) = (find(name), estimates.mean_ns(group, "weakref")) else {
            continue;
        };
        let ours = ours / per;
        let speedup = theirs / ours;
        println!(
            "{label:<38} {theirs:>8.2} ns {ours:>8.2} ns {speedup:>6.2}x  {:<14} {}",
            goal.to_string(),
            goal.verdict(speedup)
        );
    }
    Some(values)
}

fn print_memory(cpython: Option<&[(String, f64)]>) {
    const N: u64 = 10_000;
    println!();
    println!("== memory ==");
    let objs: Vec<Obj<Payload>> = (0..N).map(|i| Obj::new(Payload(i))).collect();
    let (ours, _, ours_live, _) = measure(|| {
        let d: WeakValueDictionary<u64, Payload> = WeakValueDictionary::new();
        for (i, v) in objs.iter().enumerate() {
            d.insert(i as u64, v);
        }
        d
    });
    let uobjs: Vec<unsync::Obj<Payload>> = (0..N).map(|i| unsync::Obj::new(Payload(i))).collect();
    let (ours_unsync, _, unsync_live, _) = measure(|| {
        let d: unsync::WeakValueDictionary<u64, Payload> = unsync::WeakValueDictionary::new();
        for (i, v) in uobjs.iter().enumerate() {
            d.insert(i as u64, v);
        }
        d
    });
    let arcs: Vec<Arc<Payload>> = (0..N).map(|i| Arc::new(Payload(i))).collect();
    let (std_map, _, std_live, _) = measure(|| {
        let m: HashMap<u64, Arc<Payload>> = arcs
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u64, Arc::clone(v)))
            .collect();
        m
    });
    let (wt, _, wt_live, _) = measure(|| {
        let mut m: WeakValueHashMap<u64, std::sync::Weak<Payload>> = WeakValueHashMap::new();
        for (i, v) in arcs.iter().enumerate() {
            m.insert(i as u64, Arc::clone(v));
        }
        m
    });
    let per = |live: isize| live as f64 / N as f64;
    println!("bytes per entry ({N} entries, u64 keys; values allocated beforehand):");
    let goal = Goal::AtMost(64.0);
    println!(
        "  WeakValueDictionary (sync)   {:>7.1}  goal <= 64 bytes: {}",
        per(ours_live),
        goal.verdict(per(ours_live))
    );
    println!("  WeakValueDictionary (unsync) {:>7.1}", per(unsync_live));
    println!("  HashMap<u64, Arc<V>>         {:>7.1}", per(std_live));
    println!("  weak-table (Arc)             {:>7.1}", per(wt_live));
    println!(
        "  ours over HashMap            {:>7.1}  (each entry's weak reference is a node with \
         its callback inline)",
        per(ours_live) - per(std_live)
    );
    if let Some(values) = cpython {
        let find = |name: &str| values.iter().find(|(k, _)| k == name).map(|&(_, v)| v);
        if let (Some(wvd), Some(dict)) = (find("wvd_bytes_per_entry"), find("dict_bytes_per_entry"))
        {
            println!(
                "  CPython WeakValueDictionary  {wvd:>7.1}  (dict: {dict:.1}, so {:.1} more)",
                wvd - dict
            );
        }
    }
    drop((ours, ours_unsync, std_map, wt, objs, uobjs, arcs));

    const CYCLES: u64 = 1_000_000;
    let cycles = if std::env::args().any(|a| a == "--test") {
        10_000
    } else {
        CYCLES
    };
    let d: WeakValueDictionary<u64, Payload> = WeakValueDictionary::new();
    let (_, _, live_after, peak) = measure(|| {
        for i in 0..cycles {
            let v = Obj::new(Payload(i));
            d.insert(i, &v);
            drop(v);
        }
    });
    assert!(d.is_empty());
    let mut wt: WeakValueHashMap<u64, std::sync::Weak<Payload>> = WeakValueHashMap::new();
    let (_, _, wt_after, wt_peak) = measure(|| {
        for i in 0..cycles {
            let v = Arc::new(Payload(i));
            wt.insert(i, Arc::clone(&v));
            drop(v);
        }
    });
    println!(
        "peak live bytes through {cycles} insert-then-die cycles (distinct keys): weakref {peak} \
         (after: {live_after}, len {}), weak-table {wt_peak} (after: {wt_after}, len {})",
        d.len(),
        wt.len()
    );
}

fn main() {
    let started = SystemTime::now();
    let quick = std::env::args().any(|a| a == "--test" || a == "--list");
    groups::collections();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let estimates = Estimates::since(started);
    print_ratios(&estimates);
    let cpython = print_cpython(&estimates, quick);
    print_memory(cpython.as_deref());
}
