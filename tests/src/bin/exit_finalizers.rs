//! Exit-time `finalize` scenarios, each run in a process of its own by
//! `tests/integration/finalize_exit.rs`.
//!
//! `exit_finalizers <scenario>` sets up finalizers, prints one line per event to standard
//! output, and leaves the way the scenario says (returning from `main`, `std::process::exit`,
//! after a `fork`, ...). Objects that must outlive `main` are leaked with `std::mem::forget`:
//! a local would die when `main` returns and run its finalizers as a death, not at exit.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use weakref_core::{
    Obj, Weakrefable, finalize, run_exit_finalizers, set_exit_finalizers_in_forked_child, unsync,
};

/// The object finalizers are attached to (Python's `cls` in `test_atexit`).
#[derive(Weakrefable)]
struct Holder;

/// Python's `_global_var`: still intact when exit finalizers run.
static GLOBAL_VAR: &str = "foobar";

/// The panic message standing for CPython's `ZeroDivisionError`.
const F3_PANIC: &str = "division by zero";

/// Set in a forked child, so finalizers can say which process ran them.
static IN_CHILD: AtomicBool = AtomicBool::new(false);

fn role() -> &'static str {
    if IN_CHILD.load(Ordering::SeqCst) {
        "child"
    } else {
        "parent"
    }
}

/// The same scenarios for each flavor: `$name` is the module, `$wr` the flavor's path.
macro_rules! flavored_scenarios {
    ($name:ident, $($wr:ident)::+) => {
        mod $name {
            use $($wr)::+ as wr;

            use super::{F3_PANIC, GLOBAL_VAR, Holder};

            /// CPython `FinalizeTestCase.run_in_child`: four finalizers on an object that
            /// lives until exit; `f2` does not run at exit; `f3` creates `g1` and then panics.
            pub(crate) fn cpython_test_atexit() {
                let cls = wr::Obj::new(Holder);
                let weak_cls = wr::WeakRef::new(&cls);
                let error = move || {
                    // A finalizer created while exit finalizers run: it must run next.
                    let cls = weak_cls.upgrade().expect("cls lives until exit");
                    let _g1 = wr::finalize(&cls, || println!("g1"));
                    println!("f3 error");
                    panic!("{F3_PANIC}");
                };
                let f1 = wr::finalize(&cls, || println!("f1 {GLOBAL_VAR}"));
                let f2 = wr::finalize(&cls, || println!("f2 {GLOBAL_VAR}"));
                let f3 = wr::finalize(&cls, error);
                let f4 = wr::finalize(&cls, || println!("f4 {GLOBAL_VAR}"));

                assert!(f1.atexit());
                f2.set_atexit(false);
                assert!(f3.atexit());
                assert!(f4.atexit());
                std::mem::forget(cls);
            }

            /// Three pending finalizers, the middle one with `atexit` off, then
            /// `std::process::exit(0)` straight from here.
            pub(crate) fn process_exit() -> ! {
                let obj = wr::Obj::new(Holder);
                let _f1 = wr::finalize(&obj, || println!("f1"));
                let f2 = wr::finalize(&obj, || println!("f2"));
                f2.set_atexit(false);
                let _f3 = wr::finalize(&obj, || println!("f3"));
                std::mem::forget(obj);
                println!("calling std::process::exit(0)");
                std::process::exit(0)
            }

            /// The classic mistake: the function captures its own object, which therefore
            /// never dies; the finalizer runs at exit and debug builds warn about it.
            pub(crate) fn captures_own_object() {
                let obj = wr::Obj::new(Holder);
                let captured = obj.clone();
                let _f = wr::finalize(&obj, move || {
                    let _held: &Holder = &captured;
                    println!("f ran");
                });
                drop(obj);
            }
        }
    };
}

flavored_scenarios!(sync_flavor, weakref_core);
flavored_scenarios!(unsync_flavor, weakref_core::unsync);

/// Finalizers of both flavors, interleaved in creation order, some with `atexit` off.
fn mixed_flavors() {
    let shared = Obj::new(Holder);
    let local = unsync::Obj::new(Holder);
    let _s1 = finalize(&shared, || println!("sync 1"));
    let _u2 = unsync::finalize(&local, || println!("unsync 2"));
    let s3 = finalize(&shared, || println!("sync 3"));
    let u4 = unsync::finalize(&local, || println!("unsync 4"));
    let _s5 = finalize(&shared, || println!("sync 5"));
    let _u6 = unsync::finalize(&local, || println!("unsync 6"));
    s3.set_atexit(false);
    u4.set_atexit(false);
    std::mem::forget(shared);
    std::mem::forget(local);
}

/// `run_exit_finalizers()` called by hand, then more work: every finalizer is inert from then
/// on, old or new, whether called or reached by its object's death.
fn explicit_run() {
    let shared = Obj::new(Holder);
    let local = unsync::Obj::new(Holder);
    let f1 = finalize(&shared, || println!("f1"));
    let u2 = unsync::finalize(&local, || println!("u2"));
    let kept = finalize(&shared, || println!("kept"));
    kept.set_atexit(false);
    let local_kept = unsync::finalize(&local, || println!("local kept"));
    local_kept.set_atexit(false);

    println!("before run_exit_finalizers");
    run_exit_finalizers();
    println!("after: f1.alive={} u2.alive={}", f1.alive(), u2.alive());
    println!("kept.call() = {:?}", kept.call());
    println!("kept.alive={}", kept.alive());

    let newer = finalize(&shared, || "newer ran");
    println!("newer.call() = {:?}", newer.call());
    let local_newer = unsync::finalize(&local, || "local newer ran");
    println!("local_newer.call() = {:?}", local_newer.call());

    let doomed = Obj::new(Holder);
    let _on_death = finalize(&doomed, || println!("on_death ran"));
    drop(doomed);
    let local_doomed = unsync::Obj::new(Holder);
    let _local_on_death = unsync::finalize(&local_doomed, || println!("local_on_death ran"));
    drop(local_doomed);

    // `local_kept` is still pending: its object's death must not run it either.
    drop(local);
    println!("local_kept.alive={}", local_kept.alive());
    drop(shared);

    let leaked = Obj::new(Holder);
    let _pending = finalize(&leaked, || println!("pending at the real exit"));
    std::mem::forget(leaked);
    run_exit_finalizers();
    println!("end of main");
}

/// An `unsync` finalizer still pending when its thread ends runs then (newest first, `atexit`
/// off skipped); a thread-safe one made on that thread waits for the process to exit.
fn thread_end() {
    let worker = thread::spawn(|| {
        let local = unsync::Obj::new(Holder);
        let _u1 = unsync::finalize(&local, || println!("thread u1"));
        let u2 = unsync::finalize(&local, || println!("thread u2"));
        u2.set_atexit(false);
        let _u3 = unsync::finalize(&local, || println!("thread u3"));
        std::mem::forget(local);
        let shared = Obj::new(Holder);
        let _s = finalize(&shared, || println!("sync finalizer made on the thread"));
        std::mem::forget(shared);
        println!("thread body ends");
    });
    worker.join().expect("the worker does not panic");
    println!("joined");
}

#[cfg(unix)]
mod forking {
    use super::*;

    /// `pid_t` on every Unix the crate supports.
    type Pid = i32;

    unsafe extern "C" {
        fn fork() -> Pid;
        fn waitpid(pid: Pid, status: *mut core::ffi::c_int, options: core::ffi::c_int) -> Pid;
    }

    /// Pending finalizers of both flavors (the `unsync` one newest), then a `fork`: the child
    /// leaves through `std::process::exit(0)`, the parent waits for it and returns from
    /// `main`. With `opt_in`, the child is asked to run the exit finalizers too.
    pub(crate) fn fork_then_exit(opt_in: bool) {
        let shared = Obj::new(Holder);
        let local = unsync::Obj::new(Holder);
        let _f1 = finalize(&shared, || println!("{} ran f1", role()));
        let _f2 = finalize(&shared, || println!("{} ran f2", role()));
        let _u3 = unsync::finalize(&local, || println!("{} ran u3", role()));
        std::mem::forget(shared);
        std::mem::forget(local);
        if opt_in {
            let previous = set_exit_finalizers_in_forked_child(true);
            println!("previous setting: {previous}");
        }
        // Nothing may sit in the buffer, or both processes would print it.
        std::io::stdout().flush().expect("flush stdout");

        // SAFETY: the process has a single thread here, so the child may run arbitrary code.
        let pid = unsafe { fork() };
        match pid {
            -1 => panic!("fork failed: {}", std::io::Error::last_os_error()),
            0 => {
                IN_CHILD.store(true, Ordering::SeqCst);
                println!("child exits");
                std::process::exit(0);
            }
            child => {
                let mut status: core::ffi::c_int = 0;
                // SAFETY: `child` is our child process and `status` a valid place to write.
                let waited = unsafe { waitpid(child, &mut status, 0) };
                assert_eq!(
                    waited,
                    child,
                    "waitpid: {}",
                    std::io::Error::last_os_error()
                );
                let exited_normally = status & 0x7f == 0;
                let code = (status >> 8) & 0xff;
                println!("parent: child exited normally={exited_normally} code={code}");
                println!("parent returns from main");
            }
        }
    }
}

/// An object whose destructor panics.
#[derive(Weakrefable)]
struct Grumpy;

impl Drop for Grumpy {
    fn drop(&mut self) {
        println!("grumpy dropped");
        panic!("drop panicked");
    }
}

/// A finalizer whose function holds the last handle to an object whose destructor panics,
/// made after an older finalizer: at exit, the newer one's run ends with that panic.
fn drop_panics_at_exit() {
    let anchor = Obj::new(Holder);
    let _older = finalize(&anchor, || println!("older finalizer"));
    std::mem::forget(anchor);
    let grumpy = Obj::new(Grumpy);
    let captured = grumpy.clone();
    let _newer = finalize(&grumpy, move || {
        let _held: &Grumpy = &captured;
        println!("newer finalizer");
    });
    drop(grumpy);
}

fn main() {
    let scenario = std::env::args().nth(1).unwrap_or_default();
    match scenario.as_str() {
        "atexit_sync" => sync_flavor::cpython_test_atexit(),
        "atexit_unsync" => unsync_flavor::cpython_test_atexit(),
        "mixed_return" => mixed_flavors(),
        "mixed_process_exit" => {
            mixed_flavors();
            println!("calling std::process::exit(0)");
            std::process::exit(0);
        }
        "mixed_explicit" => {
            mixed_flavors();
            run_exit_finalizers();
            println!("run_exit_finalizers returned");
        }
        "process_exit_sync" => sync_flavor::process_exit(),
        "process_exit_unsync" => unsync_flavor::process_exit(),
        "explicit_run" => explicit_run(),
        "thread_end" => thread_end(),
        "drop_panics_at_exit" => drop_panics_at_exit(),
        "drop_panics_explicit_run" => {
            drop_panics_at_exit();
            run_exit_finalizers();
            println!("run_exit_finalizers returned");
        }
        "captures_own_object_sync" => sync_flavor::captures_own_object(),
        "captures_own_object_unsync" => unsync_flavor::captures_own_object(),
        #[cfg(unix)]
        "fork_default" => forking::fork_then_exit(false),
        #[cfg(unix)]
        "fork_opt_in" => forking::fork_then_exit(true),
        other => {
            eprintln!("unknown scenario {other:?}");
            std::process::exit(2);
        }
    }
    println!("main returns");
}
