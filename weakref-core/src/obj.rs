//! `Obj`: the strong handle to a weakly referenceable object.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;

use crate::Weakrefable;
use crate::flavor::{self, Flavor};
use crate::raw::RawObj;
use crate::weakref::WeakRef;

/// A shared, weakly referenceable object: the strong handle, like `Arc<T>` (or, in
/// [`unsync`](crate::unsync), like `Rc<T>`).
///
/// An object lives as long as one `Obj` handle to it does; cloning the handle shares the
/// object. When the last handle drops the object *dies*: every [`WeakRef`](crate::WeakRef) to
/// it stops upgrading, the callbacks of the weak references still held run (newest first),
/// and then the value is dropped. The comparison, hashing and formatting traits delegate to
/// `T`, as they do for `Arc`; identity is [`Obj::ptr_eq`].
///
/// ```
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Debug, Weakrefable)]
/// struct Image {
///     pixels: Vec<u8>,
/// }
///
/// let image = Obj::new(Image { pixels: vec![0; 16] });
/// let again = Obj::clone(&image);
/// assert!(Obj::ptr_eq(&image, &again));
/// assert_eq!(image.pixels.len(), 16); // `Obj<T>` derefs to `T`
///
/// let weak = WeakRef::new(&image);
/// drop(image);
/// assert!(weak.is_alive()); // `again` still holds it
/// drop(again);
/// assert!(weak.upgrade().is_none()); // dead: the last handle dropped
/// ```
///
/// # Trait objects
///
/// `T` may be unsized: an `Obj<Printer>` converts to an `Obj<dyn Observer>` with
/// [`coerce!`](crate::coerce!), which shares the same object (same weak references, same
/// identity), so observers of different types can live in one collection:
///
/// ```
/// use weakref_core::{coerce, Obj, WeakRef, Weakrefable};
///
/// trait Observer: Weakrefable + Send + Sync {
///     fn name(&self) -> String;
/// }
///
/// #[derive(Weakrefable)]
/// struct Printer;
///
/// impl Observer for Printer {
///     fn name(&self) -> String {
///         "printer".into()
///     }
/// }
///
/// let printer = Obj::new(Printer);
/// let observer: Obj<dyn Observer> = coerce!(printer.clone());
/// assert_eq!(observer.name(), "printer");
/// assert!(WeakRef::new(&observer).upgrade().is_some());
/// ```
///
/// # Flavor
///
/// `F` is the [flavor](crate::flavor): `weakref_core::Obj<T>` is `Obj<T, Sync>`, thread-safe
/// and `Send + Sync` exactly when `Arc<T>` would be; `unsync::Obj<T>` is `Obj<T, Unsync>`,
/// neither `Send` nor `Sync`, with non-atomic counts.
///
/// # Deep chains and cycles
///
/// Dropping a long chain of objects that own each other cannot overflow the stack: deaths
/// nested deeper than a fixed bound are queued and finished, in a loop, before the outermost
/// `drop` returns.
///
/// Like `Arc`, reference cycles of `Obj`s are never freed: objects in a cycle never die, so
/// their weak references never call back. Break cycles with [`WeakRef`](crate::WeakRef).
#[repr(transparent)]
pub struct Obj<T: ?Sized, F: Flavor = flavor::Sync> {
    pub(crate) raw: RawObj<T, F>,
}

// SAFETY: a thread-safe object's counts and slot are atomics; a strong handle gives `&T` to
// whichever thread holds it and may drop `T` on whichever thread drops it last, exactly like
// `Arc<T>`, hence the same bounds. `Obj<T, Unsync>` has no such impl: its counts are `Cell`s.
unsafe impl<T: ?Sized + Send + Sync> Send for Obj<T, flavor::Sync> {}
// SAFETY: as for `Send`: `&Obj` gives `&T` and can be cloned into an owning handle.
unsafe impl<T: ?Sized + Send + Sync> Sync for Obj<T, flavor::Sync> {}

// The handle is a pointer: moving it never moves the object, as for `Arc`.
impl<T: ?Sized, F: Flavor> Unpin for Obj<T, F> {}

impl<T, F: Flavor> Obj<T, F> {
    /// Puts `value` in a new object, like `Arc::new`.
    ///
    /// The object starts with one strong handle and no weak references; its weak reference
    /// list costs nothing until the first [`WeakRef`](crate::WeakRef) is made.
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let five = Obj::new(5);
    /// assert_eq!(*five, 5);
    /// ```
    #[inline]
    pub fn new(value: T) -> Self {
        Self {
            raw: RawObj::new(value),
        }
    }
}

impl<T: ?Sized, F: Flavor> Obj<T, F> {
    pub(crate) fn from_raw(raw: RawObj<T, F>) -> Self {
        Self { raw }
    }

    /// Whether two handles share one object (identity, Python's `is`), like `Arc::ptr_eq`.
    ///
    /// Handles of different views of one object (an `Obj<T>` and the `Obj<dyn Trait>` made
    /// from it) share it too; compare them with [`Obj::as_ptr`] and `std::ptr::addr_eq`.
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let a = Obj::new(1);
    /// let b = Obj::new(1);
    /// assert!(Obj::ptr_eq(&a, &a.clone()));
    /// assert!(!Obj::ptr_eq(&a, &b));
    /// assert_eq!(a, b); // equality is the values'
    /// ```
    #[inline]
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.raw.ptr_eq(&other.raw)
    }

    /// The number of strong handles to the object, like `Arc::strong_count`.
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let a = Obj::new("text");
    /// let b = a.clone();
    /// assert_eq!(Obj::strong_count(&a), 2);
    /// drop(b);
    /// assert_eq!(Obj::strong_count(&a), 1);
    /// ```
    pub fn strong_count(this: &Self) -> usize {
        this.raw.strong_count()
    }

    /// A pointer to the value, valid while the object is alive.
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let a = Obj::new(7);
    /// // SAFETY: `a` keeps the object alive, so the pointer is valid.
    /// assert_eq!(unsafe { *Obj::as_ptr(&a) }, 7);
    /// ```
    #[inline]
    pub fn as_ptr(this: &Self) -> *const T {
        this.raw.value_ptr()
    }

    /// The object's shared weak reference: the same as [`WeakRef::new`], under the name
    /// `Arc::downgrade` uses.
    ///
    /// ```
    /// use weakref_core::{Obj, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let weak = Obj::downgrade(&node);
    /// assert!(weak.ptr_eq(&Obj::downgrade(&node)));
    /// ```
    pub fn downgrade(this: &Self) -> WeakRef<T, F>
    where
        T: Weakrefable,
    {
        WeakRef::new(this)
    }
}

impl<T: ?Sized, F: Flavor> Clone for Obj<T, F> {
    /// Makes another strong handle to the same object.
    #[inline]
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
        }
    }
}

impl<T: ?Sized, F: Flavor> Deref for Obj<T, F> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        self.raw.value()
    }
}

impl<T: ?Sized, F: Flavor> AsRef<T> for Obj<T, F> {
    fn as_ref(&self) -> &T {
        self.raw.value()
    }
}

impl<T: ?Sized, F: Flavor> Borrow<T> for Obj<T, F> {
    fn borrow(&self) -> &T {
        self.raw.value()
    }
}

impl<T: Default, F: Flavor> Default for Obj<T, F> {
    /// An object holding `T::default()`.
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T, F: Flavor> From<T> for Obj<T, F> {
    /// Moves `value` into a new object.
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug, F: Flavor> fmt::Debug for Obj<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, F: Flavor> fmt::Display for Obj<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, F: Flavor> fmt::Pointer for Obj<T, F> {
    /// Formats the address of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&Self::as_ptr(self), f)
    }
}

impl<T: ?Sized + PartialEq, F: Flavor> PartialEq for Obj<T, F> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq, F: Flavor> Eq for Obj<T, F> {}

impl<T: ?Sized + PartialOrd, F: Flavor> PartialOrd for Obj<T, F> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: ?Sized + Ord, F: Flavor> Ord for Obj<T, F> {
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: ?Sized + Hash, F: Flavor> Hash for Obj<T, F> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}
