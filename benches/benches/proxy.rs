//! The `proxy` benchmark: reading a field through a weak proxy, side by side with the same read
//! through a strong handle, through `WeakRef::upgrade`, and through CPython's `weakref.proxy`,
//! in one run, ending with a table of ratios against the project's goals.
//!
//! Run it with `cargo bench -p weakref-benches --bench proxy` (or `-- --test` for a quick check
//! that everything runs). Each criterion group holds the sides of one comparison, measured back
//! to back:
//!
//! | function | what one iteration does |
//! |---|---|
//! | `proxy_field` | `*p.x()?`: the generated accessor upgrades, lends the field through a `FieldRef`, and the guard's drop releases the strong count |
//! | `proxy_with` | `p.with(\|point\| point.x)?`: the same through the closure-based access |
//! | `upgrade_read` | `w.upgrade()?.x`: `WeakRef::upgrade`, read, drop of the `Obj` |
//! | `obj_read` | `o.x` through an `Obj`: no weak reference at all, the floor |
//! | `weak_method` | `m.call(())` on a `WeakMethod` of `Point::get_x`: upgrade, call, drop |
//! | `upgrade_call` | `w.upgrade()?.get_x()`: the same call through `WeakRef::upgrade` |
//!
//! The goals: a proxy field read costs at most 1.1× an upgrade and read (the proxy adds no work
//! of its own), and is at least 1.5× faster than CPython's `p.x` (timed by `cpython_proxy.py`,
//! with timeit's loop cost subtracted); a `WeakMethod` call costs at most 1.1× the same call
//! through `WeakRef::upgrade`. The read through an `Obj` is there for context: it
//! shows what the temporary strong handle that makes proxies sound costs.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::Criterion;
use weakref_benches::{Estimates, Goal, Mode, lookup, run_cpython_script};
use weakref_core::{Obj, ReferenceError, WeakMethod, WeakRef, Weakrefable, unsync};

/// The benchmarked object: one `u64`, like the CPython side's `__slots__ = ("x", ...)`.
#[derive(Weakrefable)]
#[weakref(proxy)]
struct Point {
    x: u64,
}

impl Point {
    /// The method the `WeakMethod` rows call.
    #[inline(never)]
    fn get_x(&self) -> u64 {
        self.x
    }
}

fn point() -> Point {
    Point { x: black_box(7) }
}

/// Reads `x` through the generated accessor of the thread-safe flavor's wrapper.
#[inline(never)]
fn proxy_field(p: &PointProxy) -> Result<u64, ReferenceError> {
    Ok(*p.x()?)
}

/// Checks once, before timing, that every benchmarked routine reads what it claims.
fn sanity_checks() {
    let obj = Obj::new(point());
    let p = weakref_core::proxy(&obj);
    assert_eq!(proxy_field(&p), Ok(7));
    assert_eq!(p.with(|point| point.x), Ok(7));
    assert_eq!(WeakRef::new(&obj).upgrade().map(|point| point.x), Some(7));
    assert_eq!(WeakMethod::new(&obj, Point::get_x).call(()), Some(7));
    let local = unsync::Obj::new(point());
    assert_eq!(unsync::proxy(&local).x().map(|x| *x), Ok(7));
    drop(obj);
    assert_eq!(proxy_field(&p), Err(ReferenceError));
}

/// The four ways to read the field, thread-safe flavor, then `unsync`. The objects stay alive,
/// so every access succeeds.
fn bench_field(c: &mut Criterion) {
    let mut group = c.benchmark_group("proxy_field_sync");
    let obj = Obj::new(point());
    let p = weakref_core::proxy(&obj);
    let weak = WeakRef::new(&obj);
    group.bench_function("proxy_field", |b| {
        b.iter(|| black_box(*black_box(&p).x().unwrap()))
    });
    group.bench_function("proxy_with", |b| {
        b.iter(|| black_box(black_box(&p).with(|point| point.x).unwrap()))
    });
    group.bench_function("upgrade_read", |b| {
        b.iter(|| black_box(black_box(&weak).upgrade().unwrap().x))
    });
    group.bench_function("obj_read", |b| b.iter(|| black_box(black_box(&obj).x)));
    group.finish();

    let mut group = c.benchmark_group("proxy_field_unsync");
    let obj = unsync::Obj::new(point());
    let p = unsync::proxy(&obj);
    let weak = unsync::WeakRef::new(&obj);
    group.bench_function("proxy_field", |b| {
        b.iter(|| black_box(*black_box(&p).x().unwrap()))
    });
    group.bench_function("proxy_with", |b| {
        b.iter(|| black_box(black_box(&p).with(|point| point.x).unwrap()))
    });
    group.bench_function("upgrade_read", |b| {
        b.iter(|| black_box(black_box(&weak).upgrade().unwrap().x))
    });
    group.bench_function("obj_read", |b| b.iter(|| black_box(black_box(&obj).x)));
    group.finish();
}

/// A method called through a `WeakMethod`, against the same call through `WeakRef::upgrade`.
fn bench_method(c: &mut Criterion) {
    let mut group = c.benchmark_group("method_call_sync");
    let obj = Obj::new(point());
    let method = WeakMethod::new(&obj, Point::get_x);
    let weak = WeakRef::new(&obj);
    group.bench_function("weak_method", |b| {
        b.iter(|| black_box(black_box(&method).call(()).unwrap()))
    });
    group.bench_function("upgrade_call", |b| {
        b.iter(|| black_box(black_box(&weak).upgrade().unwrap().get_x()))
    });
    group.finish();
}

/// Short enough that the whole run stays well under a minute.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

/// The criterion group of this binary, `groups::proxy`.
mod groups {
    use super::{bench_field, bench_method, config};

    criterion::criterion_group! {
        name = proxy;
        config = config();
        targets = bench_field, bench_method
    }
}

/// A row of the ratio table: the mean of `ours` over the mean of `base`, both in `group`.
struct Row {
    label: &'static str,
    group: &'static str,
    ours: &'static str,
    base: &'static str,
    goal: Goal,
}

const ROWS: &[Row] = &[
    Row {
        label: "proxy field vs upgrade+read",
        group: "proxy_field_sync",
        ours: "proxy_field",
        base: "upgrade_read",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "proxy with vs upgrade+read",
        group: "proxy_field_sync",
        ours: "proxy_with",
        base: "upgrade_read",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "proxy field vs Obj read",
        group: "proxy_field_sync",
        ours: "proxy_field",
        base: "obj_read",
        goal: Goal::None,
    },
    Row {
        label: "unsync: proxy field vs upgrade",
        group: "proxy_field_unsync",
        ours: "proxy_field",
        base: "upgrade_read",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "unsync: proxy with vs upgrade",
        group: "proxy_field_unsync",
        ours: "proxy_with",
        base: "upgrade_read",
        goal: Goal::AtMost(1.1),
    },
    Row {
        label: "unsync: proxy field vs Obj read",
        group: "proxy_field_unsync",
        ours: "proxy_field",
        base: "obj_read",
        goal: Goal::None,
    },
    Row {
        label: "WeakMethod call vs upgrade+call",
        group: "method_call_sync",
        ours: "weak_method",
        base: "upgrade_call",
        goal: Goal::AtMost(1.1),
    },
];

/// A CPython row: CPython's net time for `metric` over the mean of `function` in `group`.
struct CpythonRow {
    label: &'static str,
    metric: &'static str,
    group: &'static str,
    ours: &'static str,
    goal: Goal,
}

const CPYTHON_ROWS: &[CpythonRow] = &[
    CpythonRow {
        label: "p.x vs proxy field",
        metric: "proxy_attr_ns",
        group: "proxy_field_sync",
        ours: "proxy_field",
        goal: Goal::AtLeast(1.5),
    },
    CpythonRow {
        label: "p.x vs unsync proxy field",
        metric: "proxy_attr_ns",
        group: "proxy_field_unsync",
        ours: "proxy_field",
        goal: Goal::None,
    },
    CpythonRow {
        label: "r().x vs upgrade+read",
        metric: "ref_call_attr_ns",
        group: "proxy_field_sync",
        ours: "upgrade_read",
        goal: Goal::None,
    },
    CpythonRow {
        label: "o.x vs Obj read",
        metric: "attr_ns",
        group: "proxy_field_sync",
        ours: "obj_read",
        goal: Goal::None,
    },
    CpythonRow {
        label: "wm()() vs WeakMethod call",
        metric: "weakmethod_call_ns",
        group: "method_call_sync",
        ours: "weak_method",
        goal: Goal::None,
    },
];

fn print_ratio_table(estimates: &Estimates) {
    println!();
    println!("== proxy field access: mean time per read, ratio = ours / baseline ==");
    let mut printed = 0;
    for row in ROWS {
        let (Some(ours), Some(base)) = (
            estimates.mean_ns(row.group, row.ours),
            estimates.mean_ns(row.group, row.base),
        ) else {
            continue;
        };
        let ratio = ours / base;
        println!(
            "{:<32} {:>12} {:>7.2} ns  {:>12} {:>7.2} ns  ratio {:>5.2}x  {:<14} {}",
            row.label,
            row.ours,
            ours,
            row.base,
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

fn print_cpython_table(estimates: &Estimates, mode: Mode) {
    println!();
    println!("== vs CPython: speedup = CPython time (loop cost subtracted) / ours ==");
    let (version, measurements) = match run_cpython_script("cpython_proxy.py", mode != Mode::Bench)
    {
        Ok(found) => found,
        Err(why) => {
            println!("CPython comparison skipped: {why}");
            return;
        }
    };
    let loop_ns = lookup(&measurements, "loop_ns").unwrap_or(0.0);
    println!(
        "{version}, timeit, best of 7, minus its loop cost of {loop_ns:.2} ns \
         (python3 benches/cpython_proxy.py)"
    );
    for row in CPYTHON_ROWS {
        let Some(python) = lookup(&measurements, row.metric) else {
            println!("{:<32} (no `{}` from the script)", row.label, row.metric);
            continue;
        };
        let python = python - loop_ns;
        let Some(ours) = estimates.mean_ns(row.group, row.ours) else {
            println!("{:<32} {:>12} {:>7.2} ns", row.label, "CPython", python);
            continue;
        };
        let speedup = python / ours;
        println!(
            "{:<32} {:>12} {:>7.2} ns  {:>12} {:>7.2} ns  speedup {:>5.2}x  {:<14} {}",
            row.label,
            "CPython",
            python,
            row.ours,
            ours,
            speedup,
            row.goal.to_string(),
            row.goal.verdict(speedup),
        );
    }
}

fn main() {
    let started = SystemTime::now();
    let mode = Mode::from_args();
    if mode != Mode::List {
        sanity_checks();
    }

    groups::proxy();
    Criterion::default().configure_from_args().final_summary();
    if mode == Mode::List {
        return;
    }

    let estimates = Estimates::since(started);
    print_ratio_table(&estimates);
    print_cpython_table(&estimates, mode);
    if mode != Mode::Bench {
        println!();
        println!("(test mode: times are not measured, CPython ran briefly only)");
    }
}
