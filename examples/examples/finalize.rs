//! Cleanup that runs exactly once: when the object dies, when asked, or at exit.
//!
//! `weakref.finalize` in Rust: a temporary directory removes itself when the last handle to it
//! drops, an explicit `call()` runs the cleanup early, `detach()` cancels it, and a finalizer
//! whose object is still alive at the end of `main` runs as the process exits.
//!
//! Run with `cargo run -p weakref-examples --example finalize`.

use weakref_core::{Obj, Weakrefable, finalize};

/// A resource that needs cleanup beyond freeing memory.
#[derive(Weakrefable)]
struct TempDir {
    path: String,
}

fn remove(path: &str) {
    println!("    removing {path}");
}

fn main() {
    println!("1. The finalizer runs when its object dies, even with no handle kept.");
    let dir = Obj::new(TempDir {
        path: "/tmp/build-1".into(),
    });
    // Capture a copy of what the cleanup needs, never `dir` itself: that would keep it alive.
    let path = dir.path.clone();
    drop(finalize(&dir, move || remove(&path)));
    println!("    dropping the last handle to {}", dir.path);
    drop(dir);

    println!("\n2. call() runs it now and returns its result; later calls do nothing.");
    let dir = Obj::new(TempDir {
        path: "/tmp/build-2".into(),
    });
    let path = dir.path.clone();
    let cleanup = finalize(&dir, move || {
        remove(&path);
        "removed"
    });
    println!("    call() -> {:?}", cleanup.call());
    println!("    call() -> {:?}", cleanup.call());
    println!("    alive: {}, {cleanup:?}", cleanup.alive());
    drop(dir);

    println!("\n3. detach() cancels it and hands back the object and the function.");
    let dir = Obj::new(TempDir {
        path: "/tmp/keep-me".into(),
    });
    let path = dir.path.clone();
    let cleanup = finalize(&dir, move || remove(&path));
    let (object, _function) = cleanup.detach().expect("still pending");
    println!(
        "    detached from {}; dropping it removes nothing",
        object.path
    );
    drop((dir, object));

    println!("\n4. A finalizer still pending when main returns runs at exit.");
    let dir = Obj::new(TempDir {
        path: "/tmp/session".into(),
    });
    let path = dir.path.clone();
    let at_exit = finalize(&dir, move || remove(&path));
    println!("    atexit: {}", at_exit.atexit());
    // Leak `dir`, as a program-lifetime object would be: it never dies, so only exit runs it.
    std::mem::forget(dir);
    println!("    main returns now");
}
