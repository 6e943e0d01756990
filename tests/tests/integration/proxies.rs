//! Checklist section 5 (proxies, items 38-50) and the ordering, counting and callback items
//! proxies take part in, each test run against both flavors: `sync` (the crate root) and
//! `unsync`. Below them, what only one flavor or the derive itself has to show: threads, the
//! wrapper of generic types, `#[forward]` on generic impls, the `crate` path, and proxies of
//! types that implement `Weakrefable` by hand.

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    include!("flavored/proxies.rs");
}

/// The single-threaded flavor.
mod unsync {
    use weakref_core::unsync as wr;

    include!("flavored/proxies.rs");
}

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Barrier};
use std::thread;

use weakref_core::unsync as local;
use weakref_core::{
    FieldRef, Obj, Proxied, ProxyAccess, ReferenceError, WeakProxy, Weakrefable, forward, proxy,
};

/// Threads per race.
const THREADS: usize = if cfg!(miri) { 2 } else { 8 };
/// Rounds per race.
const ROUNDS: usize = if cfg!(miri) { 3 } else { 200 };

/// A thread-safe referent.
#[derive(Weakrefable)]
#[weakref(proxy)]
pub struct Sensor {
    /// The last value read.
    pub reading: AtomicU64,
}

#[forward]
impl Sensor {
    /// The last value read.
    pub fn read(&self) -> u64 {
        self.reading.load(SeqCst)
    }

    /// The values up to the last one read: an `impl Trait` that captures nothing from `self`
    /// (`use<>`), so it can be forwarded.
    pub fn values(&self) -> impl Iterator<Item = u64> + use<> {
        0..self.read()
    }

    /// Compiled out: its forwarder must be compiled out with it.
    #[cfg(any())]
    pub fn missing(&self) -> u64 {
        self.not_a_field
    }
}

/// A public type with a private field and a public getter of the same name: the field is less
/// visible than the type, so it gets no accessor, and the forwarded getter is the only `level`.
#[derive(Weakrefable)]
#[weakref(proxy)]
pub struct Gauge {
    level: AtomicU64,
}

#[forward]
impl Gauge {
    /// The level.
    pub fn level(&self) -> u64 {
        self.level.load(SeqCst)
    }
}

/// A raw identifier as a field name.
#[derive(Weakrefable)]
#[weakref(proxy)]
pub struct Tagged {
    /// The tag.
    pub r#type: &'static str,
}

fn assert_send_sync<T: Send + Sync>() {}

// Proxies are `Send + Sync` exactly when the thread-safe `WeakRef` is (`T: Send + Sync`), and so
// are their wrappers; the `unsync` ones never are (tests/ui covers the negative cases of the
// `unsync` flavor as a whole).
#[test]
fn proxies_are_send_and_sync() {
    assert_send_sync::<WeakProxy<Sensor>>();
    assert_send_sync::<SensorProxy>();
    assert_send_sync::<FieldRef<Obj<Sensor>, AtomicU64>>();
    assert_send_sync::<ReferenceError>();
}

// Item 42 across threads: readers use a proxy while the owner drops the object; every access
// either sees the whole object (its hold keeps it alive to the end of the call) or gets
// `ReferenceError`, never a freed one, and the object is dropped exactly once.
#[test]
fn item_42_proxy_accesses_race_the_last_drop() {
    for _ in 0..ROUNDS {
        let sensor = Obj::new(Sensor {
            reading: AtomicU64::new(7),
        });
        let p = proxy(&sensor);
        let start = Arc::new(Barrier::new(THREADS + 1));
        let died = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (p, start, died) = (p.clone(), Arc::clone(&start), Arc::clone(&died));
                thread::spawn(move || {
                    start.wait();
                    let mut seen_dead = false;
                    for _ in 0..4 {
                        match p.read() {
                            Ok(value) => {
                                assert_eq!(value, 7);
                                assert!(!seen_dead, "dead objects never come back");
                            }
                            Err(ReferenceError) => seen_dead = true,
                        }
                        if let Ok(guard) = p.reading() {
                            assert_eq!(guard.load(SeqCst), 7);
                        }
                    }
                    let _ = died.load(SeqCst);
                })
            })
            .collect();
        start.wait();
        drop(sensor);
        died.store(true, SeqCst);
        for reader in readers {
            reader.join().unwrap();
        }
        assert_eq!(p.read(), Err(ReferenceError));
    }
}

// Many threads asking for the shared proxy at once all get the same one (item 48 under
// threads), separate from the shared reference.
#[test]
fn item_48_shared_proxy_is_shared_across_threads() {
    let sensor = Obj::new(Sensor {
        reading: AtomicU64::new(1),
    });
    let start = Arc::new(Barrier::new(THREADS));
    let proxies: Vec<WeakProxy<Sensor>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                let (sensor, start) = (&sensor, Arc::clone(&start));
                scope.spawn(move || {
                    start.wait();
                    WeakProxy::new(sensor)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(proxies.iter().all(|p| p.ptr_eq(&proxies[0])));
    assert_eq!(weakref_core::getweakrefcount(&sensor), 1);
}

/// A generic type with a lifetime, a bounded parameter with a default-free where clause, and
/// a const parameter: its wrapper carries them all.
#[derive(Weakrefable)]
#[weakref(proxy)]
pub struct Window<'a, T: Clone, const N: usize>
where
    T: Debug,
{
    /// What the window shows.
    pub items: &'a [T; N],
    pub(crate) offset: usize,
    #[weakref(skip)]
    #[allow(dead_code)]
    hidden: PhantomDataOf<T>,
}

type PhantomDataOf<T> = std::marker::PhantomData<T>;

#[forward]
impl<'a, T: Clone, const N: usize> Window<'a, T, N>
where
    T: Debug,
{
    /// The first item.
    pub fn first(&self) -> Option<T> {
        self.items.first().cloned()
    }

    /// A borrow tied to the impl's lifetime, not to `self`: forwarded as is.
    pub fn items_ref(&self) -> &'a [T; N] {
        self.items
    }

    /// The items, the offset and `extra`.
    pub fn describe<U: Debug + ?Sized>(&self, extra: &U) -> String
    where
        T: PartialEq,
    {
        format!("{:?}+{}+{extra:?}", self.items, self.offset)
    }

    /// `N`, in a roundabout way that uses a const parameter.
    pub fn len_with<const M: usize>(&self, more: [u8; M]) -> usize {
        N + M + more.len() - M
    }
}

/// A generic type whose parameters have defaults: the wrapper keeps them, after its own.
#[derive(Weakrefable)]
#[weakref(proxy)]
pub struct Cache<K: Ord, V = String> {
    /// The entries, in insertion order.
    pub entries: std::sync::Mutex<Vec<(K, V)>>,
}

#[forward]
impl<K: Ord + Clone> Cache<K> {
    /// The keys, in insertion order.
    pub fn keys(&self) -> Vec<K> {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// An enum: a wrapper without field accessors, with forwarded methods.
#[derive(Weakrefable)]
#[weakref(proxy)]
pub enum Shape {
    /// A circle of this radius.
    Circle(f64),
    /// A square.
    Square {
        /// The length of its sides.
        side: f64,
    },
}

#[forward]
impl Shape {
    /// The shape's area.
    pub fn area(&self) -> f64 {
        match self {
            Shape::Circle(r) => std::f64::consts::PI * r * r,
            Shape::Square { side } => side * side,
        }
    }
}

// The wrapper of generic types: lifetimes, bounds, where clauses, const parameters and
// defaults carried over; one wrapper serving both flavors.
#[test]
fn derive_wrapper_of_generic_types() {
    let data = [3_u8, 4, 5];
    let window = Obj::new(Window {
        items: &data,
        offset: 1,
        hidden: PhantomDataOf::default(),
    });
    let p: WindowProxy<'_, WeakProxy<Window<'_, u8, 3>>, u8, 3> = proxy(&window);
    assert_eq!(**p.items().unwrap(), [3, 4, 5]);
    // `offset` is `pub(crate)` in a `pub` struct: less visible than the wrapper, no accessor.
    assert_eq!(p.with(|w| w.offset), Ok(1));
    assert_eq!(p.first(), Ok(Some(3)));
    assert_eq!(p.items_ref(), Ok(&data));
    assert_eq!(p.describe("x"), Ok("[3, 4, 5]+1+\"x\"".to_string()));
    assert_eq!(p.len_with([0; 2]), Ok(5));
    drop(window);
    assert_eq!(p.first(), Err(ReferenceError));

    let local = local::Obj::new(Window {
        items: &data,
        offset: 2,
        hidden: PhantomDataOf::default(),
    });
    let p = local::proxy(&local);
    assert_eq!(**p.items().unwrap(), [3, 4, 5]);
    assert_eq!(p.first(), Ok(Some(3)));

    let cache: Obj<Cache<u32>> = Obj::new(Cache {
        entries: std::sync::Mutex::new(vec![(2, "two".into()), (1, "one".into())]),
    });
    let p: CacheProxy<WeakProxy<Cache<u32>>, u32> = proxy(&cache);
    assert_eq!(p.keys(), Ok(vec![2, 1]));
    assert_eq!(p.entries().unwrap().lock().unwrap().len(), 2);

    let shape = Obj::new(Shape::Square { side: 3.0 });
    let p: ShapeProxy = proxy(&shape);
    assert_eq!(p.area(), Ok(9.0));
    assert!(matches!(
        p.with(|s| matches!(s, Shape::Circle(_))),
        Ok(false)
    ));
    let circle = Obj::new(Shape::Circle(1.0));
    assert_eq!(proxy(&circle).area(), Ok(std::f64::consts::PI));
}

mod reexport {
    pub use weakref_core as wr;
}

/// Through a re-export: `#[weakref(crate = "...")]` and `#[forward(crate = "...")]`.
#[derive(reexport::wr::Weakrefable)]
#[weakref(proxy, crate = "reexport::wr")]
pub struct Renamed {
    /// An identifier.
    pub id: u64,
}

#[reexport::wr::forward(crate = "reexport::wr")]
impl Renamed {
    /// The identifier after this one.
    pub fn next_id(&self) -> u64 {
        self.id + 1
    }
}

#[test]
fn derive_and_forward_through_a_crate_path() {
    let renamed = Obj::new(Renamed { id: 9 });
    let p = proxy(&renamed);
    assert_eq!(*p.id().unwrap(), 9);
    assert_eq!(p.next_id(), Ok(10));
}

/// A type that implements `Weakrefable` by hand, without a wrapper.
pub struct Manual(u8);

impl Weakrefable for Manual {}

/// The same, with `proxy` support: `Proxied` names the bare proxy.
pub struct ManualProxied(u8);

impl Weakrefable for ManualProxied {}

impl Proxied for ManualProxied {
    type Proxy<P: ProxyAccess<Target = Self>> = P;
}

// Forwarders keep `#[cfg]`, add their own parameter to `use<..>`, and accessors keep raw
// identifiers.
#[test]
fn forward_cfg_precise_capture_and_raw_identifiers() {
    let sensor = Obj::new(Sensor {
        reading: AtomicU64::new(3),
    });
    let p = proxy(&sensor);
    assert_eq!(
        p.values().map(Iterator::collect::<Vec<_>>),
        Ok(vec![0, 1, 2])
    );
    let tagged = Obj::new(Tagged { r#type: "t" });
    assert_eq!(*proxy(&tagged).r#type().unwrap(), "t");
}

// Accessors only for fields at least as visible as the type: the getter pattern (a private
// field of a public type, read through a method of the same name) needs no `skip`.
#[test]
fn private_field_of_a_public_type_gets_no_accessor() {
    let gauge = Obj::new(Gauge {
        level: AtomicU64::new(4),
    });
    assert_eq!(proxy(&gauge).level(), Ok(4));
}

// Hand-written impls: `Weakrefable` alone gives proxies through `WeakProxy::new`; `Proxied`
// adds `proxy`, which then returns the bare proxy.
#[test]
fn hand_written_impls() {
    let manual = Obj::new(Manual(1));
    assert_eq!(WeakProxy::new(&manual).with(|m| m.0), Ok(1));
    let proxied = Obj::new(ManualProxied(2));
    let p: WeakProxy<ManualProxied> = proxy(&proxied);
    assert_eq!(p.with(|m| m.0), Ok(2));
    let local = local::Obj::new(ManualProxied(3));
    let p: local::WeakProxy<ManualProxied> = local::proxy(&local);
    assert_eq!(p.with(|m| m.0), Ok(3));
}

// Code generic over the flavor: `ProxyAccess` is what the wrappers are written against, and
// `Proxied::Proxy` always lends the bare proxy.
#[test]
fn generic_code_over_both_flavors() {
    fn read<P: ProxyAccess<Target = Sensor>>(p: &P) -> Result<u64, ReferenceError> {
        p.with(Sensor::read)
    }
    fn alive<T: Proxied>(obj: &Obj<T>) -> bool {
        use std::borrow::Borrow;
        let p = proxy(obj);
        let bare: &WeakProxy<T> = p.borrow();
        bare.is_alive()
    }
    let sensor = Obj::new(Sensor {
        reading: AtomicU64::new(5),
    });
    let local = local::Obj::new(Sensor {
        reading: AtomicU64::new(6),
    });
    assert_eq!(read(&WeakProxy::new(&sensor)), Ok(5));
    assert_eq!(read(&local::WeakProxy::new(&local)), Ok(6));
    assert_eq!(read(&*proxy(&sensor)), Ok(5));
    assert!(alive(&sensor));
    let guard = ProxyAccess::map(&*local::proxy(&local), |s| &s.reading).unwrap();
    assert_eq!(FieldRef::strong(&guard).read(), 6);
    assert_eq!(FieldRef::into_strong(guard).read(), 6);
}
