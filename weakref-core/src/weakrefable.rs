//! The trait that grants a type weak references, and the one that names its proxy wrapper.

use core::borrow::Borrow;

use crate::ProxyAccess;

/// Types whose objects may be weakly referenced.
///
/// Python only lets you take a weak reference to objects whose type reserves a `__weakref__`
/// slot: `weakref.ref(5)` raises `TypeError: cannot create weak reference to 'int' object`.
/// This crate does the same at compile time. Every [`Obj`](crate::Obj) carries the slot, but
/// only types that implement `Weakrefable` may use it, so giving an `Obj<i32>` to
/// [`WeakRef::new`](crate::WeakRef::new) is a compile error.
///
/// Implement it with the derive, which works on structs and enums, generic or not:
///
/// ```
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Node {
///     name: String,
/// }
///
/// let node = Obj::new(Node { name: "root".into() });
/// let weak = WeakRef::new(&node);
/// assert_eq!(weak.upgrade().unwrap().name, "root");
/// ```
///
/// A type without it cannot be weakly referenced:
///
/// ```compile_fail
/// use weakref_core::{Obj, WeakRef};
///
/// let five = Obj::new(5_i32);
/// let weak = WeakRef::new(&five); // error: cannot create weak reference to 'i32' object
/// ```
///
/// # Cells and locks
///
/// `RefCell<T>`, `Cell<T>`, `Mutex<T>` and `RwLock<T>` are weakrefable when `T` is, so a
/// mutable model can be shared and weakly referenced as `unsync::Obj<RefCell<Model>>` or
/// `Obj<Mutex<Model>>` (their proxies are the bare [`WeakProxy`](crate::WeakProxy)):
///
/// ```
/// use std::cell::RefCell;
/// use std::sync::Mutex;
/// use weakref_core::{unsync, Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable, Default)]
/// struct Model {
///     items: Vec<u32>,
/// }
///
/// let local = unsync::Obj::new(RefCell::new(Model::default()));
/// let weak = unsync::WeakRef::new(&local);
/// weak.upgrade().unwrap().borrow_mut().items.push(1);
/// assert_eq!(local.borrow().items, [1]);
///
/// let shared = Obj::new(Mutex::new(Model::default()));
/// let weak = WeakRef::new(&shared);
/// weak.upgrade().unwrap().lock().unwrap().items.push(2);
/// assert_eq!(shared.lock().unwrap().items, [2]);
/// ```
///
/// # Trait objects
///
/// Make `Weakrefable` a supertrait and the trait objects of the trait are weakrefable too (a
/// trait object implements its trait's supertraits), so observers of different types can be
/// held, and weakly referenced, as one `dyn Trait`:
///
/// ```
/// use weakref_core::{coerce, Obj, WeakRef, Weakrefable};
///
/// trait Observer: Weakrefable + Send + Sync {
///     fn notify(&self, event: &str);
/// }
///
/// #[derive(Weakrefable)]
/// struct Logger;
///
/// impl Observer for Logger {
///     fn notify(&self, event: &str) {
///         println!("logged {event}");
///     }
/// }
///
/// let observer: Obj<dyn Observer> = coerce!(Obj::new(Logger));
/// let weak: WeakRef<dyn Observer> = WeakRef::new(&observer);
/// weak.upgrade().unwrap().notify("start");
/// ```
///
/// The derive also implements [`Proxied`], which gives the type its proxy wrapper (see
/// there). Implementing `Weakrefable` by hand (`impl Weakrefable for MyType {}`) grants
/// everything but the wrapper; the trait has no items and no safety requirements.
#[diagnostic::on_unimplemented(
    message = "cannot create weak reference to '{Self}' object",
    label = "'{Self}' does not support weak references",
    note = "only types that implement `Weakrefable` can be weakly referenced: derive it (`#[derive(Weakrefable)]`) on the types you define, and wrap other types in one of yours; `RefCell`, `Cell`, `Mutex` and `RwLock` of a weakrefable type are weakrefable; for a trait object `dyn Trait`, make `Weakrefable` a supertrait: `trait Trait: Weakrefable`"
)]
pub trait Weakrefable {}

// The cells and locks of a weakrefable type are weakrefable, and their proxies are the bare
// `WeakProxy` (a wrapper has no fields to forward). Documented on `Weakrefable`.
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Weakrefable for core::cell::RefCell<T> {}
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Weakrefable for core::cell::Cell<T> {}
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Weakrefable for std::sync::Mutex<T> {}
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Weakrefable for std::sync::RwLock<T> {}

#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Proxied for core::cell::RefCell<T> {
    type Proxy<P: ProxyAccess<Target = Self>> = P;
}
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Proxied for core::cell::Cell<T> {
    type Proxy<P: ProxyAccess<Target = Self>> = P;
}
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Proxied for std::sync::Mutex<T> {
    type Proxy<P: ProxyAccess<Target = Self>> = P;
}
#[diagnostic::do_not_recommend]
impl<T: ?Sized + Weakrefable> Proxied for std::sync::RwLock<T> {
    type Proxy<P: ProxyAccess<Target = Self>> = P;
}

/// What [`proxy`](crate::proxy) returns for a type: the bare [`WeakProxy`](crate::WeakProxy),
/// or the type's proxy wrapper.
///
/// `#[derive(Weakrefable)]` implements it, naming the bare proxy; with `#[weakref(proxy)]` it
/// also generates the wrapper and names it: for `Counter`, a `CounterProxy<P>`. The wrapper
/// derefs to the [`WeakProxy`](crate::WeakProxy) it wraps (`P`) and has
/// an accessor per field (per field as visible as the type), returning a guard
/// ([`FieldRef`](crate::FieldRef)) or `Err(ReferenceError)`; the attribute [`#[forward]`](crate::forward) on an `impl` block of
/// the type adds its `&self` methods. One wrapper serves both flavors: `P` is
/// [`WeakProxy<Counter>`](crate::WeakProxy) (the default) or
/// [`unsync::WeakProxy<Counter>`](crate::unsync::WeakProxy).
///
/// ```
/// use weakref_core::{proxy, unsync, Obj, WeakProxy, Weakrefable};
///
/// #[derive(Weakrefable)]
/// #[weakref(proxy)]
/// struct Counter {
///     count: u32,
/// }
///
/// let counter = Obj::new(Counter { count: 7 });
/// let p: CounterProxy = proxy(&counter);
/// assert_eq!(*p.count().unwrap(), 7);
/// let bare: &WeakProxy<Counter> = &p; // through `Deref`
/// assert!(bare.ptr_eq(&WeakProxy::new(&counter)));
///
/// let local = unsync::Obj::new(Counter { count: 8 });
/// let p: CounterProxy<unsync::WeakProxy<Counter>> = unsync::proxy(&local);
/// assert_eq!(*p.count().unwrap(), 8);
/// ```
///
/// The derive's documentation (`weakref_derive`) lists what it generates and its options:
/// without `proxy`, [`Proxy`](Self::Proxy) is the bare `WeakProxy`; `#[weakref(proxy =
/// "Name")]` renames the wrapper.
///
/// # Implementing it by hand
///
/// A type that implements [`Weakrefable`] by hand has proxies
/// ([`WeakProxy::new`](crate::WeakProxy::new)) but no wrapper. To use it with
/// [`proxy`](crate::proxy) too, name the bare proxy, as the derive does without `proxy`:
///
/// ```
/// use weakref_core::{proxy, Obj, Proxied, ProxyAccess, WeakProxy, Weakrefable};
///
/// struct Meters(f64);
///
/// impl Weakrefable for Meters {}
///
/// impl Proxied for Meters {
///     type Proxy<P: ProxyAccess<Target = Self>> = P;
/// }
///
/// let length = Obj::new(Meters(2.5));
/// let p: WeakProxy<Meters> = proxy(&length);
/// assert_eq!(p.with(|m| m.0), Ok(2.5));
/// ```
#[diagnostic::on_unimplemented(
    message = "cannot create weak reference to '{Self}' object",
    label = "'{Self}' has no proxy wrapper",
    note = "`#[derive(Weakrefable)]` on your type's definition allows weak references and proxies to it, and wrapping a foreign type such as `{Self}` in a struct that derives it does too; a type that implements `Weakrefable` by hand needs an `impl Proxied` as well (with `type Proxy<P: ProxyAccess<Target = Self>> = P;`), or `WeakProxy::new` instead of `proxy`"
)]
pub trait Proxied: Weakrefable {
    /// The proxy type that [`proxy`](crate::proxy) returns, given the flavor's bare proxy
    /// `P` (a [`WeakProxy<Self>`](crate::WeakProxy) or an
    /// [`unsync::WeakProxy<Self>`](crate::unsync::WeakProxy)).
    ///
    /// The derive sets it to `P` itself, or with `#[weakref(proxy)]` to the generated wrapper
    /// (`CounterProxy<P>`). Whatever it is, it is made from `P` (`From<P>`) and lends it
    /// (`Borrow<P>`), so generic code can always reach the bare proxy:
    ///
    /// ```
    /// use std::borrow::Borrow;
    /// use weakref_core::{proxy, Obj, Proxied, WeakProxy, Weakrefable};
    ///
    /// fn alive<T: Proxied>(obj: &Obj<T>) -> bool {
    ///     let p = proxy(obj);
    ///     let bare: &WeakProxy<T> = p.borrow();
    ///     bare.is_alive()
    /// }
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// assert!(alive(&Obj::new(Node)));
    /// ```
    type Proxy<P: ProxyAccess<Target = Self>>: From<P> + Borrow<P>;
}

/// Implemented by `#[derive(Weakrefable)]` for a type with a generated proxy wrapper
/// (`#[weakref(proxy)]`), so that `#[forward]` on a type without one can say what is missing.
#[diagnostic::on_unimplemented(
    message = "`#[forward]` adds methods to the proxy wrapper of `{Self}`, which has none",
    label = "`{Self}` has no proxy wrapper",
    note = "add `#[weakref(proxy)]` under `#[derive(Weakrefable)]` on `{Self}` to generate its wrapper, or call its methods through the bare proxy: `weakref_core::proxy(&obj).with(|object| object.method())`"
)]
pub trait ProxyWrapper: Proxied {}

/// Compiles only if `T` has a generated proxy wrapper; `#[forward]` expands to a call.
pub fn assert_proxy_wrapper<T: ?Sized + ProxyWrapper>() {}
