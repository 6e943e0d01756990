// Types and helpers for the flavored tests. This file is `include!`d into one module per
// flavor, where `wr` names the flavor under test (`weakref_core` or `weakref_core::unsync`).
// Assertions never go inside callbacks (a panic there is caught and reported, not failed):
// callbacks record what they see and the test asserts afterwards.

use std::any::type_name;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use crate::support::{capture_unraisable, reports};

/// A plain referent, compared and hashed by value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, wr::Weakrefable)]
struct Node(u32);

/// A referent that counts its drops.
#[derive(wr::Weakrefable)]
struct Tracked {
    drops: Arc<AtomicUsize>,
}

impl Tracked {
    fn new(drops: &Arc<AtomicUsize>) -> Self {
        Self {
            drops: Arc::clone(drops),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(SeqCst)
}

/// What callbacks saw, in the order they saw it.
type Log = Arc<Mutex<Vec<String>>>;

fn new_log() -> Log {
    Log::default()
}

fn push(log: &Log, entry: impl Into<String>) {
    log.lock().unwrap().push(entry.into());
}

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// A callback that appends `tag` to `log`.
fn tag<T: 'static>(log: &Log, tag: &'static str) -> impl FnOnce(&wr::WeakRef<T>) + Send + 'static {
    let log = Arc::clone(log);
    move |_| push(&log, tag)
}

/// A callback that adds one to `calls`.
fn tally<T: 'static>(calls: &Arc<AtomicUsize>) -> impl FnOnce(&wr::WeakRef<T>) + Send + 'static {
    let calls = Arc::clone(calls);
    move |_| {
        calls.fetch_add(1, SeqCst);
    }
}

/// A callback that does nothing (the same function for every reference).
fn noop<T>(_: &wr::WeakRef<T>) {}

fn hash_of<H: Hash + ?Sized>(value: &H) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}
