//! The observer pattern without leaks: a subject holds its observers weakly, in a
//! `WeakIdSet<dyn Observer>`, so observers of any type can subscribe, and each one leaves the
//! set the moment it is dropped: the subject never keeps an observer alive and never notifies
//! a dead one.
//!
//! Run it with `cargo run -p weakref-examples --example observer`.

use std::sync::Mutex;

use weakref_core::{Obj, WeakIdSet, Weakrefable, coerce};

/// Anything that wants to hear about events. `Weakrefable` as a supertrait makes
/// `dyn Observer` weakly referenceable; `Send + Sync` let the thread-safe flavor share it.
trait Observer: Weakrefable + Send + Sync {
    fn notify(&self, event: &str);
}

/// An observer that prints what it hears.
#[derive(Weakrefable)]
struct Console {
    name: &'static str,
}

impl Observer for Console {
    fn notify(&self, event: &str) {
        println!("    {} prints {event:?}", self.name);
    }
}

/// An observer that keeps what it hears.
#[derive(Weakrefable, Default)]
struct Journal {
    lines: Mutex<Vec<String>>,
}

impl Observer for Journal {
    fn notify(&self, event: &str) {
        self.lines.lock().unwrap().push(event.to_owned());
        println!("    journal records {event:?}");
    }
}

/// The subject: it holds weak references only, compared by identity, so observers need no
/// `Hash` or `Eq`.
#[derive(Default)]
struct Subject {
    observers: WeakIdSet<dyn Observer>,
}

impl Subject {
    fn subscribe(&self, observer: &Obj<dyn Observer>) {
        self.observers.add(observer);
    }

    fn emit(&self, event: &str) {
        // `iter` yields strong handles from a snapshot: an observer may subscribe, or die,
        // while we notify, and the loop never sees a dead one.
        println!("emit {event:?} to {} observer(s)", self.observers.len());
        for observer in &self.observers {
            observer.notify(event);
        }
    }
}

fn main() {
    let subject = Subject::default();

    let console: Obj<dyn Observer> = coerce!(Obj::new(Console { name: "console" }));
    let journal = Obj::new(Journal::default());
    // The journal is also kept as its own type, to read its lines at the end; both handles
    // share one object.
    let journal_view: Obj<dyn Observer> = coerce!(journal.clone());
    subject.subscribe(&console);
    subject.subscribe(&journal_view);
    subject.subscribe(&journal_view); // a set: subscribing twice changes nothing

    subject.emit("started");

    drop(console); // the last handle: it leaves the set at once
    subject.emit("working");

    drop(journal_view);
    subject.emit("still there"); // the journal lives on through `journal`
    let lines = journal.lines.lock().unwrap().clone();
    println!("journal holds {lines:?}");

    drop(journal);
    subject.emit("finished");
    assert!(subject.observers.is_empty());
}
