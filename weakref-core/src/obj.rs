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

impl<T, F: Flavor> Obj<T, F> {
    /// A new object whose value `make` builds, given a weak reference to the object itself,
    /// like `Arc::new_cyclic`: the way to build an object that refers to itself weakly.
    ///
    /// The weak reference cannot upgrade until `make` has returned (it reports the object as
    /// dead); afterwards it is the object's shared weak reference, the one [`WeakRef::new`]
    /// returns. If `make` panics, the object never lived: the weak references made during the
    /// call stay dead, and the allocation is freed with the last of them (nothing is leaked;
    /// the value, never written, is never dropped).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node {
    ///     me: WeakRef<Node>,
    /// }
    ///
    /// let node = Obj::new_cyclic(|me: &WeakRef<Node>| {
    ///     assert!(me.upgrade().is_none()); // not alive yet
    ///     Node { me: me.clone() }
    /// });
    /// assert!(Obj::ptr_eq(&node.me.upgrade().unwrap(), &node));
    /// assert!(node.me.ptr_eq(&WeakRef::new(&node)));
    /// ```
    pub fn new_cyclic<Make>(make: Make) -> Self
    where
        T: Weakrefable,
        Make: FnOnce(&WeakRef<T, F>) -> T,
    {
        Self {
            raw: RawObj::new_cyclic(|raw| make(WeakRef::from_raw_ref(raw))),
        }
    }

    /// The value, if this is the only strong handle, like `Arc::try_unwrap`; otherwise the
    /// handle back.
    ///
    /// Taking the value ends the object's life: as when its last handle drops, every weak
    /// reference to it is cleared and the callbacks (and finalizers) still registered run,
    /// newest first, before this returns; only the value is moved out instead of dropped.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Debug, PartialEq, Weakrefable)]
    /// struct Ticket(u32);
    ///
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let ticket = Obj::new(Ticket(7));
    /// let sink = Arc::clone(&log);
    /// let _watch = WeakRef::with_callback(&ticket, move |_| sink.lock().unwrap().push("gone"));
    ///
    /// let other = ticket.clone();
    /// let ticket = Obj::try_unwrap(ticket).unwrap_err(); // two handles: not unique
    /// drop(other);
    /// assert_eq!(Obj::try_unwrap(ticket), Ok(Ticket(7)));
    /// assert_eq!(*log.lock().unwrap(), ["gone"]); // the object died, its callback ran
    /// ```
    pub fn try_unwrap(this: Self) -> Result<T, Self> {
        this.raw.try_unwrap().map_err(|raw| Self { raw })
    }

    /// Drops this handle and, if it was the last, returns the value, like `Arc::into_inner`.
    ///
    /// Unlike `try_unwrap(this).ok()`, two threads each calling this with one of the last two
    /// handles cannot both get `None`: exactly one gets the value. The object dies as with
    /// [`try_unwrap`](Obj::try_unwrap): its callbacks run before the value is returned.
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let a = Obj::new(String::from("text"));
    /// let b = a.clone();
    /// assert_eq!(Obj::into_inner(a), None);
    /// assert_eq!(Obj::into_inner(b).as_deref(), Some("text"));
    /// ```
    pub fn into_inner(this: Self) -> Option<T> {
        this.raw.into_value()
    }

    /// The value if this is the only strong handle, otherwise a clone of it, like
    /// `Arc::unwrap_or_clone`. When it takes the value, the object dies as with
    /// [`try_unwrap`](Obj::try_unwrap).
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let a = Obj::new(vec![1, 2]);
    /// let b = a.clone();
    /// assert_eq!(Obj::unwrap_or_clone(a), [1, 2]); // cloned: `b` still holds it
    /// assert_eq!(Obj::unwrap_or_clone(b), [1, 2]); // taken
    /// ```
    pub fn unwrap_or_clone(this: Self) -> T
    where
        T: Clone,
    {
        Self::try_unwrap(this).unwrap_or_else(|shared| T::clone(&shared))
    }

    /// A mutable reference to the value, cloning it into a new object first unless this handle
    /// is the only way to reach it, like `Arc::make_mut`.
    ///
    /// "The only way" means no other strong handle and no weak reference (see
    /// [`get_mut`](Obj::get_mut)). Otherwise this handle moves to a new object holding a
    /// clone of the value, without weak references. If it was the old object's last strong
    /// handle, the old object dies then: its weak references are cleared and their callbacks
    /// run, as `Arc::make_mut` disassociates `Weak` pointers.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Clone, Weakrefable)]
    /// struct Config {
    ///     level: u8,
    /// }
    ///
    /// let mut config = Obj::new(Config { level: 1 });
    /// Obj::make_mut(&mut config).level = 2; // unique: changed in place
    /// let snapshot = config.clone();
    /// Obj::make_mut(&mut config).level = 3; // shared: cloned first
    /// assert_eq!((snapshot.level, config.level), (2, 3));
    ///
    /// let watcher = WeakRef::new(&snapshot);
    /// let mut snapshot = snapshot;
    /// Obj::make_mut(&mut snapshot).level = 4; // a weak reference: moved to a new object
    /// assert!(watcher.upgrade().is_none());
    /// assert_eq!(snapshot.level, 4);
    /// ```
    pub fn make_mut(this: &mut Self) -> &mut T
    where
        T: Clone,
    {
        if Self::get_mut(this).is_none() {
            *this = Self::new(T::clone(this));
        }
        Self::get_mut(this).expect("a new object is reached by its one handle only")
    }
}

impl<T: ?Sized, F: Flavor> Obj<T, F> {
    pub(crate) fn from_raw_obj(raw: RawObj<T, F>) -> Self {
        Self { raw }
    }

    /// A mutable reference to the value, if nothing else can reach it, like `Arc::get_mut`:
    /// this is the only strong handle and the object has no weak reference (a weak reference
    /// could upgrade meanwhile). `None` otherwise.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Counter(u32);
    ///
    /// let mut counter = Obj::new(Counter(0));
    /// Obj::get_mut(&mut counter).unwrap().0 += 1;
    /// let weak = WeakRef::new(&counter);
    /// assert!(Obj::get_mut(&mut counter).is_none()); // the weak reference could upgrade
    /// drop(weak);
    /// assert_eq!(Obj::get_mut(&mut counter).map(|c| c.0), Some(1));
    /// ```
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        this.raw.get_mut()
    }

    /// The number of weak-reference objects to the object, like `Arc::weak_count`: the same
    /// as [`getweakrefcount`](crate::getweakrefcount) (references, proxies, collection
    /// entries and finalizers; clones of one weak reference count once).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let weak = WeakRef::new(&node);
    /// let _again = weak.clone();
    /// assert_eq!(Obj::weak_count(&node), 1);
    /// ```
    pub fn weak_count(this: &Self) -> usize {
        crate::raw::weakref_count(&this.raw)
    }

    /// Gives up the handle, keeping the object alive, and returns a pointer to the value, like
    /// `Arc::into_raw`. [`Obj::from_raw`] takes the handle back.
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let text = Obj::new(String::from("kept"));
    /// let raw = Obj::into_raw(text);
    /// // SAFETY: `raw` came from `into_raw` and is given back once.
    /// let text = unsafe { Obj::from_raw(raw) };
    /// assert_eq!(*text, "kept");
    /// ```
    pub fn into_raw(this: Self) -> *const T {
        this.raw.into_raw()
    }

    /// Takes back a handle given up by [`Obj::into_raw`], like `Arc::from_raw`.
    ///
    /// # Safety
    ///
    /// `ptr` must come from `Obj::into_raw` on an `Obj<U, F>` of the same flavor, where `U` is
    /// `T` or a type whose pointer unsizes to `*const T` (so `dyn Trait` may be taken back
    /// from a concrete type's pointer), and each `into_raw` must be matched by at most one
    /// `from_raw`.
    ///
    /// ```
    /// use weakref_core::{Obj, Weakrefable};
    ///
    /// trait Shape: Weakrefable {
    ///     fn sides(&self) -> u32;
    /// }
    ///
    /// #[derive(Weakrefable)]
    /// struct Square;
    ///
    /// impl Shape for Square {
    ///     fn sides(&self) -> u32 {
    ///         4
    ///     }
    /// }
    ///
    /// let raw: *const Square = Obj::into_raw(Obj::new(Square));
    /// let raw: *const dyn Shape = raw;
    /// // SAFETY: from `into_raw` of an `Obj<Square>`, whose pointer unsizes to this one.
    /// let shape: Obj<dyn Shape> = unsafe { Obj::from_raw(raw) };
    /// assert_eq!(shape.sides(), 4);
    /// ```
    pub unsafe fn from_raw(ptr: *const T) -> Self {
        Self {
            // SAFETY: forwarded from our caller.
            raw: unsafe { RawObj::from_raw(ptr) },
        }
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

impl<T, F: Flavor> From<Box<T>> for Obj<T, F> {
    /// Moves the boxed value into a new object, like `Arc::from(Box<T>)`. (A boxed trait
    /// object cannot be moved into an object on stable Rust, which has no way to combine the
    /// new allocation's address with the box's vtable; make an `Obj` of the concrete type and
    /// convert it with [`coerce!`](crate::coerce!).)
    ///
    /// ```
    /// use weakref_core::Obj;
    ///
    /// let boxed = Box::new([1_u8, 2, 3]);
    /// let obj: Obj<[u8; 3]> = Obj::from(boxed);
    /// assert_eq!(*obj, [1, 2, 3]);
    /// ```
    fn from(boxed: Box<T>) -> Self {
        Self::new(*boxed)
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
