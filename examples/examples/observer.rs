//! The observer pattern without leaks: a subject notifies observers it holds weakly, and each
//! observer unregisters itself, through a weak-reference callback, the moment it is dropped.
//!
//! Run it with `cargo run -p weakref-examples --example observer`.

use std::sync::{Arc, Mutex};

use weakref_core::{Obj, WeakRef, Weakrefable};

/// An observer: anything that wants to hear about events.
#[derive(Weakrefable)]
struct Logger {
    name: &'static str,
}

impl Logger {
    fn notify(&self, event: &str) {
        println!("    {} got {event:?}", self.name);
    }
}

/// The subject keeps weak references only, so it never keeps an observer alive.
#[derive(Default)]
struct Subject {
    observers: Arc<Mutex<Vec<WeakRef<Logger>>>>,
}

impl Subject {
    fn attach(&self, observer: &Obj<Logger>) {
        let observers = Arc::downgrade(&self.observers);
        let weak = WeakRef::with_callback(observer, move |dead: &WeakRef<Logger>| {
            // Runs when the observer dies: remove exactly this reference.
            if let Some(observers) = observers.upgrade() {
                observers.lock().unwrap().retain(|r| !r.ptr_eq(dead));
                println!("    (an observer died and unregistered itself)");
            }
        });
        self.observers.lock().unwrap().push(weak);
    }

    fn emit(&self, event: &str) {
        // Upgrade under the lock, notify outside it: an observer may attach or die meanwhile.
        let alive: Vec<Obj<Logger>> = self
            .observers
            .lock()
            .unwrap()
            .iter()
            .filter_map(WeakRef::upgrade)
            .collect();
        println!("emit {event:?} to {} observer(s)", alive.len());
        for observer in alive {
            observer.notify(event);
        }
    }
}

fn main() {
    let subject = Subject::default();
    let console = Obj::new(Logger { name: "console" });
    let file = Obj::new(Logger { name: "file" });
    subject.attach(&console);
    subject.attach(&file);

    subject.emit("started");
    drop(file);
    subject.emit("working");
    println!(
        "observers registered: {}",
        subject.observers.lock().unwrap().len()
    );
    drop(console);
    subject.emit("finished");
}
