//! Unsizing a handle: `Obj<Printer>` to `Obj<dyn Observer>`, on stable Rust.
//!
//! Stable Rust has no `CoerceUnsized` for user types, but raw pointers unsize. [`coerce!`]
//! splits a handle into a raw pointer to its object's value and a token that remembers the
//! rest of the handle (including where the value sits in the allocation), then hands the
//! pointer back to the token's inherent, generic `rebuild`: the compiler takes `rebuild`'s
//! target type from the type the caller expects and coerces the pointer at the argument,
//! checking the unsizing itself (a trait method would not get that inference). No user code
//! ever supplies the pointer conversion.
//!
//! [`coerce!`]: crate::coerce!

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::flavor::Flavor;
use crate::obj::Obj;
use crate::proxy::WeakProxy;
use crate::raw::{Node, ObjInner, RawObj, RawWeak};
use crate::weakref::WeakRef;

/// Converts a handle to one whose type is an unsized view of the same object: an
/// [`Obj<Printer>`](crate::Obj) to an `Obj<dyn Observer>`, and the same for
/// [`WeakRef`](crate::WeakRef) and [`WeakProxy`](crate::WeakProxy), in either flavor.
///
/// The target type comes from context (a `let` with a type, an argument, a field). The
/// conversion is the compiler's own unsizing coercion, so it compiles exactly when `Printer`
/// implements `Observer` (and `Send`/`Sync` if the target names them). The handle is consumed
/// and the result shares its object, or its weak-reference object: weak references made
/// through either view count in [`getweakrefcount`](crate::getweakrefcount), their callbacks
/// run in one newest-first order, and identity (`ptr_eq` of weak references, identity-keyed
/// collections) is the same.
///
/// ```
/// use weakref_core::{coerce, getweakrefcount, Obj, WeakIdSet, WeakRef, Weakrefable};
///
/// trait Observer: Weakrefable + Send + Sync {
///     fn notify(&self, event: &str) -> String;
/// }
///
/// #[derive(Weakrefable)]
/// struct Printer;
///
/// impl Observer for Printer {
///     fn notify(&self, event: &str) -> String {
///         format!("printed {event}")
///     }
/// }
///
/// let printer = Obj::new(Printer);
/// let weak_printer = WeakRef::new(&printer);
///
/// let observer: Obj<dyn Observer> = coerce!(printer.clone());
/// let weak_observer: WeakRef<dyn Observer> = coerce!(weak_printer.clone());
/// assert_eq!(observer.notify("save"), "printed save");
/// assert_eq!(getweakrefcount(&observer), 1); // the same weak-reference object
///
/// let observers: WeakIdSet<dyn Observer> = WeakIdSet::new();
/// observers.add(&observer);
/// assert!(observers.contains(&*weak_observer.upgrade().unwrap()));
/// drop((printer, observer));
/// assert!(observers.is_empty());
/// ```
///
/// The single-threaded flavor works the same way (`weakref_core::unsync::coerce!` is this
/// macro):
///
/// ```
/// use weakref_core::{coerce, unsync, Weakrefable};
///
/// trait Shape: Weakrefable {
///     fn area(&self) -> f64;
/// }
///
/// #[derive(Weakrefable)]
/// struct Square(f64);
///
/// impl Shape for Square {
///     fn area(&self) -> f64 {
///         self.0 * self.0
///     }
/// }
///
/// let shapes: Vec<unsync::Obj<dyn Shape>> = vec![coerce!(unsync::Obj::new(Square(2.0)))];
/// assert_eq!(shapes[0].area(), 4.0);
/// ```
///
/// A type that does not implement the trait is rejected at compile time:
///
/// ```compile_fail
/// use weakref_core::{coerce, Obj, Weakrefable};
///
/// trait Observer: Weakrefable {}
///
/// #[derive(Weakrefable)]
/// struct Stranger;
///
/// let o: Obj<dyn Observer> = coerce!(Obj::new(Stranger)); // error: `Stranger: Observer`
/// ```
#[macro_export]
macro_rules! coerce {
    ($handle:expr $(,)?) => {{
        let (pointer, token) = $crate::__private::split($handle);
        // SAFETY: `pointer` and `token` come from one `split`, and the pointer reaches
        // `rebuild` only through the compiler's unsizing coercion.
        unsafe { token.rebuild(pointer) }
    }};
}

mod sealed {
    /// Keeps [`Coerce`](super::Coerce) implemented by this crate's handles only.
    pub trait Sealed {}
}

/// A handle that [`coerce!`](crate::coerce!) can take apart.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`coerce!` cannot convert `{Self}`",
    label = "expected an `Obj`, a `WeakRef` or a `WeakProxy`, taken by value",
    note = "`coerce!` converts an owned handle; to keep the original, pass a clone: `coerce!(handle.clone())`"
)]
pub trait Coerce: sealed::Sealed {
    /// The object's value, as the handle sees it.
    type Value: ?Sized;
    /// What rebuilds the handle around the (coerced) value pointer.
    type Token;

    /// Takes the handle apart, keeping the counts it holds for the rebuilt handle.
    fn split(self) -> (*const Self::Value, Self::Token);
}

/// Takes `handle` apart for [`coerce!`](crate::coerce!): a pointer to its object's value, to
/// be coerced, and a token that rebuilds the handle around it.
#[doc(hidden)]
#[inline]
pub fn split<H: Coerce>(handle: H) -> (*const H::Value, H::Token) {
    handle.split()
}

/// What every token keeps: where the value sits in its object's allocation.
///
/// The value pointer is what gets coerced, so that the compiler checks (and its errors name)
/// the user's types only; unsizing keeps its address, and the offset leads back to the
/// allocation without reading anything.
struct Offset(usize);

impl Offset {
    fn of<T: ?Sized, F: Flavor>(inner: NonNull<ObjInner<T, F>>) -> (*const T, Self) {
        let value = ObjInner::value_ptr(inner);
        let offset = value.cast::<u8>().addr() - inner.as_ptr().cast::<u8>().addr();
        (value, Offset(offset))
    }

    /// The allocation of the value at `value`, seen as `ObjInner<U, F>`.
    ///
    /// # Safety
    ///
    /// `value` is the pointer [`Offset::of`] returned, possibly unsized by a coercion.
    unsafe fn inner<U: ?Sized, F: Flavor>(self, value: *const U) -> NonNull<ObjInner<U, F>> {
        // SAFETY: `value` points `self.0` bytes into the allocation, with its provenance, and
        // `ObjInner<U, F>` has the same metadata as `U`, so the cast keeps it.
        let inner = unsafe { value.byte_sub(self.0) } as *const ObjInner<U, F>;
        // SAFETY: it is the allocation's address, which came from a `NonNull`.
        unsafe { NonNull::new_unchecked(inner.cast_mut()) }
    }
}

/// Rebuilds an [`Obj`] for [`coerce!`](crate::coerce!).
#[doc(hidden)]
pub struct ObjToken<F: Flavor>(Offset, PhantomData<F>);

/// Rebuilds a [`WeakRef`] for [`coerce!`](crate::coerce!).
#[doc(hidden)]
pub struct WeakToken<F: Flavor>(Offset, NonNull<Node<F>>);

/// Rebuilds a [`WeakProxy`] for [`coerce!`](crate::coerce!).
#[doc(hidden)]
pub struct ProxyToken<F: Flavor>(WeakToken<F>);

impl<T: ?Sized, F: Flavor> sealed::Sealed for Obj<T, F> {}

impl<T: ?Sized, F: Flavor> Coerce for Obj<T, F> {
    type Value = T;
    type Token = ObjToken<F>;

    #[inline]
    fn split(self) -> (*const T, ObjToken<F>) {
        let (value, offset) = Offset::of(self.raw.into_inner());
        (value, ObjToken(offset, PhantomData))
    }
}

impl<F: Flavor> ObjToken<F> {
    /// The `Obj` whose strong count [`Coerce::split`] kept, seen as `U`.
    ///
    /// # Safety
    ///
    /// `value` is the pointer the same `split` returned, possibly unsized by a coercion.
    #[inline]
    pub unsafe fn rebuild<U: ?Sized>(self, value: *const U) -> Obj<U, F> {
        // SAFETY: forwarded from our caller.
        let inner = unsafe { self.0.inner(value) };
        // SAFETY: `split` kept the handle's strong count for us.
        Obj::from_raw_obj(unsafe { RawObj::adopt(inner) })
    }
}

impl<T: ?Sized, F: Flavor> sealed::Sealed for WeakRef<T, F> {}

impl<T: ?Sized, F: Flavor> Coerce for WeakRef<T, F> {
    type Value = T;
    type Token = WeakToken<F>;

    #[inline]
    fn split(self) -> (*const T, WeakToken<F>) {
        let (node, obj) = self.raw.into_parts();
        let (value, offset) = Offset::of(obj);
        (value, WeakToken(offset, node))
    }
}

impl<F: Flavor> WeakToken<F> {
    /// The `WeakRef` whose handle count [`Coerce::split`] kept, seeing its object as `U`.
    ///
    /// # Safety
    ///
    /// `value` is the pointer the same `split` returned, possibly unsized by a coercion.
    #[inline]
    pub unsafe fn rebuild<U: ?Sized>(self, value: *const U) -> WeakRef<U, F> {
        WeakRef {
            // SAFETY: forwarded from our caller.
            raw: unsafe { self.raw(value) },
        }
    }

    /// # Safety
    ///
    /// As for [`rebuild`](Self::rebuild).
    unsafe fn raw<U: ?Sized>(self, value: *const U) -> RawWeak<U, F> {
        // SAFETY: forwarded from our caller. The object's allocation outlives the node, which
        // holds a weak count on it, so the offset still leads to it even if the value died.
        let inner = unsafe { self.0.inner(value) };
        // SAFETY: node and object pointer come from one `into_parts`, the latter unsized.
        unsafe { RawWeak::from_parts(self.1, inner) }
    }
}

impl<T: ?Sized, F: Flavor> sealed::Sealed for WeakProxy<T, F> {}

impl<T: ?Sized, F: Flavor> Coerce for WeakProxy<T, F> {
    type Value = T;
    type Token = ProxyToken<F>;

    #[inline]
    fn split(self) -> (*const T, ProxyToken<F>) {
        let (node, obj) = self.raw.into_parts();
        let (value, offset) = Offset::of(obj);
        (value, ProxyToken(WeakToken(offset, node)))
    }
}

impl<F: Flavor> ProxyToken<F> {
    /// The `WeakProxy` whose handle count [`Coerce::split`] kept, seeing its object as `U`.
    ///
    /// # Safety
    ///
    /// `value` is the pointer the same `split` returned, possibly unsized by a coercion.
    #[inline]
    pub unsafe fn rebuild<U: ?Sized>(self, value: *const U) -> WeakProxy<U, F> {
        WeakProxy {
            // SAFETY: forwarded from our caller.
            raw: unsafe { self.0.raw(value) },
        }
    }
}
