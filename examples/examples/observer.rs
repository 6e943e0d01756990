//! The observer pattern without leaks: a subject holds its observers weakly, in a
//! `WeakIdSet<dyn Observer>`, so observers of any type can subscribe, and each one leaves the
//! set the moment it is dropped: the subject never keeps an observer alive and never notifies
//! a dead one. Closures can subscribe too: `weak!` captures their object weakly, so a
//! handler never keeps its widget alive.
//!
//! Callbacks run inside the `drop` of an object's last handle, on the dropping thread: the
//! subject calls its handlers with no lock held (so a handler may drop an observer or
//! subscribe another), and the death callback below only sends a message on a channel
//! instead of taking a lock the dropping code might hold.
//!
//! Run it with `cargo run -p weakref-examples --example observer`.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use weakref_core::{Obj, WeakIdSet, WeakRef, Weakrefable, coerce, weak};

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

/// A widget that handles events with a method, subscribed as a closure.
#[derive(Weakrefable, Default)]
struct StatusBar {
    text: Mutex<String>,
}

impl StatusBar {
    fn show(&self, event: &str) {
        *self.text.lock().unwrap() = event.to_owned();
        println!("    status bar shows {event:?}");
    }
}

/// A subscribed closure.
type Handler = Arc<dyn Fn(&str) + Send + Sync>;

/// The subject: it holds weak references only, compared by identity, so observers need no
/// `Hash` or `Eq`; its closure handlers capture their objects weakly.
#[derive(Default)]
struct Subject {
    observers: WeakIdSet<dyn Observer>,
    handlers: Mutex<Vec<Handler>>,
}

impl Subject {
    fn subscribe(&self, observer: &Obj<dyn Observer>) {
        self.observers.add(observer);
    }

    fn on_event(&self, handler: impl Fn(&str) + Send + Sync + 'static) {
        self.handlers.lock().unwrap().push(Arc::new(handler));
    }

    fn emit(&self, event: &str) {
        // `iter` yields strong handles from a snapshot: an observer may subscribe, or die,
        // while we notify, and the loop never sees a dead one.
        println!("emit {event:?} to {} observer(s)", self.observers.len());
        for observer in &self.observers {
            observer.notify(event);
        }
        // Copy the handlers out and call them with the lock released: a handler may drop the
        // last handle of something whose callbacks use this subject, or subscribe again.
        let handlers = self.handlers.lock().unwrap().clone();
        for handler in handlers {
            handler(event);
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

    // A method as a handler: `weak!` holds the status bar weakly and upgrades it per call;
    // once it is dead the handler does nothing.
    let status = Obj::new(StatusBar::default());
    subject.on_event(weak!(status => move |event: &str| status.show(event)));

    // Learn of a death without touching anything the dropping code may hold: send a message.
    let (left_tx, left_rx) = mpsc::channel();
    let _watch = WeakRef::with_callback(&console, move |_| left_tx.send("console").unwrap());

    subject.emit("started");

    drop(console); // the last handle: it leaves the set at once
    println!("{} left", left_rx.recv().unwrap());
    subject.emit("working");

    drop(status); // its handler stays subscribed but does nothing from now on

    drop(journal_view);
    subject.emit("still there"); // the journal lives on through `journal`
    let lines = journal.lines.lock().unwrap().clone();
    println!("journal holds {lines:?}");

    drop(journal);
    subject.emit("finished");
    assert!(subject.observers.is_empty());
}
