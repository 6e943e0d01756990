//! Deep ownership chains dying in every phase of a thread's and the process's life, each run
//! in a process of its own by `tests/integration/deep_chains.rs`.
//!
//! `deep_chains <scenario>` builds a chain of `LINKS` objects, each owning the next, whose
//! innermost link has a weak-reference callback, and arranges for the chain's head to be
//! dropped at the moment the scenario names, always on a thread with a 2 MiB stack: a death
//! that recursed once per link would overflow it. The process prints `innermost link died`
//! when the last death finished, then `done` if the scenario ends normally.

use std::cell::RefCell;
use std::io::Write as _;
use std::thread;

use weakref_core::{Obj, WeakRef, Weakrefable, finalize, unsync};

/// Links per chain: far more deaths than a 2 MiB stack holds frames for.
const LINKS: usize = 1_000_000;

/// The stack of every thread that drops a chain.
const STACK: usize = 2 << 20;

/// A link owning the next one.
#[derive(Weakrefable)]
struct Link {
    _next: Option<Obj<Link>>,
}

/// The `unsync` flavor's link.
#[derive(Weakrefable)]
struct LocalLink {
    _next: Option<unsync::Obj<LocalLink>>,
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A chain of `LINKS` links; the innermost one reports its death. The returned reference
/// keeps that report registered.
fn chain() -> (Obj<Link>, WeakRef<Link>) {
    let innermost = Obj::new(Link { _next: None });
    let watch = WeakRef::with_callback(&innermost, |_| say("innermost link died"));
    let mut head = innermost;
    for _ in 0..LINKS {
        head = Obj::new(Link { _next: Some(head) });
    }
    (head, watch)
}

/// The same in the `unsync` flavor.
fn local_chain() -> (unsync::Obj<LocalLink>, unsync::WeakRef<LocalLink>) {
    let innermost = unsync::Obj::new(LocalLink { _next: None });
    let watch = unsync::WeakRef::with_callback(&innermost, |_| say("innermost link died"));
    let mut head = innermost;
    for _ in 0..LINKS {
        head = unsync::Obj::new(LocalLink { _next: Some(head) });
    }
    (head, watch)
}

thread_local! {
    static HELD: RefCell<Option<Obj<Link>>> = const { RefCell::new(None) };
}

/// Runs `body` on a thread with a 2 MiB stack and waits for it.
fn on_small_stack(body: impl FnOnce() + Send + 'static) {
    thread::Builder::new()
        .stack_size(STACK)
        .spawn(body)
        .expect("the thread starts")
        .join()
        .expect("the thread ends normally");
}

fn main() {
    let scenario = std::env::args().nth(1).expect("a scenario name");
    match scenario.as_str() {
        // A plain drop, for reference.
        "drop" => on_small_stack(|| {
            let (head, watch) = chain();
            drop(head);
            drop(watch);
        }),
        // The chain is held by a thread-local registered before any deep death happened on
        // the thread, and dies when the thread's thread-locals are destroyed.
        "thread_local" => on_small_stack(|| {
            let (head, watch) = chain();
            HELD.with(|held| *held.borrow_mut() = Some(head));
            // A deep death now, so that whatever it sets up comes after `HELD`.
            drop(chain());
            std::mem::forget(watch);
        }),
        // An exit finalizer drops the chain while the process exits (called from a thread
        // with a small stack, which is where the exit handlers then run, after that thread's
        // thread-locals were destroyed).
        "exit_finalizer" => on_small_stack(|| {
            drop(chain()); // a deep death first
            let (head, watch) = chain();
            std::mem::forget(watch);
            let anchor = Obj::new(Link { _next: None });
            let mut head = Some(head);
            let _cleanup = finalize(&anchor, move || drop(head.take()));
            std::mem::forget(anchor);
            std::process::exit(0);
        }),
        // As above, but `exit` is called from inside a death (a weak-reference callback),
        // whose trashcan frame never resumes.
        "exit_inside_a_death" => on_small_stack(|| {
            let (head, watch) = chain();
            std::mem::forget(watch);
            let anchor = Obj::new(Link { _next: None });
            let mut head = Some(head);
            let _cleanup = finalize(&anchor, move || drop(head.take()));
            std::mem::forget(anchor);
            let trigger = Obj::new(Link { _next: None });
            let _exit = WeakRef::with_callback(&trigger, |_| std::process::exit(0));
            drop(trigger);
            unreachable!("the callback exits");
        }),
        // An `unsync` finalizer drops the chain when its thread ends.
        "thread_end" => on_small_stack(|| {
            drop(local_chain()); // a deep death first
            let (head, watch) = local_chain();
            std::mem::forget(watch);
            let anchor = unsync::Obj::new(LocalLink { _next: None });
            let mut head = Some(head);
            let _cleanup = unsync::finalize(&anchor, move || drop(head.take()));
            std::mem::forget(anchor);
        }),
        other => panic!("unknown scenario {other:?}"),
    }
    say("done");
}
