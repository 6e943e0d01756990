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
//! * `lookup_by_value`: `WeakSet::contains` and `WeakKeyDictionary::get` given an equal,
//!   different object (so the stored key is upgraded and compared), against `weak-table`'s
//!   `WeakHashSet::contains` and `WeakKeyHashMap::get`;
//! * memory: bytes allocated per entry of each collection, and the peak of live bytes through
//!   1,000,000 insert-then-die cycles, measured with a counting global allocator.
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
use weak_table::{WeakHashSet, WeakKeyHashMap, WeakValueHashMap};
use weakref_benches::{CpythonRun, Estimates, Goal, run_cpython_script};
use weakref_core::{Obj, WeakKeyDictionary, WeakSet, WeakValueDictionary, Weakrefable, unsync};

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

/// The value type: a small weakly referenceable object (CPython: a `__slots__` class), compared
/// by value where a collection needs it.
#[derive(Hash, PartialEq, Eq, Weakrefable)]
struct Payload(u64);

const ENTRIES: u64 = 1000;
const KEYS: u64 = 1024;

/// The next key of a lookup: every key in turn, by a stride, so lookups do not follow the
/// table's order.
fn stride(key: &mut u64) -> u64 {
    *key = (*key + 7) % ENTRIES;
    *key
}

/// Dictionaries of `ENTRIES` live values: ours, a `HashMap<K, Arc<V>>` and `weak-table`'s, in
/// both flavors, with the objects that keep the values alive.
struct ValueDicts {
    _objs: Vec<Obj<Payload>>,
    ours: WeakValueDictionary<u64, Payload>,
    _arcs: Vec<Arc<Payload>>,
    std_map: HashMap<u64, Arc<Payload>>,
    wt_sync: WeakValueHashMap<u64, std::sync::Weak<Payload>>,
    _uobjs: Vec<unsync::Obj<Payload>>,
    ours_unsync: unsync::WeakValueDictionary<u64, Payload>,
    _rcs: Vec<Rc<Payload>>,
    wt_rc: WeakValueHashMap<u64, std::rc::Weak<Payload>>,
}

fn value_dicts() -> ValueDicts {
    let objs: Vec<Obj<Payload>> = (0..ENTRIES).map(|i| Obj::new(Payload(i))).collect();
    let ours = objs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, v))
        .collect();
    let arcs: Vec<Arc<Payload>> = (0..ENTRIES).map(|i| Arc::new(Payload(i))).collect();
    let std_map = arcs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, Arc::clone(v)))
        .collect();
    let mut wt_sync = WeakValueHashMap::new();
    for (i, v) in arcs.iter().enumerate() {
        wt_sync.insert(i as u64, Arc::clone(v));
    }
    let uobjs: Vec<unsync::Obj<Payload>> =
        (0..ENTRIES).map(|i| unsync::Obj::new(Payload(i))).collect();
    let ours_unsync = uobjs
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u64, v))
        .collect();
    let rcs: Vec<Rc<Payload>> = (0..ENTRIES).map(|i| Rc::new(Payload(i))).collect();
    let mut wt_rc = WeakValueHashMap::new();
    for (i, v) in rcs.iter().enumerate() {
        wt_rc.insert(i as u64, Rc::clone(v));
    }
    ValueDicts {
        _objs: objs,
        ours,
        _arcs: arcs,
        std_map,
        wt_sync,
        _uobjs: uobjs,
        ours_unsync,
        _rcs: rcs,
        wt_rc,
    }
}

/// Empty dictionaries for the insert-then-die rows.
struct DieDicts {
    ours: WeakValueDictionary<u64, Payload>,
    ours_unsync: unsync::WeakValueDictionary<u64, Payload>,
    wt_sync: WeakValueHashMap<u64, std::sync::Weak<Payload>>,
    wt_rc: WeakValueHashMap<u64, std::rc::Weak<Payload>>,
    i: u64,
}

fn die_dicts() -> DieDicts {
    DieDicts {
        ours: WeakValueDictionary::new(),
        ours_unsync: unsync::WeakValueDictionary::new(),
        wt_sync: WeakValueHashMap::new(),
        wt_rc: WeakValueHashMap::new(),
        i: 0,
    }
}

impl DieDicts {
    fn ours(&mut self) {
        self.i = self.i.wrapping_add(1);
        let v = Obj::new(Payload(self.i));
        self.ours.insert(self.i % KEYS, &v);
        drop(v); // the entry leaves now
    }

    fn wt_sync(&mut self) {
        self.i = self.i.wrapping_add(1);
        let v = Arc::new(Payload(self.i));
        self.wt_sync.insert(self.i % KEYS, Arc::clone(&v));
        drop(v); // the entry stays until a later cleanup
    }

    fn ours_unsync(&mut self) {
        self.i = self.i.wrapping_add(1);
        let v = unsync::Obj::new(Payload(self.i));
        self.ours_unsync.insert(self.i % KEYS, &v);
        drop(v);
    }

    fn wt_rc(&mut self) {
        self.i = self.i.wrapping_add(1);
        let v = Rc::new(Payload(self.i));
        self.wt_rc.insert(self.i % KEYS, Rc::clone(&v));
        drop(v);
    }
}

/// A pass over every entry, taking a strong handle to each (as the iteration rows do).
macro_rules! fold_entries {
    ($iter:expr) => {
        $iter
            .map(|(k, v)| k ^ black_box(&v).0)
            .fold(0, u64::wrapping_add)
    };
}

/// Sets and key dictionaries of `ENTRIES` live objects compared by value: ours and
/// `weak-table`'s.
struct ByValueSets {
    _objs: Vec<Obj<Payload>>,
    set: WeakSet<Payload>,
    wkd: WeakKeyDictionary<Payload, u64>,
    _arcs: Vec<Arc<Payload>>,
    wt_set: WeakHashSet<std::sync::Weak<Payload>>,
    wt_wkd: WeakKeyHashMap<std::sync::Weak<Payload>, u64>,
}

fn by_value_sets() -> ByValueSets {
    let objs: Vec<Obj<Payload>> = (0..ENTRIES).map(|i| Obj::new(Payload(i))).collect();
    let set = objs.iter().collect();
    let wkd = objs.iter().map(|o| (o, o.0)).collect();
    let arcs: Vec<Arc<Payload>> = (0..ENTRIES).map(|i| Arc::new(Payload(i))).collect();
    let mut wt_set = WeakHashSet::new();
    let mut wt_wkd = WeakKeyHashMap::new();
    for arc in &arcs {
        wt_set.insert(Arc::clone(arc));
        wt_wkd.insert(Arc::clone(arc), arc.0);
    }
    ByValueSets {
        _objs: objs,
        set,
        wkd,
        _arcs: arcs,
        wt_set,
        wt_wkd,
    }
}

fn bench_get_hit(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_get_hit");
    let d = value_dicts();
    let mut key = 0u64;
    group.bench_function("weakref", |b| {
        b.iter(|| d.ours.get(&black_box(stride(&mut key))))
    });
    group.bench_function("hashmap_arc", |b| {
        b.iter(|| d.std_map.get(&black_box(stride(&mut key))).cloned())
    });
    group.bench_function("weak_table_arc", |b| {
        b.iter(|| d.wt_sync.get(&black_box(stride(&mut key))))
    });
    group.bench_function("unsync", |b| {
        b.iter(|| d.ours_unsync.get(&black_box(stride(&mut key))))
    });
    group.bench_function("weak_table_rc", |b| {
        b.iter(|| d.wt_rc.get(&black_box(stride(&mut key))))
    });
    group.finish();
}

fn bench_insert_die(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_insert_die");
    let mut d = die_dicts();
    group.bench_function("weakref", |b| b.iter(|| d.ours()));
    assert!(d.ours.is_empty());
    group.bench_function("weak_table_arc", |b| b.iter(|| d.wt_sync()));
    group.bench_function("unsync", |b| b.iter(|| d.ours_unsync()));
    group.bench_function("weak_table_rc", |b| b.iter(|| d.wt_rc()));
    group.finish();
}

fn bench_iterate(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_iterate");
    let d = value_dicts();
    group.bench_function("weakref", |b| b.iter(|| fold_entries!(d.ours.iter())));
    group.bench_function("weak_table_arc", |b| {
        b.iter(|| fold_entries!(d.wt_sync.iter()))
    });
    group.bench_function("unsync", |b| b.iter(|| fold_entries!(d.ours_unsync.iter())));
    group.bench_function("weak_table_rc", |b| {
        b.iter(|| fold_entries!(d.wt_rc.iter()))
    });
    group.finish();
}

fn bench_lookup_by_value(c: &mut Criterion) {
    let mut group = c.benchmark_group("coll_lookup_by_value");
    let s = by_value_sets();
    let mut key = 0u64;
    // An equal, distinct object: found by `Eq`, not by identity.
    group.bench_function("set_contains", |b| {
        b.iter(|| s.set.contains(&black_box(Payload(stride(&mut key)))))
    });
    group.bench_function("weak_table_set", |b| {
        b.iter(|| s.wt_set.contains(&black_box(Payload(stride(&mut key)))))
    });
    group.bench_function("wkd_get", |b| {
        b.iter(|| s.wkd.get(&black_box(Payload(stride(&mut key)))))
    });
    group.bench_function("weak_table_wkd", |b| {
        b.iter(|| s.wt_wkd.get(&black_box(Payload(stride(&mut key)))).copied())
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
    use super::{bench_get_hit, bench_insert_die, bench_iterate, bench_lookup_by_value, config};

    criterion::criterion_group! {
        name = collections;
        config = config();
        targets = bench_get_hit, bench_insert_die, bench_iterate, bench_lookup_by_value
    }
}

// ---------------------------------------------------------------------------------------------
// Paired measurement
// ---------------------------------------------------------------------------------------------

/// Consumes what a measured call returns.
fn sink<T>(value: T) {
    drop(value);
}

/// Rounds of a paired measurement.
const ROUNDS: usize = 41;

/// The time per call of `f`, run `n` times.
fn time_per_call(n: u64, f: &mut impl FnMut()) -> f64 {
    let started = std::time::Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed().as_nanos() as f64 / n as f64
}

/// `ours` against `base`, interleaved: in each of [`ROUNDS`] rounds, a few milliseconds of each
/// (the order alternating), so that a change of the machine's load hits both sides alike.
/// Returns the median of the rounds' ratios, and each side's fastest round (ns per call).
fn paired(mut ours: impl FnMut(), mut base: impl FnMut(), quick: bool) -> (f64, f64, f64) {
    // Calls per round: about 4 ms of `base`.
    let mut n = 1;
    while time_per_call(n, &mut base) * (n as f64) < 4e6 && !quick {
        n *= 2;
    }
    let rounds = if quick { 1 } else { ROUNDS };
    time_per_call(n, &mut ours);
    let (mut ratios, mut best_ours, mut best_base) = (Vec::new(), f64::MAX, f64::MAX);
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time_per_call(n, &mut ours);
            (a, time_per_call(n, &mut base))
        } else {
            let b = time_per_call(n, &mut base);
            (time_per_call(n, &mut ours), b)
        };
        ratios.push(a / b);
        best_ours = best_ours.min(a);
        best_base = best_base.min(b);
    }
    ratios.sort_by(f64::total_cmp);
    (ratios[ratios.len() / 2], best_ours, best_base)
}

/// Every row of [`ROWS`] whose group is `wanted`, measured paired: `(group, ours, base) ->
/// (ratio, ours ns, base ns)`.
fn measure_paired(
    quick: bool,
    wanted: impl Fn(&str) -> bool,
) -> Vec<(&'static str, &'static str, (f64, f64, f64))> {
    let mut out = Vec::new();
    let d = value_dicts();
    let mut key = 0u64;
    let mut k2 = 0u64;
    if wanted("coll_get_hit") {
        out.push((
            "coll_get_hit",
            "hashmap_arc",
            paired(
                || sink(black_box(d.ours.get(&black_box(stride(&mut key))))),
                || {
                    sink(black_box(
                        d.std_map.get(&black_box(stride(&mut k2))).cloned(),
                    ))
                },
                quick,
            ),
        ));
    }
    if wanted("coll_get_hit") {
        out.push((
            "coll_get_hit",
            "weak_table_arc",
            paired(
                || sink(black_box(d.ours.get(&black_box(stride(&mut key))))),
                || sink(black_box(d.wt_sync.get(&black_box(stride(&mut k2))))),
                quick,
            ),
        ));
    }
    if wanted("coll_get_hit") {
        out.push((
            "coll_get_hit",
            "weak_table_rc",
            paired(
                || sink(black_box(d.ours_unsync.get(&black_box(stride(&mut key))))),
                || sink(black_box(d.wt_rc.get(&black_box(stride(&mut k2))))),
                quick,
            ),
        ));
    }
    let per = ENTRIES as f64;
    let scale = |(r, a, b): (f64, f64, f64)| (r, a / per, b / per);
    if wanted("coll_iterate") {
        out.push((
            "coll_iterate",
            "weak_table_arc",
            scale(paired(
                || sink(black_box(fold_entries!(d.ours.iter()))),
                || sink(black_box(fold_entries!(d.wt_sync.iter()))),
                quick,
            )),
        ));
    }
    if wanted("coll_iterate") {
        out.push((
            "coll_iterate",
            "weak_table_rc",
            scale(paired(
                || sink(black_box(fold_entries!(d.ours_unsync.iter()))),
                || sink(black_box(fold_entries!(d.wt_rc.iter()))),
                quick,
            )),
        ));
    }
    drop(d);
    let dies = std::cell::RefCell::new(die_dicts());
    if wanted("coll_insert_die") {
        out.push((
            "coll_insert_die",
            "weak_table_arc",
            paired(
                || dies.borrow_mut().ours(),
                || dies.borrow_mut().wt_sync(),
                quick,
            ),
        ));
    }
    if wanted("coll_insert_die") {
        out.push((
            "coll_insert_die",
            "weak_table_rc",
            paired(
                || dies.borrow_mut().ours_unsync(),
                || dies.borrow_mut().wt_rc(),
                quick,
            ),
        ));
    }
    drop(dies);
    let s = by_value_sets();
    if wanted("coll_lookup_by_value") {
        out.push((
            "coll_lookup_by_value",
            "weak_table_set",
            paired(
                || {
                    sink(black_box(
                        s.set.contains(&black_box(Payload(stride(&mut key)))),
                    ))
                },
                || {
                    sink(black_box(
                        s.wt_set.contains(&black_box(Payload(stride(&mut k2)))),
                    ))
                },
                quick,
            ),
        ));
    }
    if wanted("coll_lookup_by_value") {
        out.push((
            "coll_lookup_by_value",
            "weak_table_wkd",
            paired(
                || sink(black_box(s.wkd.get(&black_box(Payload(stride(&mut key)))))),
                || {
                    sink(black_box(
                        s.wt_wkd.get(&black_box(Payload(stride(&mut k2)))).copied(),
                    ))
                },
                quick,
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

struct Row {
    label: &'static str,
    group: &'static str,
    ours: &'static str,
    base: &'static str,
    goal: Goal,
}

const ROWS: &[Row] = &[
    Row {
        label: "get hit (sync) vs HashMap<K,Arc>",
        group: "coll_get_hit",
        ours: "weakref",
        base: "hashmap_arc",
        goal: Goal::AtMost(1.4),
    },
    Row {
        label: "get hit (sync) vs weak-table Arc",
        group: "coll_get_hit",
        ours: "weakref",
        base: "weak_table_arc",
        goal: Goal::None,
    },
    Row {
        label: "get hit (unsync) vs weak-table Rc",
        group: "coll_get_hit",
        ours: "unsync",
        base: "weak_table_rc",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "create+insert+die (sync) vs w-t Arc",
        group: "coll_insert_die",
        ours: "weakref",
        base: "weak_table_arc",
        goal: Goal::AtMost(1.25),
    },
    Row {
        label: "create+insert+die (unsync) vs w-t Rc",
        group: "coll_insert_die",
        ours: "unsync",
        base: "weak_table_rc",
        goal: Goal::AtMost(1.25),
    },
    Row {
        label: "iterate/entry (sync) vs w-t Arc",
        group: "coll_iterate",
        ours: "weakref",
        base: "weak_table_arc",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "iterate/entry (unsync) vs w-t Rc",
        group: "coll_iterate",
        ours: "unsync",
        base: "weak_table_rc",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "WeakSet contains, by value vs w-t",
        group: "coll_lookup_by_value",
        ours: "set_contains",
        base: "weak_table_set",
        goal: Goal::AtMost(1.3),
    },
    Row {
        label: "WKD get, by value vs w-t",
        group: "coll_lookup_by_value",
        ours: "wkd_get",
        base: "weak_table_wkd",
        goal: Goal::AtMost(1.3),
    },
];

fn print_ratios(estimates: &Estimates, paired: &[(&str, &str, (f64, f64, f64))]) {
    println!();
    println!(
        "== weak collections vs baselines: ratio = weakref / baseline (median of {ROUNDS} paired \
         rounds; criterion's means for reference) =="
    );
    for row in ROWS {
        let Some(&(_, _, (ratio, ours, base))) = paired
            .iter()
            .find(|(group, base, _)| *group == row.group && *base == row.base)
        else {
            continue;
        };
        let criterion = match (
            estimates.mean_ns(row.group, row.ours),
            estimates.mean_ns(row.group, row.base),
        ) {
            (Some(a), Some(b)) => format!("{:>5.2}x", a / b),
            _ => "    -".to_string(),
        };
        println!(
            "{:<38} {:>8.2} ns {:>8.2} ns {:>6.2}x  {:<15} {:<6}  (criterion {criterion})",
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
    let (set, _, set_live, _) = measure(|| {
        let s: WeakSet<Payload> = WeakSet::new();
        for v in &objs {
            s.add(v);
        }
        s
    });
    let (wkd, _, wkd_live, _) = measure(|| {
        let d: WeakKeyDictionary<Payload, u64> = WeakKeyDictionary::new();
        for v in &objs {
            d.insert(v, v.0);
        }
        d
    });
    let (wt_set, _, wt_set_live, _) = measure(|| {
        let mut s: WeakHashSet<std::sync::Weak<Payload>> = WeakHashSet::new();
        for v in &arcs {
            s.insert(Arc::clone(v));
        }
        s
    });
    let (wt_wkd, _, wt_wkd_live, _) = measure(|| {
        let mut m: WeakKeyHashMap<std::sync::Weak<Payload>, u64> = WeakKeyHashMap::new();
        for v in &arcs {
            m.insert(Arc::clone(v), v.0);
        }
        m
    });
    let per = |live: isize| live as f64 / N as f64;
    println!("bytes per entry ({N} entries, u64 keys and values; objects allocated beforehand):");
    let rows = [
        (
            "WeakValueDictionary (sync)",
            per(ours_live),
            Goal::AtMost(64.0),
        ),
        ("WeakValueDictionary (unsync)", per(unsync_live), Goal::None),
        ("WeakSet", per(set_live), Goal::AtMost(56.0)),
        ("WeakKeyDictionary", per(wkd_live), Goal::AtMost(64.0)),
        ("HashMap<u64, Arc<V>>", per(std_live), Goal::None),
        ("weak-table WeakValueHashMap", per(wt_live), Goal::None),
        ("weak-table WeakHashSet", per(wt_set_live), Goal::None),
        ("weak-table WeakKeyHashMap", per(wt_wkd_live), Goal::None),
    ];
    for (label, bytes, goal) in rows {
        match goal {
            Goal::AtMost(limit) => println!(
                "  {label:<30} {bytes:>7.1}  goal <= {limit} bytes: {}",
                goal.verdict(bytes)
            ),
            _ => println!("  {label:<30} {bytes:>7.1}"),
        }
    }
    if let Some(values) = cpython {
        let find = |name: &str| values.iter().find(|(k, _)| k == name).map(|&(_, v)| v);
        if let (Some(wvd), Some(dict)) = (find("wvd_bytes_per_entry"), find("dict_bytes_per_entry"))
        {
            println!(
                "  CPython WeakValueDictionary    {wvd:>7.1}  (dict: {dict:.1}, so {:.1} more)",
                wvd - dict
            );
        }
    }
    drop((set, wkd, wt_set, wt_wkd));
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
    // A filter (criterion's: a substring of `group/function`) also picks the paired rows, and
    // skips CPython and the memory rows.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |group: &str| {
        filter
            .as_deref()
            .is_none_or(|f| group.contains(f) || f.starts_with(group))
    };
    if quick {
        // `--test` runs every routine once and measures nothing.
        println!("\n(--test: no timing)");
    } else {
        let paired = measure_paired(false, wanted);
        print_ratios(&estimates, &paired);
    }
    if filter.is_none() {
        let cpython = print_cpython(&estimates, quick);
        print_memory(cpython.as_deref());
    }
}
