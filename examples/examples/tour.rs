//! A tour of weak references: Python's `weakref.ref`, callbacks, their order,
//! `getweakrefcount`/`getweakrefs`, in both flavors, and `weakref.proxy`.
//!
//! Run it with `cargo run -p weakref-examples --example tour`.

use std::sync::{Arc, Mutex};

use weakref_core::{Obj, WeakRef, Weakrefable, getweakrefcount, getweakrefs};

/// Something worth referring to weakly. `proxy` asks the derive for `DocumentProxy`, the
/// proxy wrapper with an accessor per field.
#[derive(Debug, Weakrefable)]
#[weakref(proxy)]
struct Document {
    title: String,
}

/// `#[forward]` adds these methods to `DocumentProxy`.
#[weakref_core::forward]
impl Document {
    fn words(&self) -> usize {
        self.title.split_whitespace().count()
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        println!("    (Document {:?} dropped)", self.title);
    }
}

fn main() {
    println!("1. A weak reference does not keep its object alive.");
    let doc = Obj::new(Document {
        title: "notes".into(),
    });
    let weak = WeakRef::new(&doc);
    println!("    {weak:?}");
    println!(
        "    upgrade -> {:?}",
        weak.upgrade().map(|d| d.title.clone())
    );
    drop(doc);
    println!("    after drop: upgrade -> {:?}", weak.upgrade().is_some());
    println!("    {weak:?}");

    println!(
        "\n2. Callbacks run when the object dies, newest first, after every reference is cleared."
    );
    let log = Arc::new(Mutex::new(Vec::new()));
    let doc = Obj::new(Document {
        title: "report".into(),
    });
    let plain = WeakRef::new(&doc);
    let mut watchers = Vec::new();
    for name in ["first", "second", "third"] {
        let log = Arc::clone(&log);
        let plain = plain.clone();
        watchers.push(WeakRef::with_callback(&doc, move |dead| {
            log.lock().unwrap().push(name);
            println!(
                "    callback {name}: its ref is dead: {}, the plain ref is dead: {}",
                !dead.is_alive(),
                plain.upgrade().is_none()
            );
        }));
    }
    println!("    getweakrefcount = {}", getweakrefcount(&doc));
    let order: Vec<bool> = getweakrefs(&doc)
        .iter()
        .map(|r| r.callback_pending())
        .collect();
    println!("    getweakrefs: shared ref first, then newest first; has callback: {order:?}");
    drop(doc);
    println!("    ran: {:?}", log.lock().unwrap());

    println!("\n3. A reference dropped before its object dies never calls back.");
    let doc = Obj::new(Document {
        title: "draft".into(),
    });
    let forgotten = WeakRef::with_callback(&doc, |_| println!("    (never printed)"));
    drop(forgotten);
    drop(doc);

    println!("\n4. A panicking callback is reported, and the others still run.");
    weakref_core::set_unraisable_hook(Box::new(|report| {
        println!(
            "    reported: {} panicked with {:?}",
            report.what(),
            report.message()
        );
    }));
    let doc = Obj::new(Document {
        title: "fragile".into(),
    });
    let _calm = WeakRef::with_callback(&doc, |_| println!("    the older callback still runs"));
    let _angry = WeakRef::with_callback(&doc, |_| panic!("disk full"));
    std::panic::set_hook(Box::new(|_| {})); // keep the demo's output tidy
    drop(doc);
    drop(std::panic::take_hook());
    drop(weakref_core::take_unraisable_hook());

    println!("\n5. The unsync flavor: the same API without atomics; callbacks may capture Rc.");
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let doc = weakref_core::unsync::Obj::new(Document {
        title: "local".into(),
    });
    let counter = std::rc::Rc::clone(&seen);
    let _watch =
        weakref_core::unsync::WeakRef::with_callback(&doc, move |_| counter.set(counter.get() + 1));
    drop(doc);
    println!("    callbacks run: {}", seen.get());

    println!("\n6. A proxy uses the object as if it held it, without keeping it alive.");
    let doc = Obj::new(Document {
        title: "proxy for the notes".into(),
    });
    let p = weakref_core::proxy(&doc); // a `DocumentProxy`
    println!("    {p:?}");
    println!(
        "    p.title() -> {:?}",
        p.title().map(|title| title.clone())
    );
    println!("    p.words() -> {:?}", p.words());
    let listed = getweakrefs(&doc);
    println!(
        "    getweakrefcount = {}, getweakrefs lists it: is_proxy = {}",
        getweakrefcount(&doc),
        listed[0].is_proxy()
    );
    drop(listed);
    drop(doc);
    println!("    after drop: p.words() -> {:?}", p.words());
    match p.title() {
        Ok(title) => println!("    unexpected: {title}"),
        Err(error) => println!("    p.title() -> Err: {error}"),
    }
    println!("    {p:?}");
}
