//! Conformance with CPython's `weakref`: the same randomly generated programs run through this
//! library (both flavors) and through CPython, and what each observes is compared step by step.
//!
//! # How it works
//!
//! * `program.rs` generates programs, drawing from the small generator of `rng.rs`: up to
//!   [`MAX_STEPS`] operations over a handful of slots holding objects (values `0..4`, so that
//!   distinct objects often compare equal), weak references with and without callbacks
//!   (shared or not), proxies, `WeakMethod`s, finalizers
//!   (`call`/`detach`/`peek`/`alive`/`atexit`), and the weak collections
//!   (`WeakValueDictionary`, `WeakKeyDictionary` by value and by identity, `WeakSet` by value
//!   and by identity, with the set algebra). Callbacks and finalizers act,
//!   which is where re-entrancy is tested: they drop objects (nested deaths) and references
//!   (maybe one whose callback is about to run), create objects and references, insert into,
//!   look up in, `setdefault` in, pop from and remove from collections (maybe one holding a dead
//!   entry whose removal has not run yet), call finalizers, read lengths and counts, and may
//!   raise (panic).
//! * `interp.rs` runs a program against one flavor and records a trace: per step, the events
//!   in order (callbacks with their argument, finalizers, unraisable reports), the step's result
//!   and a snapshot of the state (which slots hold what, liveness, collection lengths,
//!   `getweakrefcount` per object, live objects); then a teardown step that drops every slot.
//! * `tests/conformance/cpython_trace.py` runs the same program through CPython's `weakref` and
//!   records the same trace, spelled identically. One long-lived worker per test reads one
//!   program per line and answers one trace per line (`python.rs`), shrinking included. It uses
//!   the standard library only, disables the cyclic GC, and the programs create no cycles, so
//!   every CPython object dies at the step where its Rust counterpart dies.
//! * On the first divergence (or panic of the Rust run) `shrink.rs` shrinks the program;
//!   `report.rs` prints the shrunk program and both traces side by side, aligned by step,
//!   followed by the seed and the case's index, and the command that runs that case alone.
//!
//! The budget is [`CASES`] programs per flavor with a fixed seed, so that CI is deterministic.
//! Environment: `WEAKREF_CONFORMANCE_CASES` raises the count (local fuzzing),
//! `WEAKREF_CONFORMANCE_SEED` picks another seed (decimal, or hexadecimal after `0x`),
//! `WEAKREF_CONFORMANCE_CASE` runs only the case of that index (each case's program depends
//! on the seed and its index only), `WEAKREF_PYTHON` picks another interpreter. Where
//! `python3` cannot be run the test prints `SKIPPED: ...` and passes, unless
//! `WEAKREF_REQUIRE_PYTHON=1` (which `.ci/run` sets) makes it fail.
//!
//! # Where the two sides are made to agree
//!
//! Every deliberate difference of this library (see its rustdoc), every unspecified order, and
//! every place where CPython only differs by an implementation accident, is handled here and
//! only here; each operation is still run on both sides.
//!
//! 1. **Iteration order** is unspecified in Rust (CPython: insertion order). Iteration results
//!    are compared sorted. The right operand of `update` and of the set algebra is passed, on
//!    both sides, as a list of the other collection's entries in a canonical order (by key, or
//!    by object serial), so that which of two equal elements is kept never depends on a hash
//!    table's order.
//! 2. **Which entry `popitem`/`pop` removes** is unspecified (CPython: the last inserted). The
//!    Rust run records its choice; the Python side checks that the choice is a live entry and
//!    removes that one from the collection's underlying `data`, as `popitem` would (the real
//!    `popitem` when the collection holds exactly one entry, alive). The collections use a fixed
//!    hasher so that the choices, and so the runs, are reproducible while shrinking.
//! 3. **Hashing a dead reference** that was never hashed: Rust hashes its identity, Python
//!    raises `TypeError`; both record `unhashable` (Rust through `try_hash`). CPython's
//!    `WeakKeyDictionary` and `WeakSet` look objects up through the object's *shared*
//!    `ref(o)`, which hashes that reference as a side effect (so `hash(r)` of the dead shared
//!    reference then succeeds); Rust's collections never touch it. So a dead shared reference
//!    that the program itself never hashed while alive records `dead-shared-unhashed` without
//!    being hashed in Python, and Rust checks that `try_hash` is `None`.
//! 4. **Callbacks run before the value's `Drop`**, CPython runs `__del__` first: never
//!    observed. Live objects are only counted between steps.
//! 5. **Proxies** have no operators in Rust: the trace uses `get`, `call`, `eq_value` and
//!    `eq_proxy` (Python: `p.serial`, `p()`, `p == o`, `p1 == p2`). Python cannot read a
//!    proxy's `__callback__` (it forwards to the object), so `pending` is `n/a` for proxies, and
//!    callbacks record `pending=-` for a proxy argument; hashing a proxy records
//!    `unhashable-type` on both sides.
//! 6. **Collections by identity** (`WeakIdKeyDictionary`, `WeakIdSet`) have no CPython class:
//!    the Python side uses `WeakKeyDictionary` and `WeakSet` and switches `Item.__eq__` to
//!    identity (`is`) while an operation on such a collection runs; the hash stays the value's,
//!    which is consistent with identity.
//! 7. **Iteration** works on a snapshot taken when the iterator is made, in Rust (documented);
//!    CPython's iterators are generators that look at the collection when first advanced, and
//!    3.11 raises `RuntimeError` when the collection changes while one runs (checklist item 122:
//!    Rust follows 3.14's snapshots). An `Iter` step drops its victim between making the
//!    iterator and consuming it: Rust's snapshot then holds a dead entry, which it must skip,
//!    where CPython has already removed it. The callbacks that run then leave the iterated
//!    collection alone (they record `skip`), since a change would be seen by CPython and not
//!    by the snapshot. (Dropping the victim after the first item instead would make the result
//!    depend on which item comes first, as each side keeps its first item alive.)
//! 8. **CPython 3.11's `WeakSet.__iand__`** stores callback-less references to the *other*
//!    operand's elements, so those entries never leave the set when their objects die (`len`
//!    stays, iteration yields nothing). Rust keeps its own members, as `intersection_update` is
//!    documented to. The Python side performs `s &= other` as
//!    `s -= [x for x in s if x not in WeakSet(other)]`: the documented semantics, without the
//!    bug.
//! 9. **Rust compares only collections of one type**: `==`, `<` and `>` between collections of
//!    different kinds record `n/a` on both sides (the relations that take any iterable,
//!    `issubset`, `issuperset`, `isdisjoint`, work across kinds).
//! 10. **`WeakValueDictionary` removal** is `d.pop(k)` on the Python side, not `del d[k]`:
//!     Rust's `remove` is documented as `pop`, and the two differ on an entry whose value is
//!     dead but whose removal callback has not run yet.
//! 11. **Interpreter exit** is out of scope (the test process never exits between programs):
//!     `atexit` is only read and written, and the teardown records which finalizers are still
//!     pending once every object is gone.
//! 12. **`repr`** (addresses) is never recorded.
//! 13. **Temporaries**: CPython keeps a value alive while a statement or call that uses it runs
//!     (`o4 = o0` holds `o0`'s object on the evaluation stack while `o4`'s old object dies and
//!     its callbacks run); Rust moves the handle into the slot. The Python side therefore stores
//!     a slot's new content and releases the old one only afterwards, with no temporary of its
//!     own left (`replace` then `del old`), as Rust's `mem::replace` then `drop` do.

mod colls;
mod interp;
mod json;
mod program;
mod python;
mod report;
mod rng;
mod shrink;

use std::io::Write as _;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

use weakref_core::flavor;

use interp::Kit;
use program::Op;
use python::Worker;
use rng::Rng;

/// Programs per flavor, unless `WEAKREF_CONFORMANCE_CASES` says otherwise.
const CASES: u64 = 4000;
/// The longest program.
const MAX_STEPS: usize = 80;
/// The seed, unless `WEAKREF_CONFORMANCE_SEED` says otherwise.
const SEED: u64 = 0x5EED_0013;

#[test]
fn sync_flavor_matches_cpython() {
    check::<flavor::Sync>();
}

#[test]
fn unsync_flavor_matches_cpython() {
    check::<flavor::Unsync>();
}

/// Writes to the real standard error, past the test harness's capture, so that a skip or a
/// summary shows in `cargo test`'s output.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The number in environment variable `name`, if set: decimal, or hexadecimal after `0x`.
fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let trimmed = value.trim();
    let parsed = match trimmed.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => trimmed.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={value:?} is not a number")))
}

/// How a program's two runs compare.
enum Outcome {
    /// The traces are equal.
    Same,
    /// They differ at a step (the report), or one side failed: the Rust run panicked, or the
    /// Python side reported an error.
    Diverged(String),
}

/// The program, one numbered operation a line, for the reports that have no traces.
fn listing(program: &[Op]) -> String {
    program
        .iter()
        .enumerate()
        .map(|(i, op)| format!("  {i:>3}  {op}\n"))
        .collect()
}

/// Runs `program` on flavor `F` and through the worker, and compares.
fn compare<F: Kit>(worker: &mut Worker, program: &[Op]) -> Outcome {
    // A panic is a bug of the library or of the interpreter: a divergence, to be shrunk like
    // the others. The next run disposes of what it left behind.
    let rust = match panic::catch_unwind(AssertUnwindSafe(|| interp::run::<F>(program))) {
        Ok(rust) => rust,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(not a string)".to_owned());
            return Outcome::Diverged(format!(
                "\nthe Rust run ({} flavor) panicked: {message}\n\nThe program:\n{}",
                F::NAME,
                listing(program)
            ));
        }
    };
    let request = python::request(program, &rust.choices);
    match worker.run(&request) {
        Err(error) => Outcome::Diverged(format!(
            "\n{error}\n\nThe program:\n{}\nRequest: {request}",
            listing(program)
        )),
        Ok(python) => match report::first_divergence(&rust.trace, &python) {
            None => Outcome::Same,
            Some(at) => Outcome::Diverged(report::render(
                F::NAME,
                program,
                &rust.trace,
                &python,
                at,
                &worker.version,
                &request.to_string(),
            )),
        },
    }
}

/// Runs the cases of the configured seed on flavor `F` and through CPython; on the first
/// divergence, shrinks the program and panics with the report.
fn check<F: Kit>() {
    let required = std::env::var("WEAKREF_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    let mut worker = match Worker::start() {
        Ok(worker) => worker,
        Err(why) if !required => {
            say(&format!(
                "SKIPPED: conformance with CPython ({} flavor): {why}",
                F::NAME
            ));
            return;
        }
        Err(why) => panic!(
            "conformance with CPython ({} flavor) cannot run, and WEAKREF_REQUIRE_PYTHON=1: {why}",
            F::NAME
        ),
    };
    let seed = env_number("WEAKREF_CONFORMANCE_SEED").unwrap_or(SEED);
    let cases: Range<u64> = match env_number("WEAKREF_CONFORMANCE_CASE") {
        Some(index) => index..index + 1,
        None => 0..env_number("WEAKREF_CONFORMANCE_CASES").unwrap_or(CASES),
    };
    let started = Instant::now();
    for index in cases.clone() {
        let program = program::program(&mut Rng::for_case(seed, index), MAX_STEPS);
        if let Outcome::Diverged(_) = compare::<F>(&mut worker, &program) {
            fail::<F>(&mut worker, program, seed, index);
        }
    }
    say(&format!(
        "conformance ({} flavor): {} programs of up to {MAX_STEPS} steps (seed {seed:#x}, cases \
         {cases:?}) agree with {} in {:.1} s",
        F::NAME,
        cases.end - cases.start,
        worker.version,
        started.elapsed().as_secs_f64()
    ));
}

/// Shrinks `program`, case `index` of `seed`, which diverges on flavor `F`, and panics with the
/// report of the shrunk program and how to run the case again.
fn fail<F: Kit>(worker: &mut Worker, program: Vec<Op>, seed: u64, index: u64) -> ! {
    let original = program.len();
    let shrunk = shrink::shrink(program, |candidate| {
        matches!(compare::<F>(worker, candidate), Outcome::Diverged(_))
    });
    let origin = format!(
        "Case {index} of seed {seed:#x}: {original} operations, shrunk to {} in {} runs. That \
         case alone (unshrunk):\n  WEAKREF_CONFORMANCE_SEED={seed:#x} \
         WEAKREF_CONFORMANCE_CASE={index} cargo test -p weakref-tests --test conformance -- \
         --exact {}_flavor_matches_cpython",
        shrunk.program.len(),
        shrunk.runs,
        F::NAME
    );
    match compare::<F>(worker, &shrunk.program) {
        Outcome::Diverged(report) => panic!("{report}\n{origin}"),
        Outcome::Same => panic!(
            "a program diverged while shrinking but not when run again (nondeterminism):\n{}\n\
             {origin}",
            listing(&shrunk.program)
        ),
    }
}
