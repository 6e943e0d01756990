//! The integration tests of `weakref-core`, one module per subject, in one test binary (one
//! link and one copy of the library's generic code, instead of one per file).
//!
//! They share the process: a test that installs an unraisable hook holds the lock in
//! `support` while it does, no test calls `run_exit_finalizers` in-process (the exit pass runs
//! in child processes: `finalize_exit`, `deep_chains`), and the conformance test, which keeps a
//! hook of its own installed, is a binary of its own (`tests/conformance/`).

mod support;

mod collections;
mod collections_drop_after_lock;
mod collections_stress;
mod collections_unwind;
mod deep_chains;
mod derive;
mod dyn_objects;
mod finalize;
mod finalize_exit;
mod finalize_thread_end;
mod idioms;
mod proxies;
mod refs;
mod threads;
mod trashcan;
// Not under Miri (trybuild runs rustc, which Miri cannot) nor ThreadSanitizer, so that neither
// builds trybuild.
#[cfg(not(any(miri, weakref_tsan)))]
mod ui;
