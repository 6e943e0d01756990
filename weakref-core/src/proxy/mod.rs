//! Proxies: using an object through a weak reference, without a `&T` that could dangle.
//!
//! [`WeakProxy`] itself is in `weak_proxy.rs`. This module holds what surrounds it: the error
//! a dead proxy gives, the trait the generated wrappers are written against, the guard that
//! lends a field of a proxied object, and the trait that makes a referent callable.

mod weak_proxy;

pub use weak_proxy::{WeakProxy, proxy, proxy_with_callback};

use core::borrow::Borrow;
use core::fmt;
use core::ops::Deref;

/// The error of every access through a proxy whose object has died: Python's
/// `ReferenceError: weakly-referenced object no longer exists`.
///
/// Accessing a dead proxy never panics and never touches freed memory: it returns
/// `Err(ReferenceError)`. The error carries no data, so it is free to copy and compare.
///
/// ```
/// use weakref_core::{Obj, ReferenceError, WeakProxy, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Session {
///     user: String,
/// }
///
/// let session = Obj::new(Session { user: "ada".into() });
/// let proxy = WeakProxy::new(&session);
/// assert_eq!(proxy.with(|s| s.user.len()), Ok(3));
/// drop(session);
/// assert_eq!(proxy.with(|s| s.user.len()), Err(ReferenceError));
/// assert_eq!(
///     ReferenceError.to_string(),
///     "weakly-referenced object no longer exists"
/// );
/// let boxed: Box<dyn std::error::Error> = Box::new(ReferenceError);
/// assert_eq!(boxed.to_string(), "weakly-referenced object no longer exists");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReferenceError;

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("weakly-referenced object no longer exists")
    }
}

impl std::error::Error for ReferenceError {}

pub(crate) mod sealed {
    /// Keeps [`ProxyAccess`](super::ProxyAccess) implemented by this crate's proxies only.
    pub trait Sealed {}
}

/// What a proxy wrapper needs from the proxy it wraps: access to the referent through a
/// temporary strong handle.
///
/// Implemented by [`WeakProxy`](crate::WeakProxy) and
/// [`unsync::WeakProxy`](crate::unsync::WeakProxy), and by nothing else (the trait is sealed).
/// The wrappers that `#[derive(Weakrefable)]` generates (`CounterProxy<P>` for `Counter`) and
/// the methods that [`#[forward]`](crate::forward) adds to them are written against this
/// trait, so one wrapper serves both flavors. Its methods are the inherent methods of the same
/// names on `WeakProxy`; generic code over either flavor calls them through the trait:
///
/// ```
/// use weakref_core::{Obj, ProxyAccess, ReferenceError, WeakProxy, Weakrefable, unsync};
///
/// #[derive(Weakrefable)]
/// struct Gauge {
///     level: u32,
/// }
///
/// fn level<P: ProxyAccess<Target = Gauge>>(proxy: &P) -> Result<u32, ReferenceError> {
///     proxy.with(|gauge| gauge.level)
/// }
///
/// let gauge = Obj::new(Gauge { level: 3 });
/// assert_eq!(level(&WeakProxy::new(&gauge)), Ok(3));
/// let local = unsync::Obj::new(Gauge { level: 4 });
/// assert_eq!(level(&unsync::WeakProxy::new(&local)), Ok(4));
/// ```
pub trait ProxyAccess: sealed::Sealed {
    /// The type of the referent.
    type Target: ?Sized;

    /// The strong handle to the referent: the `Obj<Target>` of the proxy's flavor.
    type Strong: Deref<Target = Self::Target>;

    /// A strong handle to the referent, or `Err(ReferenceError)` if it died.
    ///
    /// ```
    /// use weakref_core::{Obj, ProxyAccess, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Cell(u8);
    ///
    /// let cell = Obj::new(Cell(1));
    /// let strong = ProxyAccess::get(&WeakProxy::new(&cell)).unwrap();
    /// assert!(Obj::ptr_eq(&strong, &cell));
    /// ```
    fn get(&self) -> Result<Self::Strong, ReferenceError>;

    /// Calls `f` with the referent, holding a strong handle for the whole call.
    ///
    /// ```
    /// use weakref_core::{Obj, ProxyAccess, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Cell(u8);
    ///
    /// let cell = Obj::new(Cell(1));
    /// assert_eq!(ProxyAccess::with(&WeakProxy::new(&cell), |c| c.0 + 1), Ok(2));
    /// ```
    fn with<R>(&self, f: impl FnOnce(&Self::Target) -> R) -> Result<R, ReferenceError> {
        let strong = self.get()?;
        Ok(f(&strong))
    }

    /// A guard lending the part of the referent that `project` selects, holding a strong
    /// handle for as long as it lives.
    ///
    /// ```
    /// use weakref_core::{Obj, ProxyAccess, WeakProxy, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Named {
    ///     name: String,
    /// }
    ///
    /// let named = Obj::new(Named { name: "x".into() });
    /// let name = ProxyAccess::map(&WeakProxy::new(&named), |n| &n.name).unwrap();
    /// assert_eq!(*name, "x");
    /// ```
    fn map<U: ?Sized>(
        &self,
        project: fn(&Self::Target) -> &U,
    ) -> Result<FieldRef<Self::Strong, U>, ReferenceError> {
        Ok(FieldRef::new(self.get()?, project))
    }
}

/// A part of an object (usually a field), lent together with a strong handle that keeps the
/// object alive: what a proxy's field accessors return.
///
/// `FieldRef<S, U>` derefs to `U`. It owns the strong handle `S` (an `Obj`), so the `&U` it
/// lends can never outlive the object, however long the guard is kept. That is also its
/// cost: like the `Obj` that [`WeakProxy::get`](crate::WeakProxy::get) returns, a kept guard
/// keeps the whole object alive. Read what you need and let it go, or clone the value out
/// (`FieldRef` does not implement `Clone`, so `.clone()` clones the field).
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use weakref_core::{FieldRef, Obj, WeakProxy, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Counter {
///     hits: AtomicU32,
///     label: String,
/// }
///
/// let counter = Obj::new(Counter { hits: AtomicU32::new(0), label: "home".into() });
/// let proxy = WeakProxy::new(&counter);
/// let hits: FieldRef<Obj<Counter>, AtomicU32> = proxy.map(|c| &c.hits).unwrap();
/// hits.fetch_add(1, Ordering::Relaxed); // interior mutability through the guard
/// drop(hits);
/// assert_eq!(counter.hits.load(Ordering::Relaxed), 1);
///
/// let label: String = proxy.map(|c| &c.label).unwrap().clone(); // an owned copy
/// drop(counter);
/// assert_eq!(label, "home");
/// assert!(proxy.map(|c| &c.label).is_err());
/// ```
pub struct FieldRef<S: Deref, U: ?Sized> {
    strong: S,
    project: fn(&S::Target) -> &U,
}

impl<S: Deref, U: ?Sized> FieldRef<S, U> {
    /// A guard lending `project(&*strong)` for as long as it holds `strong`.
    ///
    /// ```
    /// use weakref_core::{FieldRef, Obj};
    ///
    /// let pair = Obj::new((1, "one"));
    /// let second = FieldRef::new(pair, |p| &p.1);
    /// assert_eq!(*second, "one");
    /// ```
    pub fn new(strong: S, project: fn(&S::Target) -> &U) -> Self {
        Self { strong, project }
    }

    /// The strong handle the guard holds. An associated function, not a method, so that it
    /// never hides a method of `U`.
    ///
    /// ```
    /// use weakref_core::{FieldRef, Obj};
    ///
    /// let pair = Obj::new((1, 2));
    /// let first = FieldRef::new(pair.clone(), |p| &p.0);
    /// assert!(Obj::ptr_eq(FieldRef::strong(&first), &pair));
    /// ```
    pub fn strong(this: &Self) -> &S {
        &this.strong
    }

    /// Gives up the lent part and returns the strong handle.
    ///
    /// ```
    /// use weakref_core::{FieldRef, Obj};
    ///
    /// let pair = Obj::new((1, 2));
    /// let first = FieldRef::new(pair.clone(), |p| &p.0);
    /// let strong = FieldRef::into_strong(first);
    /// assert_eq!(Obj::strong_count(&strong), 2);
    /// ```
    pub fn into_strong(this: Self) -> S {
        this.strong
    }
}

impl<S: Deref, U: ?Sized> Deref for FieldRef<S, U> {
    type Target = U;

    #[inline]
    fn deref(&self) -> &U {
        (self.project)(&self.strong)
    }
}

impl<S: Deref, U: ?Sized> AsRef<U> for FieldRef<S, U> {
    fn as_ref(&self) -> &U {
        self
    }
}

impl<S: Deref, U: ?Sized> Borrow<U> for FieldRef<S, U> {
    fn borrow(&self) -> &U {
        self
    }
}

impl<S: Deref, U: ?Sized + fmt::Debug> fmt::Debug for FieldRef<S, U> {
    /// Formats the lent part, as `Ref` and `MutexGuard` do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<S: Deref, U: ?Sized + fmt::Display> fmt::Display for FieldRef<S, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Objects that can be called with the arguments `Args` (a tuple): Python's `__call__`, which
/// makes a proxy callable ([`WeakProxy::call`](crate::WeakProxy::call)).
///
/// The arguments are passed as a tuple, as `Fn::call` takes them: `()` for none, `(x,)` for
/// one. Every closure and function of up to six arguments implements it; implement it for a
/// type to make proxies to its objects callable, as a Python class does with `__call__`:
///
/// ```
/// use weakref_core::{Callable, Obj, ReferenceError, WeakProxy, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Scale {
///     factor: f64,
/// }
///
/// impl Callable<(f64,)> for Scale {
///     type Output = f64;
///
///     fn call_with(&self, (x,): (f64,)) -> f64 {
///         x * self.factor
///     }
/// }
///
/// let double = Obj::new(Scale { factor: 2.0 });
/// let proxy = WeakProxy::new(&double);
/// assert_eq!(proxy.call((21.0,)), Ok(42.0));
/// drop(double);
/// assert_eq!(proxy.call((21.0,)), Err(ReferenceError));
///
/// let add = |a: i32, b: i32| a + b;
/// assert_eq!(add.call_with((1, 2)), 3);
/// ```
pub trait Callable<Args> {
    /// What a call returns.
    type Output;

    /// Calls `self` with `args`.
    ///
    /// ```
    /// use weakref_core::Callable;
    ///
    /// fn twice<F: Callable<(u8,), Output = u8>>(f: &F, x: u8) -> u8 {
    ///     f.call_with((f.call_with((x,)),))
    /// }
    ///
    /// assert_eq!(twice(&|x: u8| x + 1, 1), 3);
    /// assert_eq!((|| "no arguments").call_with(()), "no arguments");
    /// ```
    fn call_with(&self, args: Args) -> Self::Output;
}

/// Implements [`Callable`] for every `Fn` with the given argument types.
macro_rules! callable_fn {
    ($($arg:ident: $Arg:ident),*) => {
        impl<F, R, $($Arg),*> Callable<($($Arg,)*)> for F
        where
            F: Fn($($Arg),*) -> R + ?Sized,
        {
            type Output = R;

            #[inline]
            fn call_with(&self, ($($arg,)*): ($($Arg,)*)) -> R {
                self($($arg),*)
            }
        }
    };
}

callable_fn!();
callable_fn!(a: A);
callable_fn!(a: A, b: B);
callable_fn!(a: A, b: B, c: C);
callable_fn!(a: A, b: B, c: C, d: D);
callable_fn!(a: A, b: B, c: C, d: D, e: E);
callable_fn!(a: A, b: B, c: C, d: D, e: E, f: G);
