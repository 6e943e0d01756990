//! A death cannot overflow the stack, in any phase of a thread's or the process's life: each
//! test runs the `deep_chains` binary (src/bin/deep_chains.rs) with one scenario in a child
//! process, where a 1,000,000-link chain dies on a thread with a 2 MiB stack, and checks that
//! the process exited normally after the innermost link died.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generous: a chain takes well under a second to build and drop, even in a debug build.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a scenario; returns its standard output, or panics with what went wrong (a crash, such
/// as a stack overflow's SIGSEGV, a hang, a failure).
fn run(scenario: &str) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_deep_chains"))
        .arg(scenario)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the scenario binary starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("scenario {scenario:?} hung for {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        status.success(),
        "scenario {scenario:?} ended with {status}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn a_plain_drop() {
    assert_eq!(run("drop"), ["innermost link died", "done"]);
}

// Regression: the trashcan queued deep deaths in a thread-local of its own; a chain dying in
// a thread-local destroyed after it recursed once per link and overflowed the stack.
#[test]
fn in_a_thread_local_destructor() {
    assert_eq!(
        run("thread_local"),
        ["innermost link died", "innermost link died", "done"]
    );
}

// Regression: the same at process exit, in an exit finalizer (the exiting thread's
// thread-locals are destroyed before the exit handlers run).
#[test]
fn in_an_exit_finalizer() {
    assert_eq!(
        run("exit_finalizer"),
        ["innermost link died", "innermost link died"]
    );
}

// Regression: `exit` called from inside a death left the trashcan's depth above zero, so the
// exit-time deaths past the bound were queued for a frame that never resumes, and never ran.
#[test]
fn at_exit_called_from_inside_a_death() {
    assert_eq!(run("exit_inside_a_death"), ["innermost link died"]);
}

// The same path serves `unsync` finalizers run when their thread ends.
#[test]
fn in_an_unsync_finalizer_at_thread_end() {
    assert_eq!(
        run("thread_end"),
        ["innermost link died", "innermost link died", "done"]
    );
}
