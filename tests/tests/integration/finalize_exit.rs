//! Checklist section 9 at exit (items 81-84 and 86), watched from
//! outside: every test runs the `exit_finalizers` binary (src/bin/exit_finalizers.rs) with one
//! scenario in a child process and checks its exit status, what it printed, and in which order.
//! Both flavors; CPython's `test_atexit` is reproduced line for line.

use std::process::Command;

/// What a scenario's process did.
struct Run {
    scenario: &'static str,
    success: bool,
    stdout: Vec<String>,
    stderr: String,
}

impl Run {
    fn assert_stdout(&self, expected: &[&str]) {
        assert!(self.success, "{self}");
        assert_eq!(self.stdout, expected, "{self}");
    }

    fn assert_quiet_stderr(&self) {
        assert_eq!(self.stderr, "", "{self}");
    }

    /// The finalizer panics reported by the default unraisable hook, as
    /// `(object's Debug, panic message)`.
    fn unraisable_reports(&self) -> Vec<(String, String)> {
        let lines: Vec<&str> = self.stderr.lines().collect();
        lines
            .windows(2)
            .filter_map(|pair| {
                let object = pair[0].strip_prefix("Exception ignored in: finalizer of ")?;
                let message = pair[1].strip_prefix("panic: ").unwrap_or(pair[1]);
                Some((object.to_owned(), message.to_owned()))
            })
            .collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "scenario {:?} (success: {})\n--- stdout\n{}\n--- stderr\n{}",
            self.scenario,
            self.success,
            self.stdout.join("\n"),
            self.stderr
        )
    }
}

fn run(scenario: &'static str) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_exit_finalizers"))
        .arg(scenario)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the scenario binary starts");
    Run {
        scenario,
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Checks what CPython's `test_atexit` checks, plus where the panic was reported.
fn check_cpython_test_atexit(run: &Run) {
    // Items 81 and 83: newest first, f2 (atexit off) absent, g1 (made by f3 while exit
    // finalizers ran) right after f3; item 84: the global is intact.
    run.assert_stdout(&["main returns", "f4 foobar", "f3 error", "g1", "f1 foobar"]);
    // Item 82: f3's panic is reported, not propagated, and is the only report.
    let reports = run.unraisable_reports();
    assert_eq!(reports.len(), 1, "{run}");
    let (object, message) = &reports[0];
    assert!(object.starts_with("<finalize object at 0x"), "{run}");
    assert!(object.ends_with("; dead>"), "{run}");
    assert_eq!(message, "division by zero", "{run}");
}

// Items 81-84, CPython test_atexit: stdout is ['f4 foobar', 'f3 error', 'g1', 'f1 foobar'] and
// stderr reports the error of f3.
#[test]
fn items_81_to_84_cpython_test_atexit_sync() {
    check_cpython_test_atexit(&run("atexit_sync"));
}

#[test]
fn items_81_to_84_cpython_test_atexit_unsync() {
    check_cpython_test_atexit(&run("atexit_unsync"));
}

// Item 81 (ADAPT): "newest first" is one order over both flavors, since they share one id
// counter; atexit-off finalizers of either flavor are skipped.
#[test]
fn item_81_newest_first_across_both_flavors_when_main_returns() {
    let run = run("mixed_return");
    run.assert_stdout(&["main returns", "unsync 6", "sync 5", "unsync 2", "sync 1"]);
    run.assert_quiet_stderr();
}

#[test]
fn item_81_newest_first_across_both_flavors_on_process_exit() {
    let run = run("mixed_process_exit");
    run.assert_stdout(&[
        "calling std::process::exit(0)",
        "unsync 6",
        "sync 5",
        "unsync 2",
        "sync 1",
    ]);
    run.assert_quiet_stderr();
}

// Item 81 (ADAPT): the same order when `run_exit_finalizers()` is called by hand.
#[test]
fn item_81_newest_first_across_both_flavors_when_called_explicitly() {
    let run = run("mixed_explicit");
    run.assert_stdout(&[
        "unsync 6",
        "sync 5",
        "unsync 2",
        "sync 1",
        "run_exit_finalizers returned",
        "main returns",
    ]);
    run.assert_quiet_stderr();
}

// Item 81 (ADAPT): `std::process::exit` is a normal exit too.
#[test]
fn item_81_process_exit_runs_pending_finalizers_sync() {
    let run = run("process_exit_sync");
    run.assert_stdout(&["calling std::process::exit(0)", "f3", "f1"]);
    run.assert_quiet_stderr();
}

#[test]
fn item_81_process_exit_runs_pending_finalizers_unsync() {
    let run = run("process_exit_unsync");
    run.assert_stdout(&["calling std::process::exit(0)", "f3", "f1"]);
    run.assert_quiet_stderr();
}

// Item 84 (ADAPT): after `run_exit_finalizers()` every finalizer is inert: a pending one
// (atexit off) called or reached by its object's death does nothing, new ones do nothing, and
// neither a second call nor the real exit runs anything.
#[test]
fn item_84_explicit_run_then_every_finalizer_is_inert() {
    let run = run("explicit_run");
    run.assert_stdout(&[
        "before run_exit_finalizers",
        "u2",
        "f1",
        "after: f1.alive=false u2.alive=false",
        "kept.call() = None",
        "kept.alive=false",
        "newer.call() = None",
        "local_newer.call() = None",
        "local_kept.alive=false",
        "end of main",
        "main returns",
    ]);
    run.assert_quiet_stderr();
}

// Item 81 (ADAPT): `unsync` finalizers cannot leave their thread, so those still pending when
// it ends run then; thread-safe ones made on that thread wait for the process to exit.
#[test]
fn item_81_unsync_finalizers_run_when_their_thread_ends() {
    let run = run("thread_end");
    run.assert_stdout(&[
        "thread body ends",
        "thread u3",
        "thread u1",
        "joined",
        "main returns",
        "sync finalizer made on the thread",
    ]);
    run.assert_quiet_stderr();
}

/// Item 86: a function that holds its own object keeps it alive until exit, where the
/// finalizer runs, silently, as in CPython.
fn check_capture(run: &Run) {
    run.assert_stdout(&["main returns", "f ran"]);
    run.assert_quiet_stderr();
}

#[test]
fn item_86_a_function_holding_its_object_runs_at_exit_sync() {
    check_capture(&run("captures_own_object_sync"));
}

#[test]
fn item_86_a_function_holding_its_object_runs_at_exit_unsync() {
    check_capture(&run("captures_own_object_unsync"));
}

/// The panic of the destructor the newer finalizer's run triggers is reported as that
/// finalizer's, and the older finalizer still runs.
fn check_drop_panic(run: &Run, expected: &[&str]) {
    run.assert_stdout(expected);
    let reports = run.unraisable_reports();
    assert_eq!(reports.len(), 1, "{run}");
    assert!(reports[0].0.starts_with("<finalize object at 0x"), "{run}");
    assert_eq!(reports[0].1, "drop panicked", "{run}");
}

// Regression: at exit, a finalizer held a temporary strong handle to its object across the
// function and dropped it outside the panic guard. When that drop was the object's death and
// its destructor panicked, the exit pass ended there: older finalizers never ran, and nothing
// was reported.
#[test]
fn a_destructor_panicking_at_exit_is_reported_and_older_finalizers_still_run() {
    check_drop_panic(
        &run("drop_panics_at_exit"),
        &[
            "main returns",
            "newer finalizer",
            "grumpy dropped",
            "older finalizer",
        ],
    );
}

// Regression: the same through an explicit `run_exit_finalizers()`, which let the panic
// escape into its caller.
#[test]
fn run_exit_finalizers_reports_a_panicking_destructor_instead_of_unwinding() {
    check_drop_panic(
        &run("drop_panics_explicit_run"),
        &[
            "newer finalizer",
            "grumpy dropped",
            "older finalizer",
            "run_exit_finalizers returned",
            "main returns",
        ],
    );
}

// ADAPT (like CPython, whose forked child leaving with `os._exit` runs no finalizers): a forked
// child does not run its parent's exit finalizers, of either flavor, by default.
#[cfg(unix)]
#[test]
fn forked_child_does_not_run_exit_finalizers_by_default() {
    let run = run("fork_default");
    run.assert_stdout(&[
        "child exits",
        "parent: child exited normally=true code=0",
        "parent returns from main",
        "main returns",
        "parent ran u3",
        "parent ran f2",
        "parent ran f1",
    ]);
    run.assert_quiet_stderr();
}

#[cfg(unix)]
#[test]
fn forked_child_runs_exit_finalizers_when_asked() {
    let run = run("fork_opt_in");
    run.assert_stdout(&[
        "previous setting: false",
        "child exits",
        "child ran u3",
        "child ran f2",
        "child ran f1",
        "parent: child exited normally=true code=0",
        "parent returns from main",
        "main returns",
        "parent ran u3",
        "parent ran f2",
        "parent ran f1",
    ]);
    run.assert_quiet_stderr();
}

// The harness itself: an unknown scenario fails, so a typo cannot pass silently.
#[test]
fn unknown_scenario_fails() {
    let run = run("no_such_scenario");
    assert!(!run.success, "{run}");
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("unknown scenario"), "{run}");
}
