//! Nothing is dropped under a collection's lock, on any panic path: when a key's `Eq`, a key's
//! `Clone` or a value's `Clone` panics inside a locked section, whatever the operation made or
//! took so far (clones, the value to store, temporaries) is dropped after the lock is released,
//! so its destructor may use the same collection.
//!
//! Dropped under the lock, such a destructor deadlocks the thread-safe flavor and, in `unsync`,
//! panics while the first panic unwinds, which aborts the process. So each scenario runs in a
//! child process (this test binary, re-run on the one test with `WEAKREF_DROP_SCENARIO` set),
//! and the parent fails the test if the child does not exit successfully within a time limit.
//! (Under Miri, which cannot start processes, each scenario runs in the test itself.)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that tells a re-run test binary to run the scenario in-process.
const SCENARIO_VAR: &str = "WEAKREF_DROP_SCENARIO";

/// Runs `scenario` in a child process as the test at `path` (`crate::module::name`, from
/// `module_path!`), or, in that child, runs it here.
fn in_child(path: &str, scenario: impl FnOnce()) {
    // Test names leave out the crate's.
    let test = path.split_once("::").map_or(path, |(_, test)| test);
    // Miri cannot start processes; it reports a deadlock or an abort itself (failing the whole
    // run rather than the one test).
    if cfg!(miri) || std::env::var(SCENARIO_VAR).as_deref() == Ok(test) {
        scenario();
        return;
    }
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(SCENARIO_VAR, test)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary starts again");
    let limit = Duration::from_secs(30);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if started.elapsed() > limit {
            child.kill().expect("the child can be killed");
            let _ = child.wait();
            panic!(
                "{test}: no exit after {limit:?}: deadlock (something was dropped under the \
                 collection's lock and its destructor used the collection)"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().expect("the child's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        status.success(),
        "{test}: the child failed ({status}): aborted if something was dropped under the \
         lock and used the collection while unwinding\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "{test}: the child did not run the scenario\n--- stdout\n{stdout}"
    );
}

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    include!("flavored/coll_drop_after_lock.rs");
}

/// The single-threaded flavor.
mod unsync {
    use weakref_core::unsync as wr;

    include!("flavored/coll_drop_after_lock.rs");
}
