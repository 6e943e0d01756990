//! `WeakProxy` (Python's `weakref.proxy`), `proxy` and `proxy_with_callback`.

use core::fmt;

use crate::flavor::{self, Flavor, SendIf};
use crate::obj::Obj;
use crate::raw::{Kind, RawWeak};
use crate::weakref::WeakRef;
use crate::{Callable, FieldRef, Proxied, ProxyAccess, ReferenceError, Weakrefable};

/// A weak proxy to an [`Obj`]: Python's `weakref.proxy`.
///
/// Like a [`WeakRef`], a proxy does not keep its object alive. Python's proxy forwards every
/// attribute access to the object; in Rust, every access goes through a temporary strong handle, so
/// no `&T` can outlive the object: [`with`](WeakProxy::with) lends the object to a closure,
/// [`get`](WeakProxy::get) returns a strong handle, [`map`](WeakProxy::map) a guard lending a
/// field. Once the object died, every access is an `Err(ReferenceError)`, never a panic.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use weakref_core::{Obj, ReferenceError, WeakProxy, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Counter {
///     hits: AtomicU32,
/// }
///
/// let counter = Obj::new(Counter { hits: AtomicU32::new(0) });
/// let proxy = WeakProxy::new(&counter);
/// proxy.with(|c| c.hits.fetch_add(1, Ordering::Relaxed)).unwrap();
/// assert_eq!(counter.hits.load(Ordering::Relaxed), 1); // the same object
/// drop(counter);
/// assert_eq!(proxy.with(|c| c.hits.load(Ordering::Relaxed)), Err(ReferenceError));
/// ```
///
/// # The generated wrapper
///
/// `#[derive(Weakrefable)]` on `Counter` also generates `CounterProxy`, a wrapper that derefs to
/// `WeakProxy<Counter>` and adds an accessor per field; [`#[forward]`](crate::forward) on an `impl
/// Counter` block adds the `&self` methods. [`proxy`] returns it. See [`Proxied`](crate::Proxied)
/// for the details.
///
/// # Sharing, callbacks, order
///
/// As in CPython, [`new`](WeakProxy::new) hands out the object's one shared proxy while a handle to
/// it is held (separately from the shared [`WeakRef`]), and
/// [`with_callback`](WeakProxy::with_callback) always makes a new one. Proxies take part in the
/// object's death like references: they are cleared first, then the callbacks run, newest first
/// among references and proxies. [`getweakrefcount`](crate::getweakrefcount) counts them and [`getweakrefs`](crate::getweakrefs) lists them,
/// the shared proxy right after the shared reference.
///
/// # Traits
///
/// * `Debug` never panics: `<weakproxy at 0x…; to 'Type' at 0x…>`, or `<weakproxy at 0x…; dead>`.
/// * No `PartialEq`: comparing through a proxy can fail (`ReferenceError`), which `==` cannot
///   report, and a silent `false` would hide a dead object. Use [`eq_value`](WeakProxy::eq_value)
///   and [`eq_proxy`](WeakProxy::eq_proxy), or [`ptr_eq`](WeakProxy::ptr_eq) for identity.
/// * No `Hash`, as in Python: a proxy's hash would have to change, or fail, when its object dies.
/// * No `Deref<Target = T>`: that would hand out a `&T` with no strong handle behind it.
#[repr(transparent)]
pub struct WeakProxy<T: ?Sized, F: Flavor = flavor::Sync> {
    pub(crate) raw: RawWeak<T, F>,
}

// SAFETY: a proxy is a weak reference's node seen differently; it crosses threads exactly when
// a `WeakRef` does (see there): its object must be `Send + Sync` and its callback is `Send`.
unsafe impl<T: ?Sized + Send + Sync> Send for WeakProxy<T, flavor::Sync> {}
// SAFETY: as for `Send`.
unsafe impl<T: ?Sized + Send + Sync> Sync for WeakProxy<T, flavor::Sync> {}

impl<T: ?Sized, F: Flavor> Unpin for WeakProxy<T, F> {}

impl<T: ?Sized + Weakrefable, F: Flavor> WeakProxy<T, F> {
    /// The object's shared proxy, without callback: Python's `weakref.proxy(obj)`.
    ///
    /// While a handle to it is held, every call returns the same proxy (`proxy(o) is proxy(o)`);
    /// after its last handle drops, the next call makes a new one. It is distinct from the shared
    /// [`WeakRef`]. [`proxy`] returns it in the type's generated wrapper.
    ///
    /// ```
    /// use weakref_core::{getweakrefcount, Obj, WeakProxy, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let a = WeakProxy::new(&node);
    /// let b = WeakProxy::new(&node);
    /// assert!(a.ptr_eq(&b));
    /// let weak = WeakRef::new(&node);
    /// assert!(!weak.ptr_eq(a.as_weakref()));
    /// assert_eq!(getweakrefcount(&node), 2);
    /// ```
    pub fn new(obj: &Obj<T, F>) -> Self {
        Self {
            raw: RawWeak::shared(&obj.raw, Kind::SharedProxy),
        }
    }

    /// A new proxy whose `callback` runs when the object dies: Python's `weakref.proxy(obj,
    /// callback)`.
    ///
    /// Each call makes a distinct proxy. The callback is given the (dead) proxy and follows the
    /// rules of [`WeakRef::with_callback`]: it runs once, after every reference and proxy to the
    /// object has been cleared, newest first, with none of this crate's locks held, and never if
    /// every handle to the proxy was dropped first. [`proxy_with_callback`] returns it in the
    /// type's generated wrapper.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use weakref_core::{Obj, ReferenceError, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let seen = Arc::new(Mutex::new(None));
    /// let node = Obj::new(Node);
    /// let sink = Arc::clone(&seen);
    /// let proxy = WeakProxy::with_callback(&node, move |dead: &WeakProxy<Node>| {
    ///     *sink.lock().unwrap() = Some(dead.get().err());
    /// });
    /// assert!(!proxy.ptr_eq(&WeakProxy::new(&node)));
    /// drop(node);
    /// assert_eq!(*seen.lock().unwrap(), Some(Some(ReferenceError)));
    /// ```
    #[must_use = "dropping the proxy unregisters its callback: keep it for as long as the callback should run"]
    pub fn with_callback<C>(obj: &Obj<T, F>, callback: C) -> Self
    where
        C: FnOnce(&WeakProxy<T, F>) + SendIf<F> + 'static,
    {
        let raw =
            RawWeak::with_callback(&obj.raw, Kind::CallbackProxy, move |raw: &RawWeak<T, F>| {
                callback(WeakProxy::from_raw_ref(raw))
            });
        Self { raw }
    }
}

impl<T: ?Sized, F: Flavor> WeakProxy<T, F> {
    fn from_raw_ref(raw: &RawWeak<T, F>) -> &Self {
        // SAFETY: `WeakProxy` is a `repr(transparent)` wrapper of `RawWeak`, so the
        // pointer cast keeps the layout, and the borrow keeps `raw`'s lifetime.
        unsafe { &*core::ptr::from_ref(raw).cast::<Self>() }
    }

    /// A strong handle to the object, or `Err(ReferenceError)` if it died.
    ///
    /// The handle keeps the object alive for as long as it is held, however the other handles come
    /// and go.
    ///
    /// ```
    /// use weakref_core::{Obj, ReferenceError, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node(u32);
    ///
    /// let node = Obj::new(Node(7));
    /// let proxy = WeakProxy::new(&node);
    /// let strong = proxy.get().unwrap();
    /// assert!(Obj::ptr_eq(&strong, &node));
    /// drop((node, strong));
    /// assert!(matches!(proxy.get(), Err(ReferenceError)));
    /// ```
    #[inline]
    pub fn get(&self) -> Result<Obj<T, F>, ReferenceError> {
        match self.raw.upgrade() {
            Some(raw) => Ok(Obj::from_raw_obj(raw)),
            None => Err(ReferenceError),
        }
    }

    /// Calls `f` with the object, or returns `Err(ReferenceError)` if it died: every Python
    /// operation on a proxy, in one method.
    ///
    /// A strong handle is held for the whole call, so the object cannot die while `f` runs, even if
    /// `f` drops every other handle to it; if it does, the object dies when `with` returns.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use weakref_core::{Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Playlist {
    ///     songs: Mutex<Vec<String>>,
    /// }
    ///
    /// let list = Obj::new(Playlist { songs: Mutex::new(Vec::new()) });
    /// let proxy = WeakProxy::new(&list);
    /// proxy.with(|l| l.songs.lock().unwrap().push("intro".into())).unwrap();
    /// assert_eq!(proxy.with(|l| l.songs.lock().unwrap().len()), Ok(1));
    /// drop(list);
    /// assert!(proxy.with(|l| l.songs.lock().unwrap().len()).is_err());
    /// ```
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, ReferenceError> {
        let strong = self.get()?;
        Ok(f(&strong))
    }

    /// A guard lending the part of the object that `project` selects (usually a field), or
    /// `Err(ReferenceError)` if the object died: Python's `p.attr`.
    ///
    /// The guard holds a strong handle while it lives; see [`FieldRef`]. The generated wrapper's
    /// field accessors are built on this.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Point {
    ///     x: f64,
    ///     tag: String,
    /// }
    ///
    /// let point = Obj::new(Point { x: 1.5, tag: "origin".into() });
    /// let proxy = WeakProxy::new(&point);
    /// assert_eq!(*proxy.map(|p| &p.x).unwrap(), 1.5);
    /// assert_eq!(proxy.map(|p| p.tag.as_str()).unwrap().len(), 6);
    /// drop(point);
    /// assert!(proxy.map(|p| &p.x).is_err());
    /// ```
    #[inline]
    pub fn map<U: ?Sized>(
        &self,
        project: fn(&T) -> &U,
    ) -> Result<FieldRef<Obj<T, F>, U>, ReferenceError> {
        Ok(FieldRef::new(self.get()?, project))
    }

    /// Whether the object is still alive.
    ///
    /// Another thread may drop the object right after this returns `true`; use
    /// [`with`](WeakProxy::with) or [`get`](WeakProxy::get) to hold it.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let proxy = WeakProxy::new(&node);
    /// assert!(proxy.is_alive());
    /// drop(node);
    /// assert!(!proxy.is_alive());
    /// ```
    pub fn is_alive(&self) -> bool {
        self.raw.is_alive()
    }

    /// Whether two handles are handles to the same proxy (Python's `p1 is p2`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let shared = WeakProxy::new(&node);
    /// let own = WeakProxy::with_callback(&node, |_| {});
    /// assert!(shared.ptr_eq(&shared.clone()));
    /// assert!(!shared.ptr_eq(&own));
    /// ```
    pub fn ptr_eq(&self, other: &Self) -> bool {
        self.raw.ptr_eq(&other.raw)
    }

    /// Whether this proxy's callback is still to run: `false` for a proxy made without one, and for
    /// every proxy once its object has died.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let watched = WeakProxy::with_callback(&node, |_| {});
    /// assert!(watched.callback_pending());
    /// assert!(!WeakProxy::new(&node).callback_pending());
    /// drop(node);
    /// assert!(!watched.callback_pending());
    /// ```
    pub fn callback_pending(&self) -> bool {
        self.raw.callback_pending()
    }

    /// This proxy's weak-reference object as a [`WeakRef`] handle: the form in which
    /// [`getweakrefs`](crate::getweakrefs) lists it, for [`WeakRef::ptr_eq`].
    ///
    /// The `WeakRef` behaves as a weak reference to the same object; converting with
    /// `WeakRef::from(proxy)` gives an owned one.
    ///
    /// ```
    /// use weakref_core::{getweakrefs, Obj, WeakProxy, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let proxy = WeakProxy::new(&node);
    /// assert!(getweakrefs(&node)[0].ptr_eq(proxy.as_weakref()));
    /// assert!(proxy.as_weakref().is_proxy());
    /// let weak: WeakRef<Node> = proxy.clone().into();
    /// assert!(weak.ptr_eq(proxy.as_weakref()));
    /// ```
    pub fn as_weakref(&self) -> &WeakRef<T, F> {
        WeakRef::from_raw_ref(&self.raw)
    }

    /// Whether the object equals `other`: Python's `p == o`, or `Err(ReferenceError)` if the object
    /// died.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(PartialEq, Weakrefable)]
    /// struct Version(u32);
    ///
    /// let v = Obj::new(Version(3));
    /// let proxy = WeakProxy::new(&v);
    /// assert_eq!(proxy.eq_value(&Version(3)), Ok(true));
    /// assert_eq!(proxy.eq_value(&v), Ok(true));
    /// drop(v);
    /// assert!(proxy.eq_value(&Version(3)).is_err());
    /// ```
    pub fn eq_value<U: ?Sized>(&self, other: &U) -> Result<bool, ReferenceError>
    where
        T: PartialEq<U>,
    {
        self.with(|value| value == other)
    }

    /// Whether the objects of two proxies are equal: Python's `p1 == p2`, which unwraps both sides.
    ///
    /// `Err(ReferenceError)` if either object died, even when both handles are handles to the same
    /// proxy, as in Python. Proxies with and without callbacks compare alike.
    ///
    /// ```
    /// use weakref_core::{Obj, ReferenceError, WeakProxy, Weakrefable};
    ///
    /// #[derive(PartialEq, Weakrefable)]
    /// struct Version(u32);
    ///
    /// let a = Obj::new(Version(3));
    /// let b = Obj::new(Version(3));
    /// let (pa, pb) = (WeakProxy::new(&a), WeakProxy::with_callback(&b, |_| {}));
    /// assert_eq!(pa.eq_proxy(&pb), Ok(true));
    /// drop(b);
    /// assert_eq!(pa.eq_proxy(&pb), Err(ReferenceError));
    /// assert_eq!(pb.eq_proxy(&pb), Err(ReferenceError));
    /// ```
    pub fn eq_proxy<U: ?Sized>(&self, other: &WeakProxy<U, F>) -> Result<bool, ReferenceError>
    where
        T: PartialEq<U>,
    {
        let (this, other) = (self.get()?, other.get()?);
        Ok(*this == *other)
    }

    /// Calls the object with `args` (a tuple, as `Fn::call` takes them): Python's `p(*args)` for a
    /// callable object, or `Err(ReferenceError)` if it died.
    ///
    /// Available when the object is [`Callable`](crate::Callable) with these arguments. A strong
    /// handle is held for the whole call.
    ///
    /// ```
    /// use weakref_core::{Callable, Obj, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Greeter {
    ///     greeting: &'static str,
    /// }
    ///
    /// impl Callable<(&str,)> for Greeter {
    ///     type Output = String;
    ///
    ///     fn call_with(&self, (name,): (&str,)) -> String {
    ///         format!("{}, {name}!", self.greeting)
    ///     }
    /// }
    ///
    /// let greeter = Obj::new(Greeter { greeting: "Hello" });
    /// let proxy = WeakProxy::new(&greeter);
    /// assert_eq!(proxy.call(("Ada",)).unwrap(), "Hello, Ada!");
    /// drop(greeter);
    /// assert!(proxy.call(("Ada",)).is_err());
    /// ```
    pub fn call<Args>(&self, args: Args) -> Result<<T as Callable<Args>>::Output, ReferenceError>
    where
        T: Callable<Args>,
    {
        self.with(|callable| callable.call_with(args))
    }
}

impl<T: ?Sized, F: Flavor> Clone for WeakProxy<T, F> {
    /// Another handle to the same proxy (not a new proxy).
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
        }
    }
}

impl<T: ?Sized, F: Flavor> fmt::Debug for WeakProxy<T, F> {
    /// `<weakproxy at 0x…; to 'Type' at 0x…>` while the object lives and
    /// `<weakproxy at 0x…; dead>` after. Never touches the value, never panics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw, f)
    }
}

impl<T: ?Sized, F: Flavor> From<WeakProxy<T, F>> for WeakRef<T, F> {
    /// The proxy's weak-reference object as a `WeakRef` handle (see
    /// [`WeakProxy::as_weakref`]).
    fn from(proxy: WeakProxy<T, F>) -> Self {
        WeakRef { raw: proxy.raw }
    }
}

impl<T: ?Sized, F: Flavor> TryFrom<WeakRef<T, F>> for WeakProxy<T, F> {
    type Error = WeakRef<T, F>;

    /// The proxy behind a `WeakRef` handle to a proxy's weak-reference object (as
    /// [`getweakrefs`](crate::getweakrefs) returns them), or the handle back if it is a reference's.
    fn try_from(weak: WeakRef<T, F>) -> Result<Self, WeakRef<T, F>> {
        if weak.is_proxy() {
            Ok(WeakProxy { raw: weak.raw })
        } else {
            Err(weak)
        }
    }
}

impl<T: ?Sized, F: Flavor> super::sealed::Sealed for WeakProxy<T, F> {}

impl<T: ?Sized, F: Flavor> ProxyAccess for WeakProxy<T, F> {
    type Target = T;
    type Strong = Obj<T, F>;

    #[inline]
    fn get(&self) -> Result<Obj<T, F>, ReferenceError> {
        WeakProxy::get(self)
    }

    #[inline]
    fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, ReferenceError> {
        WeakProxy::with(self, f)
    }

    #[inline]
    fn map<U: ?Sized>(
        &self,
        project: fn(&T) -> &U,
    ) -> Result<FieldRef<Obj<T, F>, U>, ReferenceError> {
        WeakProxy::map(self, project)
    }
}

/// The object's shared proxy in the type's proxy wrapper: Python's `weakref.proxy(obj)`.
///
/// For a type that derives [`Weakrefable`] (which implements [`Proxied`](crate::Proxied)) this is
/// the [`WeakProxy`] itself; with `#[weakref(proxy)]` on the type, the generated wrapper
/// (`CounterProxy` for `Counter`), which derefs to [`WeakProxy`] and adds the type's field
/// accessors and [forwarded](crate::forward) methods, each returning `Result<_,
/// ReferenceError>`.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use weakref_core::{forward, proxy, Obj, Weakrefable};
///
/// #[derive(Weakrefable)]
/// #[weakref(proxy)]
/// pub struct Counter {
///     pub count: AtomicU32,
/// }
///
/// #[forward]
/// impl Counter {
///     pub fn bump(&self) -> u32 {
///         self.count.fetch_add(1, Ordering::Relaxed) + 1
///     }
/// }
///
/// let counter = Obj::new(Counter { count: AtomicU32::new(0) });
/// let p = proxy(&counter);
/// assert_eq!(p.bump(), Ok(1)); // a forwarded method
/// assert_eq!(p.count().unwrap().load(Ordering::Relaxed), 1); // a field
/// assert!(p.is_alive()); // `WeakProxy`'s own methods, through `Deref`
/// drop(counter);
/// assert!(p.bump().is_err());
/// assert!(p.count().is_err());
/// ```
#[must_use = "a proxy dropped at once was of no use"]
pub fn proxy<T: ?Sized + Proxied, F: Flavor>(obj: &Obj<T, F>) -> T::Proxy<WeakProxy<T, F>> {
    From::from(WeakProxy::new(obj))
}

/// A new proxy whose `callback` runs when the object dies, in the type's proxy wrapper: Python's
/// `weakref.proxy(obj, callback)`.
///
/// [`WeakProxy::with_callback`] in the wrapper that [`proxy`] returns.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weakref_core::{proxy_with_callback, Obj, WeakProxy, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Tab {
///     title: String,
/// }
///
/// let closed = Arc::new(Mutex::new(false));
/// let tab = Obj::new(Tab { title: "docs".into() });
/// let flag = Arc::clone(&closed);
/// let p = proxy_with_callback(&tab, move |_: &WeakProxy<Tab>| {
///     *flag.lock().unwrap() = true;
/// });
/// assert_eq!(*p.map(|tab| &tab.title).unwrap(), "docs");
/// drop(tab);
/// assert!(*closed.lock().unwrap());
/// ```
#[must_use = "dropping the proxy unregisters its callback: keep it for as long as the callback should run"]
pub fn proxy_with_callback<T, F, C>(obj: &Obj<T, F>, callback: C) -> T::Proxy<WeakProxy<T, F>>
where
    T: ?Sized + Proxied,
    F: Flavor,
    C: FnOnce(&WeakProxy<T, F>) + SendIf<F> + 'static,
{
    From::from(WeakProxy::with_callback(obj, callback))
}
