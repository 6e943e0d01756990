//! An event bus holding its subscribers weakly, through a `WeakMethod` or a `weak!` closure
//! each, forgotten once the subscriber is gone. Run: `cargo run -p weakref-examples --example bus`

use std::sync::Mutex;
use weakref_core::{Obj, WeakMethod, Weakrefable, weak};

#[derive(Debug)]
enum Event {
    Saved(&'static str),
    Quit,
}
/// A handler returns `false` once its subscriber is gone, and the bus then forgets it.
type Handler = Box<dyn Fn(&Event) -> bool + Send + Sync>;
#[derive(Default)]
struct Bus(Mutex<Vec<Handler>>);

impl Bus {
    fn subscribe(&self, handler: Handler) {
        self.0.lock().unwrap().push(handler);
    }
    fn publish(&self, event: &Event) {
        // Handlers run with the bus unlocked (they may subscribe); new ones are kept.
        let handlers = std::mem::take(&mut *self.0.lock().unwrap());
        let live: Vec<Handler> = handlers.into_iter().filter(|h| h(event)).collect();
        println!("{event:?} reached {} subscriber(s)", live.len());
        self.0.lock().unwrap().splice(0..0, live);
    }
}

#[derive(Weakrefable)]
struct StatusBar;
impl StatusBar {
    fn show(&self, event: &Event) {
        println!("  status bar shows {event:?}");
    }
}

#[derive(Weakrefable)]
struct Journal(Mutex<Vec<&'static str>>);
fn main() {
    let bus = Bus::default();
    let (status, journal) = (Obj::new(StatusBar), Obj::new(Journal(Mutex::default())));
    let show = WeakMethod::new(&status, StatusBar::show);
    bus.subscribe(Box::new(move |event| show.call((event,)).is_some()));
    bus.subscribe(Box::new(
        weak!(journal; else false => |event: &Event| -> bool {
            if let Event::Saved(file) = event {
                journal.0.lock().unwrap().push(file);
            }
            true
        }),
    ));
    bus.publish(&Event::Saved("notes.txt"));
    drop(status); // the status bar closes: its handler goes with it, nothing to unsubscribe
    bus.publish(&Event::Saved("todo.txt"));
    println!("journal: {:?}", journal.0.lock().unwrap());
    drop(journal);
    bus.publish(&Event::Quit);
}
