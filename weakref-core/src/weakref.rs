//! `WeakRef` (Python's `weakref.ref`), `getweakrefcount` and `getweakrefs`.

use core::fmt;
use core::hash::{Hash, Hasher};

use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf};
use crate::obj::Obj;
use crate::raw::{Kind, RawWeak};

/// A weak reference to an [`Obj`](crate::Obj): Python's `weakref.ref`.
///
/// It does not keep the object alive. [`upgrade`](WeakRef::upgrade) gives a strong handle
/// while the object lives and `None` once it died; a reference made with
/// [`with_callback`](WeakRef::with_callback) calls back when the object dies.
///
/// A `WeakRef` is a handle to a *weak-reference object*, as in Python: `clone` makes another
/// handle to the same one ([`ptr_eq`](WeakRef::ptr_eq) is Python's `is`). The object counts
/// and lists weak-reference objects, not handles ([`getweakrefcount`], [`getweakrefs`]); one
/// is unregistered when its last handle drops, and then its callback will never run.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Document {
///     title: String,
/// }
///
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let doc = Obj::new(Document { title: "draft".into() });
///
/// let plain = WeakRef::new(&doc);
/// let log_in_callback = Arc::clone(&log);
/// let watched = WeakRef::with_callback(&doc, move |dead: &WeakRef<Document>| {
///     assert!(dead.upgrade().is_none()); // every reference is cleared first
///     log_in_callback.lock().unwrap().push("document closed");
/// });
///
/// assert_eq!(plain.upgrade().unwrap().title, "draft");
/// drop(doc); // the last strong handle: the object dies now
/// assert!(plain.upgrade().is_none());
/// assert!(!watched.is_alive());
/// assert_eq!(*log.lock().unwrap(), ["document closed"]);
/// ```
///
/// # Equality and hashing
///
/// As in Python: two live references are equal when their referents are (`T: PartialEq`);
/// once either is dead only the same weak-reference object equals itself. A reference hashes
/// as its referent (`T: Hash`), computed at the first hash and kept after the referent dies,
/// so a dead reference can still be found in a `HashSet`. Python raises `TypeError` when a
/// dead reference that was never hashed is hashed; Rust's `Hash` cannot fail, so such a
/// reference hashes its own identity instead (not cached), which is consistent with `Eq`
/// because a dead reference equals only itself. [`try_hash`](WeakRef::try_hash) reports that
/// case as `None`. Weak references are not ordered (no `PartialOrd`), as in Python.
///
/// # Trait objects and flavors
///
/// `T` may be unsized, such as `dyn Observer` for a `trait Observer: Weakrefable`; a
/// `WeakRef<Printer>` converts to a `WeakRef<dyn Observer>` handle to the same weak-reference
/// object with [`coerce!`](crate::coerce!). `F` is the [flavor](crate::flavor):
/// `weakref_core::WeakRef<T>` is `WeakRef<T, Sync>`, `unsync::WeakRef<T>` is
/// `WeakRef<T, Unsync>`. A handle is two words: the weak-reference object and its view of the
/// object.
#[repr(transparent)]
pub struct WeakRef<T: ?Sized, F: Flavor = flavor::Sync> {
    pub(crate) raw: RawWeak<T, F>,
}

// SAFETY: a thread-safe node is shared through atomics and its object's list lock; a handle
// can upgrade to an `Obj<T, Sync>` on any thread, so it needs what that needs. Its callback is
// `Send` (`with_callback` requires it) and runs on one thread only: the one where the object
// dies.
unsafe impl<T: ?Sized + Send + Sync> Send for WeakRef<T, flavor::Sync> {}
// SAFETY: as for `Send`; `&WeakRef` can be cloned into an owning handle.
unsafe impl<T: ?Sized + Send + Sync> Sync for WeakRef<T, flavor::Sync> {}

impl<T: ?Sized, F: Flavor> Unpin for WeakRef<T, F> {}

impl<T: ?Sized + Weakrefable, F: Flavor> WeakRef<T, F> {
    /// The object's shared weak reference, without callback: Python's `weakref.ref(obj)`.
    ///
    /// While a handle to it is held, every call returns the same weak-reference object
    /// (`ref(o) is ref(o)`); after its last handle drops, the next call makes a new one. It is
    /// always listed first by [`getweakrefs`].
    ///
    /// ```
    /// use weakref_core::{getweakrefcount, Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let a = WeakRef::new(&node);
    /// let b = WeakRef::new(&node);
    /// assert!(a.ptr_eq(&b));
    /// assert_eq!(getweakrefcount(&node), 1);
    /// ```
    pub fn new(obj: &Obj<T, F>) -> Self {
        Self {
            raw: RawWeak::shared(&obj.raw, Kind::SharedRef),
        }
    }

    /// A new weak reference whose `callback` runs when the object dies: Python's
    /// `weakref.ref(obj, callback)`.
    ///
    /// Each call makes a distinct weak-reference object. When the object dies, every weak
    /// reference to it is cleared first; then the callbacks of those whose handles are still
    /// held run, newest first, each once, on the thread where the object died, with none of
    /// this crate's locks held, each given its (dead) reference. A callback may do anything,
    /// including making or dropping weak references and dropping other objects. If it panics,
    /// the panic is reported through the [unraisable hook](crate::set_unraisable_hook) and the
    /// other callbacks still run.
    ///
    /// If every handle to the reference is dropped before the object dies, the callback never
    /// runs; it is dropped then, with everything it captured. In the thread-safe flavor the
    /// callback must be `Send` ([`SendIf`]); in [`unsync`](crate::unsync) it may capture `Rc`s.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let calls = Arc::new(AtomicUsize::new(0));
    /// let node = Obj::new(Node);
    /// let counter = Arc::clone(&calls);
    /// let kept = WeakRef::with_callback(&node, move |_| {
    ///     counter.fetch_add(1, Ordering::SeqCst);
    /// });
    /// let counter = Arc::clone(&calls);
    /// let dropped = WeakRef::with_callback(&node, move |_| {
    ///     counter.fetch_add(100, Ordering::SeqCst);
    /// });
    /// assert!(!kept.ptr_eq(&dropped));
    /// drop(dropped); // unregistered: its callback will never run
    /// drop(node);
    /// assert_eq!(calls.load(Ordering::SeqCst), 1);
    /// ```
    #[must_use = "dropping the weak reference unregisters its callback: keep it for as long as the callback should run"]
    pub fn with_callback<C>(obj: &Obj<T, F>, callback: C) -> Self
    where
        C: FnOnce(&WeakRef<T, F>) + SendIf<F> + 'static,
    {
        let raw =
            RawWeak::with_callback(&obj.raw, Kind::CallbackRef, move |raw: &RawWeak<T, F>| {
                callback(WeakRef::from_raw_ref(raw))
            });
        Self { raw }
    }
}

impl<T: ?Sized, F: Flavor> WeakRef<T, F> {
    pub(crate) fn from_raw_ref(raw: &RawWeak<T, F>) -> &Self {
        // SAFETY: `WeakRef` is a `repr(transparent)` wrapper of `RawWeak`.
        unsafe { &*core::ptr::from_ref(raw).cast::<Self>() }
    }

    /// A strong handle to the object if it is still alive: Python's `r()`.
    ///
    /// It never revives a dead object: once the last strong handle dropped, this returns
    /// `None` for good.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node(u32);
    ///
    /// let node = Obj::new(Node(7));
    /// let weak = WeakRef::new(&node);
    /// let strong = weak.upgrade().unwrap();
    /// assert!(Obj::ptr_eq(&strong, &node));
    /// drop((node, strong));
    /// assert!(weak.upgrade().is_none());
    /// ```
    #[inline]
    pub fn upgrade(&self) -> Option<Obj<T, F>> {
        self.raw.upgrade().map(Obj::from_raw_obj)
    }

    /// The number of strong handles to the object, zero once it died, like
    /// `Weak::strong_count`.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let weak = WeakRef::new(&node);
    /// let again = node.clone();
    /// assert_eq!(weak.strong_count(), 2);
    /// drop((node, again));
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.raw.strong_count()
    }

    /// A future that completes when the object dies (at once if it already has).
    ///
    /// It needs no runtime: any executor polls it, and it wakes its task from the thread
    /// where the object dies. Dropping it (for instance when a `select!` picks another
    /// branch) leaves no callback behind. See [`Death`](crate::generic::Death).
    ///
    /// ```
    /// use std::future::Future;
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Connection;
    ///
    /// let conn = Obj::new(Connection);
    /// let mut closed = pin!(WeakRef::new(&conn).dead());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(closed.as_mut().poll(&mut cx), Poll::Pending);
    /// drop(conn);
    /// assert_eq!(closed.as_mut().poll(&mut cx), Poll::Ready(()));
    /// ```
    pub fn dead(&self) -> crate::dead::Death<T, F> {
        crate::dead::Death::new(self)
    }

    /// Whether the object is still alive.
    ///
    /// Another thread may drop the object right after this returns `true`; use
    /// [`upgrade`](WeakRef::upgrade) to hold it.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let weak = WeakRef::new(&node);
    /// assert!(weak.is_alive());
    /// drop(node);
    /// assert!(!weak.is_alive());
    /// ```
    #[inline]
    pub fn is_alive(&self) -> bool {
        self.raw.is_alive()
    }

    /// Whether two handles are handles to the same weak-reference object (Python's
    /// `r1 is r2`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let shared = WeakRef::new(&node);
    /// let own = WeakRef::with_callback(&node, |_| {});
    /// assert!(shared.ptr_eq(&shared.clone()));
    /// assert!(!shared.ptr_eq(&own));
    /// assert!(shared == own); // equal: same live referent
    /// # impl PartialEq for Node { fn eq(&self, _: &Node) -> bool { true } }
    /// ```
    #[inline]
    pub fn ptr_eq(&self, other: &Self) -> bool {
        self.raw.ptr_eq(&other.raw)
    }

    /// Whether this reference's callback is still to run: Python's
    /// `r.__callback__ is not None`.
    ///
    /// `false` for a reference made without a callback, and for every reference once its
    /// object has died, including while the callbacks run.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let plain = WeakRef::new(&node);
    /// let watched = WeakRef::with_callback(&node, |r| assert!(!r.callback_pending()));
    /// assert!(!plain.callback_pending());
    /// assert!(watched.callback_pending());
    /// drop(node);
    /// assert!(!watched.callback_pending());
    /// ```
    pub fn callback_pending(&self) -> bool {
        self.raw.callback_pending()
    }

    /// Whether this is a handle to a proxy's weak-reference object rather than to a
    /// reference's.
    ///
    /// [`getweakrefs`] lists every weak-reference object of an object, proxies included, as
    /// `WeakRef` handles. A proxy's handle behaves as a `WeakRef` to the same object (it
    /// upgrades, compares and hashes like one); `WeakProxy::try_from` turns it back into the
    /// [`WeakProxy`](crate::WeakProxy).
    ///
    /// ```
    /// use weakref_core::{getweakrefs, Obj, WeakProxy, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let weak = WeakRef::new(&node);
    /// let proxy = WeakProxy::new(&node);
    /// let refs = getweakrefs(&node);
    /// assert!(!refs[0].is_proxy() && refs[0].ptr_eq(&weak));
    /// assert!(refs[1].is_proxy() && refs[1].ptr_eq(proxy.as_weakref()));
    /// ```
    pub fn is_proxy(&self) -> bool {
        self.raw.kind().is_proxy()
    }

    /// The hash this reference has under `Hash`, or `None` where Python's `hash(r)` raises
    /// `TypeError`: the referent died before the reference was ever hashed.
    ///
    /// The hash is the referent's (with a fixed `DefaultHasher`), computed once and cached, so
    /// it survives the referent's death and ignores later changes. Handles of one
    /// weak-reference object share the cache, whatever view of the object each has.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Hash, Weakrefable)]
    /// struct Key(&'static str);
    ///
    /// let key = Obj::new(Key("a"));
    /// let hashed = WeakRef::with_callback(&key, |_| {});
    /// let unhashed = WeakRef::with_callback(&key, |_| {});
    /// let h = hashed.try_hash().unwrap();
    /// drop(key);
    /// assert_eq!(hashed.try_hash(), Some(h)); // kept after death
    /// assert_eq!(unhashed.try_hash(), None); // dead and never hashed
    /// ```
    pub fn try_hash(&self) -> Option<u64>
    where
        T: Hash,
    {
        self.raw.try_hash(referent_hash::<T>)
    }
}

/// The referent hash a weak reference caches.
fn referent_hash<T: ?Sized + Hash>(value: &T) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

impl<T: ?Sized, F: Flavor> Clone for WeakRef<T, F> {
    /// Another handle to the same weak-reference object (not a new weak reference).
    fn clone(&self) -> Self {
        Self {
            raw: self.raw.clone(),
        }
    }
}

impl<T: ?Sized + PartialEq, F: Flavor> PartialEq for WeakRef<T, F> {
    /// Live references compare as their referents; once either is dead, a reference equals
    /// only itself (Python's rule). Callbacks do not matter.
    fn eq(&self, other: &Self) -> bool {
        match (self.upgrade(), other.upgrade()) {
            // Even a reference compared with itself asks its referent, as Python does (a
            // referent unequal to itself makes its live reference unequal too).
            (Some(a), Some(b)) => *a == *b,
            _ => self.ptr_eq(other),
        }
    }
}

impl<T: ?Sized + Eq, F: Flavor> Eq for WeakRef<T, F> {}

impl<T: ?Sized + Hash, F: Flavor> Hash for WeakRef<T, F> {
    /// Feeds the cached referent hash (see [`WeakRef::try_hash`]); a dead reference that was
    /// never hashed feeds its identity.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.raw.hash_value(referent_hash::<T>));
    }
}

impl<T: ?Sized, F: Flavor> fmt::Debug for WeakRef<T, F> {
    /// `<weakref at 0x…; to 'Type' at 0x…>` while the referent lives and
    /// `<weakref at 0x…; dead>` after, as Python's `repr`. Never touches the value, never
    /// panics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw, f)
    }
}

/// The number of weak-reference objects to `obj`: Python's `weakref.getweakrefcount`.
///
/// It counts weak-reference objects: references and proxies, shared or with callbacks,
/// including those of weak collections, and those made through any view of the object (an
/// `Obj<T>` and an `Obj<dyn Trait>` of the same object count the same ones). It does not
/// count handles: clones of one `WeakRef` (or of one [`WeakProxy`](crate::WeakProxy)) count
/// once.
///
/// ```
/// use weakref_core::{getweakrefcount, Obj, WeakProxy, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Node;
///
/// let node = Obj::new(Node);
/// assert_eq!(getweakrefcount(&node), 0);
/// let a = WeakRef::new(&node);
/// let a2 = a.clone();
/// let b = WeakRef::with_callback(&node, |_| {});
/// assert_eq!(getweakrefcount(&node), 2);
/// let p = WeakProxy::new(&node);
/// assert_eq!(getweakrefcount(&node), 3);
/// drop((a, a2, b, p));
/// assert_eq!(getweakrefcount(&node), 0);
/// ```
pub fn getweakrefcount<T: ?Sized + Weakrefable, F: Flavor>(obj: &Obj<T, F>) -> usize {
    crate::raw::weakref_count(&obj.raw)
}

/// New handles to every weak-reference object of `obj`: Python's `weakref.getweakrefs`.
///
/// In CPython's order: the shared reference first, the shared proxy right after it, then the
/// others, references and proxies with callbacks, newest first (the order their callbacks
/// would run in). Each handle sees the object as `obj` does, whichever view of the object its
/// weak-reference object was made through.
///
/// Proxies are listed too, each as a `WeakRef` handle to the proxy's weak-reference object:
/// [`WeakRef::is_proxy`] tells them apart, [`WeakRef::ptr_eq`] with
/// [`WeakProxy::as_weakref`](crate::WeakProxy::as_weakref) identifies them, and
/// `WeakProxy::try_from` converts them back.
///
/// ```
/// use weakref_core::{getweakrefs, Obj, WeakProxy, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Node;
///
/// let node = Obj::new(Node);
/// let older = WeakRef::with_callback(&node, |_| {});
/// let newer = WeakProxy::with_callback(&node, |_| {});
/// let proxy = WeakProxy::new(&node);
/// let shared = WeakRef::new(&node);
/// let refs = getweakrefs(&node);
/// assert_eq!(refs.len(), 4);
/// assert!(refs[0].ptr_eq(&shared));
/// assert!(refs[1].ptr_eq(proxy.as_weakref()));
/// assert!(refs[2].ptr_eq(newer.as_weakref()));
/// assert!(refs[3].ptr_eq(&older));
/// ```
pub fn getweakrefs<T: ?Sized + Weakrefable, F: Flavor>(obj: &Obj<T, F>) -> Vec<WeakRef<T, F>> {
    crate::raw::weakrefs(&obj.raw)
        .into_iter()
        .map(|raw| WeakRef { raw })
        .collect()
}
