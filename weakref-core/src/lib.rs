//! Python's [`weakref`](https://docs.python.org/3/library/weakref.html) module for Rust: weak
//! references that call back when their object dies, proxies, finalizers and weak
//! collections, with CPython's semantics and without undefined behaviour.
//!
//! Objects live in an [`Obj<T>`](Obj), a strong handle like `Arc<T>` whose allocation
//! also holds CPython's `__weakref__` slot. A type opts in to weak references by implementing
//! [`Weakrefable`], usually with `#[derive(Weakrefable)]`; [`WeakRef<T>`](WeakRef) is then
//! `weakref.ref`:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Connection {
//!     peer: String,
//! }
//!
//! let closed = Arc::new(Mutex::new(Vec::new()));
//! let conn = Obj::new(Connection { peer: "db:5432".into() });
//!
//! // weakref.ref(conn): does not keep the connection alive.
//! let weak = WeakRef::new(&conn);
//! assert_eq!(weak.upgrade().unwrap().peer, "db:5432");
//!
//! // weakref.ref(conn, callback): runs when the connection dies.
//! let log = Arc::clone(&closed);
//! let _watch = WeakRef::with_callback(&conn, move |_dead| log.lock().unwrap().push("closed"));
//!
//! drop(conn); // the last strong handle: the object dies now, deterministically
//! assert!(weak.upgrade().is_none());
//! assert_eq!(*closed.lock().unwrap(), ["closed"]);
//! ```
//!
//! # Two flavors
//!
//! The crate root is thread-safe: [`Obj`] is `Send + Sync` when `Arc` would be, callbacks and
//! finalizers must be `Send`, and the weak collections work behind `&self` from any number of
//! threads. [`unsync`] has the same API without atomics, for single-threaded programs (it is
//! to the crate root what `std::rc` is to `std::sync`), with callbacks that may capture `Rc`s.
//!
//! Both are the same types, written once in [`generic`] over a [flavor] parameter;
//! the crate root and `unsync` fix the flavor with type aliases (`weakref_core::Obj<T>` is
//! [`generic::Obj<T, Sync>`](generic::Obj), `unsync::Obj<T>` is `generic::Obj<T, Unsync>`).
//! Every method is documented once, on the generic type; code that works with either flavor
//! names the types from [`generic`] with an `F: Flavor` parameter.
//!
//! # Trait objects
//!
//! With `Weakrefable` as a supertrait, an `Obj<Printer>` becomes an `Obj<dyn Observer>`
//! through [`coerce!`], sharing the same object, weak references and identity, so observers of
//! different types live in one weak collection:
//!
//! ```
//! use weakref_core::{coerce, Obj, WeakIdSet, Weakrefable};
//!
//! trait Observer: Weakrefable + Send + Sync {
//!     fn notify(&self, event: &str) -> String;
//! }
//!
//! #[derive(Weakrefable)]
//! struct Printer;
//!
//! impl Observer for Printer {
//!     fn notify(&self, event: &str) -> String {
//!         format!("printed {event}")
//!     }
//! }
//!
//! let observers: WeakIdSet<dyn Observer> = WeakIdSet::new();
//! let printer: Obj<dyn Observer> = coerce!(Obj::new(Printer));
//! observers.add(&printer);
//! let heard: Vec<String> = observers.iter().map(|o| o.notify("save")).collect();
//! assert_eq!(heard, ["printed save"]);
//! drop(printer); // the observer leaves the set the moment it dies
//! assert!(observers.is_empty());
//! ```
//!
//! # Python → Rust
//!
//! | Python | Rust |
//! |---|---|
//! | `obj = C()` | `let obj = Obj::new(C { .. })` with `#[derive(Weakrefable)] struct C` ([`Obj`], [`Weakrefable`]) |
//! | `weakref.ref(obj)` | [`WeakRef::new(&obj)`](generic::WeakRef::new): the object's shared reference, as in CPython |
//! | `weakref.ref(obj, cb)` | [`WeakRef::with_callback(&obj, move \|r\| ..)`](generic::WeakRef::with_callback): always a new reference |
//! | `r()` | [`r.upgrade()`](generic::WeakRef::upgrade) `-> Option<Obj<C>>`; [`r.is_alive()`](generic::WeakRef::is_alive) |
//! | `r1 is r2` / `o1 is o2` | [`r1.ptr_eq(&r2)`](generic::WeakRef::ptr_eq) / [`Obj::ptr_eq(&o1, &o2)`](generic::Obj::ptr_eq) |
//! | `r1 == r2`, `hash(r)` | `PartialEq`, `Hash`, with Python's rules (see [`WeakRef`](generic::WeakRef#equality-and-hashing)) |
//! | `r.__callback__ is not None` | [`r.callback_pending()`](generic::WeakRef::callback_pending) |
//! | an object used through its base class | `let o: Obj<dyn Trait> = coerce!(obj)` with `trait Trait: Weakrefable` ([`coerce!`]) |
//! | `weakref.WeakMethod(obj.method)` | [`WeakMethod::new(&obj, C::method)`](generic::WeakMethod::new); `wm.call((args,))` `-> Option<R>` |
//! | a closure over `weakref.ref`s that checks them | [`weak!(a, b => move \|x\| ..)`](weak!): captures weakly, does nothing once one is dead |
//! | waiting for an object's death | [`weak.dead().await`](generic::WeakRef::dead) (a [`Death`] future, any executor) |
//! | `p = weakref.proxy(obj)` | [`let p = proxy(&obj)`](proxy): the shared [`WeakProxy`], or with `#[weakref(proxy)]` on `C` the derive's `CProxy` wrapper around it |
//! | `weakref.proxy(obj, cb)` | [`proxy_with_callback(&obj, cb)`](proxy_with_callback) (always a new proxy) |
//! | `p.attr`, `p.method(..)` | [`p.with(\|c\| ..)?`](generic::WeakProxy::with), [`p.map(\|c\| &c.attr)?`](generic::WeakProxy::map) (a [`FieldRef`] guard); with the wrapper `p.attr()?` and, with [`#[forward]`](macro@forward) on `impl C`, `p.method(..)?` |
//! | `ReferenceError` | `Err(`[`ReferenceError`]`)` from every access to a dead proxy; never a panic |
//! | `weakref.finalize(obj, f, *args)` | [`finalize(&obj, move \|\| f(args))`](finalize) `->` [`Finalize`] with `alive`, `call`, `detach`, `peek`, `atexit` |
//! | interpreter exit runs pending finalizers | the same at normal process exit; [`run_exit_finalizers`] to run them yourself |
//! | `weakref.WeakValueDictionary()` | [`WeakValueDictionary<K, V>`](WeakValueDictionary) |
//! | `weakref.WeakKeyDictionary()` | [`WeakKeyDictionary<K, V>`](WeakKeyDictionary) (keys by `Hash + Eq`), [`WeakIdKeyDictionary`] (keys by identity) |
//! | `weakref.WeakSet()` | [`WeakSet<T>`](WeakSet) (by `Hash + Eq`), [`WeakIdSet<T>`](WeakIdSet) (by identity) |
//! | `KeyError` | `Option`, or `Err(`[`KeyError`]`)` |
//! | `weakref.getweakrefcount(obj)` | [`getweakrefcount(&obj)`](getweakrefcount) `-> usize` |
//! | `weakref.getweakrefs(obj)` | [`getweakrefs(&obj)`](getweakrefs) `-> Vec<WeakRef<C>>` |
//! | `sys.unraisablehook` | [`set_unraisable_hook`] |
//! | `weakref.ref(5)` raises `TypeError` | a compile error: ``cannot create weak reference to 'i32' object`` |
//!
//! `Obj` also has what `Arc` users reach for (`try_unwrap`, `make_mut`, `new_cyclic`,
//! `into_raw`, ...). `RefCell`, `Cell`, `Mutex` and `RwLock` of a weakrefable type are
//! weakrefable, so `unsync::Obj<RefCell<Model>>` and `Obj<Mutex<Model>>` work.
//!
//! # Callbacks run inside `drop`
//!
//! A callback (or finalizer) runs synchronously, on the thread that drops the object's last
//! handle, inside that `drop`, as CPython runs them inside the `del` that frees the object. So
//! whatever the dropping code holds is still held while the callback runs:
//!
//! - a callback that takes a lock the dropping code already holds deadlocks (the thread-safe
//!   flavor), and one that borrows a `RefCell` already borrowed mutably panics (`unsync`; the
//!   panic is caught and reported, and the callback's work is lost);
//! - so drop handles after releasing your own locks and borrows (take them out of the locked
//!   structure first), and keep callbacks small: record the event (send it on a channel, push
//!   it to a queue, set a flag) and act on it outside the `drop`. The weak collections do this
//!   themselves: their removal callbacks never wait for a lock.
//!
//! ```
//! use std::sync::mpsc;
//! use std::sync::Mutex;
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Window(&'static str);
//!
//! let open: Mutex<Vec<Obj<Window>>> = Mutex::new(vec![Obj::new(Window("main"))]);
//! let (closed_tx, closed_rx) = mpsc::channel();
//! let _watch = WeakRef::with_callback(&open.lock().unwrap()[0], move |_| {
//!     // Not `open.lock()`: the dropping code may hold it. Just report the event.
//!     closed_tx.send("main").unwrap();
//! });
//!
//! // Take the handle out under the lock, drop it once the lock is released.
//! let closing = open.lock().unwrap().pop();
//! drop(closing); // the window dies here; its callback runs inside this `drop`
//! assert_eq!(closed_rx.try_recv(), Ok("main"));
//! ```
//!
//! A callback that panics does not unwind through the `drop`: the panic is caught and handed
//! to the [unraisable hook](set_unraisable_hook), as CPython reports an exception raised in a
//! callback, and the remaining callbacks still run.
//!
//! # Differences from Python
//!
//! Where Rust forces a difference, or CPython's behaviour cannot be expressed, the difference
//! is chosen and listed here, each with an example.
//!
//! **Objects die when their last handle drops.** CPython frees an object when its reference
//! count reaches zero too, but the language does not promise it (PyPy collects later) and
//! anything still holding the object, a traceback or a frame, delays it. Here the last
//! [`Obj`] handle's `drop` is the death: callbacks have run and the value is dropped when it
//! returns.
//!
//! ```
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Node;
//!
//! let a = Obj::new(Node);
//! let b = a.clone();
//! let weak = WeakRef::new(&a);
//! drop(a);
//! assert!(weak.is_alive()); // `b` still holds it
//! drop(b);
//! assert!(!weak.is_alive()); // dead the moment the last handle dropped
//! ```
//!
//! **Cycles are never collected.** There is no cycle collector: objects that hold strong
//! handles to each other keep each other alive, their weak references stay live and their
//! callbacks never run, where CPython's `gc` would eventually free them. Hold the back edges
//! weakly ([`Obj::new_cyclic`](generic::Obj::new_cyclic) helps with self-references), or break
//! the cycle by hand.
//!
//! ```
//! use std::sync::Mutex;
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable, Default)]
//! struct Node {
//!     next: Mutex<Option<Obj<Node>>>,
//! }
//!
//! let a = Obj::new(Node::default());
//! let b = Obj::new(Node::default());
//! *a.next.lock().unwrap() = Some(b.clone());
//! *b.next.lock().unwrap() = Some(a.clone()); // a cycle of strong handles
//! let weak_a = WeakRef::new(&a);
//! drop((a, b));
//! assert!(weak_a.is_alive()); // unreachable, yet alive: nothing collects the cycle
//!
//! // Breaking the cycle by hand lets both die.
//! let a = weak_a.upgrade().unwrap();
//! let b = a.next.lock().unwrap().take().unwrap();
//! drop(b.next.lock().unwrap().take());
//! drop((a, b));
//! assert!(!weak_a.is_alive());
//! ```
//!
//! **Callbacks run before the value's `Drop`.** CPython runs `__del__` first (the object is
//! still reachable through its weak references while it runs, and may even resurrect itself),
//! then clears the weak references and runs their callbacks, then clears the attributes. Here
//! the object is dead for good before anything runs: its weak references are cleared, their
//! callbacks run, and then the value is dropped, so `Drop` sees dead weak references and
//! cannot resurrect the object.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Resource {
//!     log: Arc<Mutex<Vec<&'static str>>>,
//! }
//!
//! impl Drop for Resource {
//!     fn drop(&mut self) {
//!         self.log.lock().unwrap().push("drop");
//!     }
//! }
//!
//! let log = Arc::new(Mutex::new(Vec::new()));
//! let resource = Obj::new(Resource { log: Arc::clone(&log) });
//! let sink = Arc::clone(&log);
//! let _watch = WeakRef::with_callback(&resource, move |_| sink.lock().unwrap().push("callback"));
//! drop(resource);
//! assert_eq!(*log.lock().unwrap(), ["callback", "drop"]); // CPython: __del__, then callback
//! ```
//!
//! **Hashing a dead reference that was never hashed.** CPython raises `TypeError: weak object
//! has gone away`; Rust's `Hash` cannot fail, so such a reference hashes its own identity,
//! which is consistent with `Eq` because a dead reference equals only itself.
//! [`try_hash`](generic::WeakRef::try_hash) reports the case as `None`. A reference hashed
//! while alive keeps that hash after its object dies, as in CPython.
//!
//! ```
//! use std::collections::HashSet;
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable, PartialEq, Eq, Hash)]
//! struct Key(u32);
//!
//! let key = Obj::new(Key(1));
//! // Two distinct weak-reference objects (`WeakRef::new` would return the shared one twice).
//! let hashed = WeakRef::with_callback(&key, |_| {});
//! let unhashed = WeakRef::with_callback(&key, |_| {});
//! let h = hashed.try_hash().unwrap();
//! drop(key);
//! assert_eq!(hashed.try_hash(), Some(h)); // kept, as in CPython
//! assert_eq!(unhashed.try_hash(), None); // CPython: TypeError
//! let set: HashSet<WeakRef<Key>> = [unhashed.clone()].into(); // hashing does not panic
//! assert!(set.contains(&unhashed));
//! ```
//!
//! **Iteration order is unspecified.** CPython's weak dictionaries and sets are built on
//! `dict`, which keeps insertion order; the weak collections here are hash tables, like
//! `HashMap`, and iterate in no particular order. Sort what you collect when order matters.
//!
//! ```
//! use weakref_core::{Obj, WeakValueDictionary, Weakrefable};
//!
//! #[derive(Weakrefable)]
//! struct Image;
//!
//! let images: Vec<Obj<Image>> = (0..5).map(|_| Obj::new(Image)).collect();
//! let cache = WeakValueDictionary::new();
//! for (key, image) in [5, 3, 9, 1, 7].into_iter().zip(&images) {
//!     cache.insert(key, image);
//! }
//! let mut keys: Vec<u32> = cache.keys().collect(); // CPython: [5, 3, 9, 1, 7]
//! keys.sort();
//! assert_eq!(keys, [1, 3, 5, 7, 9]);
//! ```
//!
//! **`==` on weak references compares referents.** This is Python's rule (two live references
//! are equal when their objects are; once either is dead, a reference equals only itself),
//! which surprises Rust users who expect `std::sync::Weak::ptr_eq`'s identity: use
//! [`ptr_eq`](generic::WeakRef::ptr_eq) for `is`. And where Python falls back to identity for
//! objects without `__eq__`, a `WeakRef<T>` has `==` only when `T: PartialEq`.
//!
//! ```
//! use weakref_core::{Obj, WeakRef, Weakrefable};
//!
//! #[derive(Weakrefable, PartialEq)]
//! struct Point(i32, i32);
//!
//! let a = Obj::new(Point(1, 2));
//! let b = Obj::new(Point(1, 2));
//! let (ra, rb) = (WeakRef::new(&a), WeakRef::new(&b));
//! assert!(ra == rb && !ra.ptr_eq(&rb)); // equal objects, distinct references
//! drop(a);
//! assert!(ra != rb && ra == ra); // a dead reference equals only itself
//! ```
//!
//! Two more follow from compiling instead of raising: a type without [`Weakrefable`] cannot be
//! weakly referenced at all (a compile error rather than CPython's `TypeError`), and a callback
//! must be `Send` in the thread-safe flavor (use [`unsync`] for callbacks that capture `Rc`s).
//!
//! # Where to go next
//!
//! - [`Obj`](generic::Obj) and [`WeakRef`](generic::WeakRef): the handles, their methods and
//!   the exact order of a death ([`WeakRef::with_callback`](generic::WeakRef::with_callback)).
//! - [`Weakrefable`] and its derive: what it generates, `#[weakref(...)]` options, implementing
//!   it by hand.
//! - [`proxy`], [`WeakProxy`](generic::WeakProxy) and [`#[forward]`](macro@forward): proxies
//!   and their wrappers.
//! - [`finalize`] and [`Finalize`](generic::Finalize): finalizers, also at exit.
//! - [`collections`]: the weak dictionaries and sets.
//! - [`unsync`], [`generic`] and [`flavor`]: the single-threaded flavor and code generic over
//!   both.
//! - The `examples/` directory of the repository: an observer list, a cache, an event bus of
//!   weak methods, finalizers.
//!
//! # Cargo features
//!
//! - `derive` (on by default): the `#[derive(Weakrefable)]` and `#[forward]` macros,
//!   re-exported from `weakref-derive`. Without it, implement [`Weakrefable`] (and, for
//!   [`proxy`], [`Proxied`]) by hand and skip compiling `syn`.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod capture;
mod coerce;
pub mod collections;
mod dead;
mod finalize;
pub mod flavor;
mod loom;
mod method;
mod obj;
mod proxy;
mod raw;
mod trashcan;
mod unraisable;
pub mod unsync;
mod weakref;
mod weakrefable;

pub mod generic {
    //! Every type of this crate, written once, generic over its [flavor](crate::flavor) `F`.
    //!
    //! The crate root names these types with the thread-safe flavor fixed
    //! (`weakref_core::Obj<T>` is `generic::Obj<T, Sync>`) and [`unsync`](crate::unsync) with
    //! the single-threaded one (`generic::Obj<T, Unsync>`); both are type aliases, so they
    //! share the methods documented here. Name the types from this module to write code that
    //! works with either flavor:
    //!
    //! ```
    //! use weakref_core::flavor::Flavor;
    //! use weakref_core::generic::{Obj, WeakRef};
    //! use weakref_core::{getweakrefcount, unsync, Weakrefable};
    //!
    //! /// A weak reference that is dropped with the returned handle, in either flavor.
    //! fn watch<T: Weakrefable, F: Flavor>(obj: &Obj<T, F>) -> WeakRef<T, F> {
    //!     WeakRef::new(obj)
    //! }
    //!
    //! #[derive(Weakrefable)]
    //! struct Node;
    //!
    //! let shared = weakref_core::Obj::new(Node);
    //! let _a = watch(&shared);
    //! let local = unsync::Obj::new(Node);
    //! let _b = watch(&local);
    //! assert_eq!(getweakrefcount(&shared) + getweakrefcount(&local), 2);
    //! ```
    //!
    //! Defaults make the thread-safe flavor the one named when `F` is left out in a type
    //! (`generic::Obj<T>` is `generic::Obj<T, Sync>`), but the type aliases are what fix it in
    //! expressions: `weakref_core::Obj::new(x)` is thread-safe, while `generic::Obj::new(x)`
    //! leaves the flavor to inference.

    pub use crate::collections::set::{SetIter, WeakSet};
    pub use crate::collections::wkd::{KeyDictIter, WeakKeyDictionary};
    pub use crate::collections::wvd::{KeyedRef, ValueDictIter, WeakValueDictionary};
    pub use crate::dead::Death;
    pub use crate::finalize::Finalize;
    pub use crate::method::WeakMethod;
    pub use crate::obj::Obj;
    pub use crate::proxy::WeakProxy;
    pub use crate::weakref::WeakRef;
}

#[doc(hidden)]
pub mod __private {
    //! What the macros of this crate expand to; not part of the API.
    pub use crate::capture::{WeakCapture, weak_capture, weak_upgrade};
    pub use crate::coerce::{Coerce, ObjToken, ProxyToken, WeakToken, split};
    pub use crate::weakrefable::{ProxyWrapper, assert_proxy_wrapper};
}

pub use collections::{
    ById, ByValue, Hashable, KeyError, WeakIdKeyDictionary, WeakIdSet, WeakKeyDictionary, WeakSet,
    WeakValueDictionary,
};
pub use finalize::{finalize, run_exit_finalizers, set_exit_finalizers_in_forked_child};
pub use method::Method;
pub use proxy::{Callable, FieldRef, ProxyAccess, ReferenceError, proxy, proxy_with_callback};
pub use unraisable::{Unraisable, UnraisableHook, set_unraisable_hook, take_unraisable_hook};
pub use weakref::{getweakrefcount, getweakrefs};
#[cfg(feature = "derive")]
pub use weakref_derive::{Weakrefable, forward};
pub use weakrefable::{Proxied, Weakrefable};

/// A shared, weakly referenceable object, thread-safe: [`generic::Obj`] with the
/// [`Sync`](flavor::Sync) flavor, whose page documents its methods.
///
/// ```
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Connection {
///     peer: String,
/// }
///
/// let conn = Obj::new(Connection { peer: "db:5432".into() });
/// let weak = WeakRef::new(&conn);
/// assert_eq!(weak.upgrade().unwrap().peer, "db:5432");
/// drop(conn);
/// assert!(weak.upgrade().is_none());
/// ```
pub type Obj<T> = generic::Obj<T, flavor::Sync>;

/// A weak reference, Python's `weakref.ref`, thread-safe: [`generic::WeakRef`] with the
/// [`Sync`](flavor::Sync) flavor, whose page documents its methods.
pub type WeakRef<T> = generic::WeakRef<T, flavor::Sync>;

/// A weak proxy, Python's `weakref.proxy`, thread-safe: [`generic::WeakProxy`] with the
/// [`Sync`](flavor::Sync) flavor, whose page documents its methods.
pub type WeakProxy<T> = generic::WeakProxy<T, flavor::Sync>;

/// A handle to a finalizer, Python's `weakref.finalize` object, thread-safe:
/// [`generic::Finalize`] with the [`Sync`](flavor::Sync) flavor, whose page documents its
/// methods.
pub type Finalize<T, Func> = generic::Finalize<T, Func, flavor::Sync>;

/// A method bound to an object without keeping it alive, Python's `weakref.WeakMethod`,
/// thread-safe: [`generic::WeakMethod`] with the [`Sync`](flavor::Sync) flavor, whose page
/// documents its methods.
pub type WeakMethod<T, M> = generic::WeakMethod<T, M, flavor::Sync>;

/// A future that completes when an object dies, thread-safe: [`generic::Death`] with the
/// [`Sync`](flavor::Sync) flavor, what [`WeakRef::dead`](generic::WeakRef::dead) returns.
pub type Death<T> = generic::Death<T, flavor::Sync>;

/// The package README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct PackageReadmeDoctests;
