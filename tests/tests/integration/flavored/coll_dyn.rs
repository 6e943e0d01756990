// Trait objects in weak collections: elements, keys and values of type `dyn Trait`, by
// identity for any trait and by value for trait objects that are `Hash + Eq`. `Flavor` names
// the flavor under test (the including module defines it), so that the traits ask of their
// implementors what that flavor's collections need.

use weakref_core::coerce;
use weakref_core::flavor::{SendIf, SyncIf};

/// Something notified of events: observers of several types share one collection.
trait Observer: wr::Weakrefable + SendIf<Flavor> + SyncIf<Flavor> {
    fn notify(&self, event: &str);
    fn name(&self) -> String;
}

/// An observer that records its events in a log it shares with the test.
#[derive(wr::Weakrefable)]
struct Recorder {
    id: u32,
    log: Arc<Mutex<Vec<String>>>,
}

impl Observer for Recorder {
    fn notify(&self, event: &str) {
        self.log
            .lock()
            .unwrap()
            .push(format!("recorder {}: {event}", self.id));
    }

    fn name(&self) -> String {
        format!("recorder {}", self.id)
    }
}

/// An observer of another type, that only counts its events.
#[derive(wr::Weakrefable, Default)]
struct Tally {
    hits: AtomicUsize,
}

impl Observer for Tally {
    fn notify(&self, _: &str) {
        self.hits.fetch_add(1, SeqCst);
    }

    fn name(&self) -> String {
        "tally".into()
    }
}

fn recorder(id: u32, log: &Arc<Mutex<Vec<String>>>) -> Obj<Recorder> {
    Obj::new(Recorder {
        id,
        log: Arc::clone(log),
    })
}

/// Notifies every live observer of `set`, the way an observer list is used.
fn broadcast(set: &WeakIdSet<dyn Observer>, event: &str) -> usize {
    let mut notified = 0;
    for observer in set {
        observer.notify(event);
        notified += 1;
    }
    notified
}

#[test]
fn dyn_weakidset_notifies_observers_of_two_types_each_leaving_when_dropped() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let observers: WeakIdSet<dyn Observer> = WeakIdSet::new();
    let first = recorder(1, &log);
    let second = recorder(2, &log);
    let tally = Obj::new(Tally::default());
    let views: [Obj<dyn Observer>; 3] = [
        coerce!(first.clone()),
        coerce!(second.clone()),
        coerce!(tally.clone()),
    ];
    for observer in views {
        assert!(observers.add(&observer));
    }
    // The coerced handles were temporaries: the set holds the objects weakly, through the
    // concrete handles that are still alive.
    assert_eq!(observers.len(), 3);
    assert_eq!(getweakrefcount(&first), 1, "one weak reference per entry");

    // The recorders die one per round, each leaving the set at once; `tally` stays.
    let mut recorders = vec![first, second];
    for round in 0..4 {
        let notified = broadcast(&observers, &format!("tick {round}"));
        assert_eq!(notified, recorders.len() + 1);
        if !recorders.is_empty() {
            drop(recorders.remove(0));
        }
        assert_eq!(observers.len(), recorders.len() + 1);
    }
    assert_eq!(observers.iter().next().unwrap().name(), "tally");
    assert_eq!(tally.hits.load(SeqCst), 4, "notified in every round");
    let mut lines = log.lock().unwrap().clone();
    lines.sort();
    assert_eq!(
        lines,
        [
            "recorder 1: tick 0",
            "recorder 2: tick 0",
            "recorder 2: tick 1",
        ]
    );
    drop(tally);
    assert!(observers.is_empty());
    assert_eq!(broadcast(&observers, "nobody"), 0);
}

#[test]
fn dyn_object_inserted_through_its_concrete_handle_is_found_through_its_dyn_handle() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let concrete = recorder(7, &log);
    let observers: WeakIdSet<dyn Observer> = WeakIdSet::new();
    // Inserted through a view made from the concrete handle...
    assert!(observers.add(&coerce!(concrete.clone())));
    // ...found through another view of the same object, made separately, and through the
    // concrete value itself (`&Recorder` coerced to `&dyn Observer` at the call).
    let dynamic: Obj<dyn Observer> = coerce!(concrete.clone());
    assert!(observers.contains(&*dynamic));
    assert!(observers.contains(&*concrete));
    assert!(
        !observers.add(&dynamic),
        "the same object is already a member"
    );
    let weak: WeakRef<dyn Observer> = coerce!(WeakRef::new(&concrete));
    assert!(observers.contains(&*weak.upgrade().unwrap()));
    // Another object of the same type, however similar, is another element.
    let twin = recorder(7, &log);
    assert!(!observers.contains(&*twin));
    assert!(observers.add(&coerce!(twin.clone())));
    assert_eq!(observers.len(), 2);
    assert!(observers.discard(&*dynamic));
    assert!(!observers.contains(&*concrete));
    drop(twin);
    assert!(observers.is_empty());

    // The same for identity-keyed dictionaries.
    let names: WeakIdKeyDictionary<dyn Observer, &str> = WeakIdKeyDictionary::new();
    assert_eq!(names.insert(&coerce!(concrete.clone()), "seven"), None);
    assert_eq!(names.get(&*dynamic), Some("seven"));
    assert_eq!(names.get(&*concrete), Some("seven"));
    assert_eq!(names.insert(&dynamic, "still seven"), Some("seven"));
    assert_eq!(names.len(), 1);
    let (key, value) = names.iter().next().unwrap();
    assert!(std::ptr::addr_eq(Obj::as_ptr(&key), Obj::as_ptr(&concrete)));
    assert_eq!(value, "still seven");
    drop((key, dynamic, weak, concrete));
    assert!(names.is_empty());
}

#[test]
fn dyn_values_of_several_types_in_a_weakvaluedictionary() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let rec: Obj<dyn Observer> = coerce!(recorder(1, &log));
    let tally: Obj<dyn Observer> = coerce!(Obj::new(Tally::default()));
    let d: WeakValueDictionary<&str, dyn Observer> = WeakValueDictionary::new();
    d.insert("rec", &rec);
    d.insert("tally", &tally);
    assert_eq!(d.get("rec").unwrap().name(), "recorder 1");
    assert!(Obj::ptr_eq(&d.get("tally").unwrap(), &tally));
    for value in d.values() {
        value.notify("hello");
    }
    assert_eq!(*log.lock().unwrap(), ["recorder 1: hello"]);
    let mut keys: Vec<&str> = d.keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["rec", "tally"]);
    let refs = d.valuerefs();
    assert_eq!(refs.len(), 2);
    let tally_ref = refs.iter().find(|r| *r.key() == "tally").unwrap();
    assert!(
        tally_ref.callback_pending(),
        "the entry's own weak reference"
    );
    assert_eq!(getweakrefcount(&tally), 1);
    let copy = d.clone();
    assert_eq!(getweakrefcount(&tally), 2, "a copy has its own entries");
    drop(tally);
    assert!(tally_ref.upgrade().is_none());
    assert_eq!((d.len(), copy.len()), (1, 1));
    assert_eq!(d.setdefault("tally", &rec).name(), "recorder 1");
    drop(refs);
    assert_eq!(d.len(), 2);
    drop(rec);
    assert!(d.is_empty() && copy.is_empty());
}

/// A trait whose objects compare by value: its trait object is `Hash + Eq` through `label`.
trait Labelled: wr::Weakrefable + SendIf<Flavor> + SyncIf<Flavor> {
    fn label(&self) -> &str;
}

impl PartialEq for dyn Labelled {
    fn eq(&self, other: &Self) -> bool {
        self.label() == other.label()
    }
}

impl Eq for dyn Labelled {}

impl Hash for dyn Labelled {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.label().hash(state);
    }
}

#[derive(wr::Weakrefable)]
struct Colour(&'static str);

impl Labelled for Colour {
    fn label(&self) -> &str {
        self.0
    }
}

#[derive(wr::Weakrefable)]
struct Owned(String);

impl Labelled for Owned {
    fn label(&self) -> &str {
        &self.0
    }
}

#[test]
fn dyn_elements_and_keys_by_value() {
    let red: Obj<dyn Labelled> = coerce!(Obj::new(Colour("red")));
    let also_red: Obj<dyn Labelled> = coerce!(Obj::new(Owned("red".into())));
    let blue: Obj<dyn Labelled> = coerce!(Obj::new(Owned("blue".into())));

    let set: WeakSet<dyn Labelled> = WeakSet::new();
    assert!(set.add(&red));
    assert!(
        !set.add(&also_red),
        "equal by value, though of another type: the first wins"
    );
    assert!(set.add(&blue));
    assert!(
        set.contains(&Colour("blue")),
        "an equal value that is not an object"
    );
    assert!(set.contains(&*also_red));
    let other: WeakSet<dyn Labelled> = [&also_red, &blue].into_iter().collect();
    assert!(set == other, "members compare by value");
    assert_eq!(set.intersection([&also_red]).len(), 1);
    assert!(set.remove(&Owned("red".into())).is_ok());
    assert!(!set.contains(&*red));
    assert!(set.add(&also_red));

    let meta: WeakKeyDictionary<dyn Labelled, u32> = WeakKeyDictionary::new();
    assert_eq!(meta.insert(&red, 1), None);
    assert_eq!(
        meta.insert(&also_red, 2),
        Some(1),
        "an equal key replaces the value"
    );
    assert_eq!(meta.get(&Colour("red")), Some(2));
    let (key, _) = meta.iter().next().unwrap();
    assert!(Obj::ptr_eq(&key, &red), "the first key object stays");
    drop(key);
    drop(red);
    assert!(meta.is_empty(), "the entry died with its original key");
    assert_eq!(set.len(), 2, "the set's member was `also_red`");
    drop((also_red, blue));
    assert!(set.is_empty() && other.is_empty());
}
