//! `WeakSet`, its iterator and its set algebra (methods, operators and comparisons), generic
//! over the flavor.
//!
//! The set algebra is defined here too, not in a module of its own, so that compile errors name
//! its methods `WeakSet::union` rather than by the module of their `impl` block.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::BuildHasher;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, BitXor, BitXorAssign, Sub, SubAssign};
use std::hash::RandomState;
use std::panic::{RefUnwindSafe, UnwindSafe};

use super::equivalence::{self, ByValue, Hashable, KeyError};
use super::key_matches;
use super::table::{Bin, Core, Probe, Slot, State, TableRef, fold};
use super::walk::{Nothing, Walk};
use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf, SyncIf};
use crate::obj::Obj;
use crate::weakref::WeakRef;

/// A set whose elements are held weakly: Python's `weakref.WeakSet`.
///
/// Elements are [`Obj`](crate::Obj)s the set does not keep alive. The moment one dies it leaves the
/// set, so [`len`](Self::len) is exact: observer lists that empty themselves.
///
/// `M` chooses how elements compare: [`ByValue`](crate::ByValue) (the default) by the referents'
/// `Hash + Eq`, or [`ById`](crate::ById) by identity, for any [`Weakrefable`] type
/// ([`WeakIdSet`](crate::WeakIdSet)).
///
/// All methods take `&self`, and the collection is `Send + Sync` (for `Send` keys and values and
/// `Send + Sync` referents): share it between threads in an `Arc`. Operations are atomic; iteration
/// works on snapshots. The single-threaded flavor,
/// [`unsync::collections`](crate::unsync::collections), has the same API without locks or atomics,
/// and its collections are not `Send`.
///
/// ```
/// use weakref_core::{Obj, WeakSet, Weakrefable};
///
/// #[derive(Hash, PartialEq, Eq, Weakrefable)]
/// struct Tag(&'static str);
///
/// let tags: WeakSet<Tag> = WeakSet::new();
/// let red = Obj::new(Tag("red"));
/// assert!(tags.add(&red));
/// assert!(!tags.add(&red)); // already there
/// assert!(tags.contains(&Tag("red")));
/// drop(red);
/// assert!(tags.is_empty());
/// ```
///
/// # Semantics
///
/// * Adding an element equal to a member keeps the member (the first wins), so the entry dies with
///   the original.
/// * The set algebra ([`union`](Self::union), `|`, `&`, `-`, `^` and their `*=` forms,
///   [`is_subset`](Self::is_subset), ...) takes any iterable of `Obj<T>` or `&Obj<T>` on the right,
///   other weak sets included. Results hold their members weakly and independently.
/// * Iteration sees the members the set had when it started (members added later are not seen,
///   members removed later still are), upgrading each when reached: dead ones are skipped, and
///   the iterator keeps alive only the member it yields. Order is unspecified.
///
/// # User code under the lock
///
/// With `ByValue`, the elements' `Eq` runs under the set's lock and must not use the same set (in
/// the thread-safe flavor that deadlocks, in `unsync` it panics). Elements are hashed outside the
/// lock; nothing is dropped under it.
///
/// # Flavors and trait objects
///
/// `F` is the [flavor](crate::flavor): `weakref_core::WeakSet<T>` is
/// `WeakSet<T, RandomState, ByValue, Sync>`, `unsync::WeakSet<T>` the same with `Unsync`. Elements
/// may be trait objects, so observers of several types can share one set; identity
/// ([`WeakIdSet`](crate::WeakIdSet)) works for any trait, and an object is the same element
/// whichever view of it is used:
///
/// ```
/// use std::sync::Mutex;
/// use weakref_core::{coerce, Obj, WeakIdSet, Weakrefable};
///
/// trait Observer: Weakrefable + Send + Sync {
///     fn notify(&self, event: &str);
/// }
///
/// #[derive(Weakrefable, Default)]
/// struct Logger(Mutex<Vec<String>>);
///
/// impl Observer for Logger {
///     fn notify(&self, event: &str) {
///         self.0.lock().unwrap().push(event.to_string());
///     }
/// }
///
/// #[derive(Weakrefable)]
/// struct Silent;
///
/// impl Observer for Silent {
///     fn notify(&self, _: &str) {}
/// }
///
/// let observers: WeakIdSet<dyn Observer> = WeakIdSet::new();
/// let logger = Obj::new(Logger::default());
/// let silent: Obj<dyn Observer> = coerce!(Obj::new(Silent));
/// observers.add(&coerce!(logger.clone()));
/// observers.add(&silent);
/// for observer in &observers {
///     observer.notify("saved");
/// }
/// assert_eq!(*logger.0.lock().unwrap(), ["saved"]);
/// assert!(observers.contains(&*logger)); // the `Obj<Logger>` finds its entry
/// drop(silent);
/// assert_eq!(observers.len(), 1);
/// ```
pub struct WeakSet<T: ?Sized, S = RandomState, M = ByValue, F: Flavor = flavor::Sync> {
    table: TableRef<T, (), S, F>,
    mode: PhantomData<fn() -> M>,
}

// SAFETY: the table is shared by the set and by its nodes, which deaths and last handles reach
// on any thread (and may free the table there, once the set is gone); its state is only
// touched under its lock word. Each entry is a thread-safe weak-reference node (atomic counts,
// locked list) that upgrades to an `Obj<T, Sync>` on any thread, as a `WeakRef<T, Sync>` does
// (`T: Send + Sync`). The hasher is used through `&self` from every thread and dropped on any
// (`S: Send + Sync`). These are the bounds the fields' auto traits gave when the entries held
// `WeakRef`s.
unsafe impl<T: ?Sized + Send + Sync, S: Send + Sync, M> Send for WeakSet<T, S, M, flavor::Sync> {}
// SAFETY: as for `Send`: every method takes `&self`, and the table is behind its lock.
unsafe impl<T: ?Sized + Send + Sync, S: Send + Sync, M> Sync for WeakSet<T, S, M, flavor::Sync> {}

// A panic never leaves the table inconsistent (see "Nothing dropped under the lock" in
// `table.rs`), as the `Mutex` it once was promised: what a thread-safe `Arc<Mutex<..>>` was.
impl<T: ?Sized, S: RefUnwindSafe, M> UnwindSafe for WeakSet<T, S, M, flavor::Sync> {}
impl<T: ?Sized, S: RefUnwindSafe, M> RefUnwindSafe for WeakSet<T, S, M, flavor::Sync> {}

impl<T: ?Sized, S, M, F: Flavor> WeakSet<T, S, M, F> {
    /// An empty set with room for `capacity` elements, hashing with `hasher`: the body of every
    /// constructor, without their bounds (the public ones state them; `RandomState`, the hasher of
    /// `new`, is `Send + Sync`).
    fn build(capacity: usize, hasher: S) -> Self {
        Self {
            table: TableRef::new(capacity, hasher),
            mode: PhantomData,
        }
    }
}

impl<T, M, F: Flavor> WeakSet<T, RandomState, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An empty set.
    ///
    /// ```
    /// use weakref_core::{WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag;
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// assert!(s.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::build(0, RandomState::new())
    }

    /// An empty set with room for `capacity` elements.
    ///
    /// ```
    /// use weakref_core::{WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag;
    ///
    /// let s: WeakSet<Tag> = WeakSet::with_capacity(8);
    /// assert!(s.is_empty());
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::build(capacity, RandomState::new())
    }
}

impl<T, S, M, F: Flavor> WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An empty set hashing its elements with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use weakref_core::{WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag;
    ///
    /// let s: WeakSet<Tag> = WeakSet::with_hasher(RandomState::new());
    /// assert!(s.is_empty());
    /// ```
    pub fn with_hasher(hasher: S) -> Self {
        Self::with_capacity_and_hasher(0, hasher)
    }

    /// An empty set with room for `capacity` elements, hashing with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use weakref_core::{WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag;
    ///
    /// let s: WeakSet<Tag> = WeakSet::with_capacity_and_hasher(4, RandomState::new());
    /// assert!(s.is_empty());
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self::build(capacity, hasher)
    }

    /// An empty set with the same hasher.
    fn empty_like(&self) -> Self
    where
        S: Clone,
    {
        Self::with_hasher(self.table.hasher.clone())
    }

    /// The tag (32-bit hash) of `element`.
    fn tag(&self, element: &T) -> u32 {
        fold(equivalence::hash_key::<M, T, S>(
            element,
            &self.table.hasher,
        ))
    }

    /// Runs `f` on the slot of `element`'s member, if there is one, under the lock.
    fn with_member<R>(
        &self,
        element: &T,
        f: impl FnOnce(
            &mut State<T, (), F>,
            &mut Bin<T, (), F>,
            &Core<T, (), F>,
            Option<Slot<T, (), F>>,
        ) -> R,
    ) -> R {
        let tag = self.tag(element);
        let addr = equivalence::address::<T>(element);
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        let found = state.find(tag, |slot| {
            key_matches::<T, (), M, F>(slot, element, addr, bin)
        });
        f(state, bin, core, found)
        // The guard drops here: the lock is released, then the comparisons' temporaries and
        // whatever `f` removed are dropped.
    }

    /// Adds `element` (Python's `s.add(x)`); returns whether it was new.
    ///
    /// If an equal member exists, the set is unchanged: the member stays, and no new weak reference
    /// is made.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let (a, also_a) = (Obj::new(Tag(1)), Obj::new(Tag(1)));
    /// assert!(s.add(&a));
    /// assert!(!s.add(&also_a)); // equal: `a` stays the member
    /// drop(a);
    /// assert!(s.is_empty());
    /// ```
    pub fn add(&self, element: &Obj<T, F>) -> bool {
        let tag = self.tag(element);
        let addr = equivalence::address::<T>(element);
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        match state.probe(tag, |slot| {
            key_matches::<T, (), M, F>(slot, &**element, addr, bin)
        }) {
            Probe::Found(_) => false,
            Probe::Vacant(vacancy) => {
                // Making a weak reference runs no user code.
                vacancy.insert(core, &element.raw, (), 0);
                true
            }
        }
        // The guard drops here: the lock is released, then the comparisons' temporaries.
    }

    /// Whether `element`, or with `ByValue` an element equal to it, is a live member (Python's `x
    /// in s`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// assert!(s.contains(&*a));
    /// assert!(s.contains(&Tag(1)));
    /// assert!(!s.contains(&Tag(2)));
    /// ```
    pub fn contains(&self, element: &T) -> bool {
        self.with_member(element, |_, _, _, found| found.is_some())
    }

    /// Removes the member matching `element`; returns whether there was one.
    fn take(&self, element: &T) -> bool {
        self.with_member(element, |state, bin, core, found| {
            found.map(|slot| state.remove(core, slot, bin)).is_some()
        })
    }

    /// Removes `element` if it is a member (Python's `s.discard(x)`); returns whether it was.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// assert!(s.discard(&Tag(1)));
    /// assert!(!s.discard(&Tag(1)));
    /// ```
    pub fn discard(&self, element: &T) -> bool {
        self.take(element)
    }

    /// Removes `element`, or fails with [`KeyError`](crate::KeyError) if it is not a member
    /// (Python's `s.remove(x)`).
    ///
    /// ```
    /// use weakref_core::{KeyError, Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// assert_eq!(s.remove(&a), Ok(()));
    /// assert_eq!(s.remove(&a), Err(KeyError));
    /// ```
    pub fn remove(&self, element: &T) -> Result<(), KeyError> {
        if self.take(element) {
            Ok(())
        } else {
            Err(KeyError)
        }
    }

    /// Removes and returns some live member (Python's `s.pop()`; `None` where Python raises
    /// `KeyError`). Which one is unspecified.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// assert!(Obj::ptr_eq(&s.pop().unwrap(), &a));
    /// assert!(s.pop().is_none());
    /// ```
    pub fn pop(&self) -> Option<Obj<T, F>> {
        // Declared before the guard: if it holds the last strong handle, it drops after the
        // lock (it is returned otherwise).
        let mut element = None;
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        let slot = state.find_any(|slot| {
            element = slot.upgrade();
            element.is_some()
        })?;
        state.remove(core, slot, bin);
        drop(guard);
        element
    }

    /// Removes every member (Python's `s.clear()`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// s.clear();
    /// assert!(s.is_empty());
    /// ```
    pub fn clear(&self) {
        self.table.clear();
    }

    /// The number of members (Python's `len(s)`): exact, since a member leaves the moment it dies.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// s.add(&a);
    /// s.add(&b);
    /// drop(a);
    /// assert_eq!(s.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.table.core().lock().state().len()
    }

    /// Whether the set is empty.
    ///
    /// ```
    /// use weakref_core::{WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag;
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// assert!(s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An iterator over the live members (Python's `iter(s)`): the members the set has now,
    /// each upgraded when reached (dead ones are skipped). Members added later are not seen,
    /// members removed later still are, and changes never disturb it. It keeps alive only the
    /// member it yields.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// let mut it = s.iter();
    /// s.clear(); // does not disturb the iterator
    /// assert_eq!(it.next().unwrap().0, 1);
    /// ```
    pub fn iter(&self) -> SetIter<T, F> {
        SetIter {
            walk: Walk::new(&self.table),
        }
    }

    /// Handles to the members' weak references, the set's own weak-reference objects (Python's
    /// `s.data`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let a = Obj::new(Tag(1));
    /// s.add(&a);
    /// let refs = s.weakrefs();
    /// drop(a);
    /// assert!(!refs[0].is_alive());
    /// ```
    pub fn weakrefs(&self) -> Vec<WeakRef<T, F>> {
        let handles = self.table.live_handles();
        handles.into_iter().map(|raw| WeakRef { raw }).collect()
    }

    /// Keeps only the members for which `keep` returns `true` (as `HashSet::retain`).
    ///
    /// `keep` runs without the set's lock, on each member the set has when `retain` starts and
    /// that is still alive when reached (so it may use the set); a member it rejects is removed
    /// unless it left the set meanwhile.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let tags: Vec<_> = (1..=4).map(|i| Obj::new(Tag(i))).collect();
    /// let s: WeakSet<Tag> = tags.iter().collect();
    /// s.retain(|tag| tag.0 % 2 == 0);
    /// assert_eq!(s.len(), 2);
    /// assert!(s.contains(&Tag(2)) && !s.contains(&Tag(1)));
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(&Obj<T, F>) -> bool) {
        for member in self.iter() {
            if !keep(&member) {
                self.remove_object(&member);
            }
        }
    }

    /// Removes the entry of this very object, if it is a member (no `Eq` runs).
    fn remove_object(&self, member: &Obj<T, F>) {
        let tag = self.tag(member);
        let addr = equivalence::address::<T>(member);
        let mut guard = self.table.core().lock();
        let (state, bin, core) = guard.parts();
        if let Some(slot) = state.find(tag, |slot| slot.value_addr() == addr) {
            state.remove(core, slot, bin);
        }
    }

    /// Whether both handles are to one set.
    fn same_set(&self, other: &Self) -> bool {
        self.table.ptr_eq(&other.table)
    }
}

/// The iterator of [`WeakSet::iter`]: the members of a snapshot that are still alive when reached.
///
/// ```
/// use weakref_core::{Obj, WeakIdSet, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Listener;
///
/// let s = WeakIdSet::new();
/// let a = Obj::new(Listener);
/// s.add(&a);
/// let mut it = s.iter();
/// drop(a); // dies before it is reached
/// assert!(it.next().is_none());
/// ```
pub struct SetIter<T: ?Sized, F: Flavor = flavor::Sync> {
    walk: Walk<T, (), F, ()>,
}

// SAFETY: the iterator holds a reference to the set's table (reached under its lock from any
// thread, and freed on whichever drops the last reference) and pointers to thread-safe objects,
// which it upgrades to `Obj<T, Sync>` on whichever thread iterates: the bounds of a
// `Vec<WeakRef<T, Sync>>`, which the iterator once held.
unsafe impl<T: ?Sized + Send + Sync> Send for SetIter<T, flavor::Sync> {}
// SAFETY: as for `Send`; `&SetIter` only reads the remaining length.
unsafe impl<T: ?Sized + Send + Sync> Sync for SetIter<T, flavor::Sync> {}

impl<T: ?Sized, F: Flavor> Iterator for SetIter<T, F> {
    type Item = Obj<T, F>;

    #[inline]
    fn next(&mut self) -> Option<Obj<T, F>> {
        self.walk.next::<Nothing>().map(|(member, ())| member)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.walk.remaining()))
    }
}

impl<T: ?Sized, F: Flavor> FusedIterator for SetIter<T, F> {}

impl<T: ?Sized, F: Flavor> fmt::Debug for SetIter<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetIter")
            .field("remaining", &self.walk.remaining())
            .finish()
    }
}

impl<T, S, M, F: Flavor> Default for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Default + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An empty set.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<T, S, M, F: Flavor> Clone for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// An independent copy (Python's `s.copy()`): the same members, each with its own weak
    /// reference, dying independently of the original's entries.
    fn clone(&self) -> Self {
        let copy = self.empty_like();
        for element in self.iter() {
            copy.add(&element);
        }
        copy
    }
}

impl<T, S, M, F: Flavor, E> Extend<E> for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    E: Borrow<Obj<T, F>>,
{
    /// Adds every element (Python's `s.update(elements)`).
    fn extend<I: IntoIterator<Item = E>>(&mut self, elements: I) {
        for element in elements {
            self.add(Borrow::<Obj<T, F>>::borrow(&element));
        }
    }
}

impl<T, S, M, F: Flavor, E> FromIterator<E> for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Default + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    E: Borrow<Obj<T, F>>,
{
    /// A set of the elements (Python's `WeakSet(elements)`).
    fn from_iter<I: IntoIterator<Item = E>>(elements: I) -> Self {
        let mut set = Self::default();
        set.extend(elements);
        set
    }
}

impl<T, S, M, F: Flavor> IntoIterator for &WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    type Item = Obj<T, F>;
    type IntoIter = SetIter<T, F>;

    fn into_iter(self) -> SetIter<T, F> {
        self.iter()
    }
}

impl<T, S, M, F: Flavor> IntoIterator for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    type Item = Obj<T, F>;
    type IntoIter = SetIter<T, F>;

    /// The live members (see [`WeakSet::iter`]).
    fn into_iter(self) -> SetIter<T, F> {
        self.iter()
    }
}

impl<T, S, M, F: Flavor> fmt::Debug for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + fmt::Debug + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// The live members, as a set: `{a, b, ...}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

// The set algebra: methods, comparisons and operators.

impl<T, S, M, F: Flavor> WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// The elements of `other`, held strongly for the length of an operation, so that none of them
    /// dies halfway through it.
    fn hold<I>(other: I) -> Vec<Obj<T, F>>
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        other
            .into_iter()
            .map(|element| Borrow::<Obj<T, F>>::borrow(&element).clone())
            .collect()
    }

    /// `elements` as a set with this set's hasher and comparison.
    fn set_of(&self, elements: &[Obj<T, F>]) -> Self {
        let set = self.empty_like();
        for element in elements {
            set.add(element);
        }
        set
    }

    /// Adds every element of `other` (Python's `s.update(other)`, `s |= other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let s: WeakSet<Tag> = WeakSet::new();
    /// let tags = [Obj::new(Tag(1)), Obj::new(Tag(2))];
    /// s.update(&tags);
    /// assert_eq!(s.len(), 2);
    /// ```
    pub fn update<I>(&self, other: I)
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        for element in other {
            self.add(Borrow::<Obj<T, F>>::borrow(&element));
        }
    }

    /// A new set of the members of `self` and of `other` (Python's `s.union(other)`, `s | other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a].into_iter().collect();
    /// let u = s.union([&b]);
    /// assert_eq!(u.len(), 2);
    /// assert_eq!(s.len(), 1); // unchanged
    /// drop(b);
    /// assert_eq!(u.len(), 1); // members are held weakly
    /// ```
    pub fn union<I>(&self, other: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let result = self.clone();
        result.update(other);
        result
    }

    /// A new set of the elements of `other` that are members of `self` (Python's
    /// `s.intersection(other)`, `s & other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a, &b].into_iter().collect();
    /// let i = s.intersection([&b]);
    /// assert!(i.contains(&b) && !i.contains(&a));
    /// ```
    pub fn intersection<I>(&self, other: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let result = self.empty_like();
        for element in other {
            let element = Borrow::<Obj<T, F>>::borrow(&element);
            if self.contains(element) {
                result.add(element);
            }
        }
        result
    }

    /// A new set of the members of `self` that are not in `other` (Python's `s.difference(other)`,
    /// `s - other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a, &b].into_iter().collect();
    /// let d = s.difference([&b]);
    /// assert!(d.contains(&a) && !d.contains(&b));
    /// ```
    pub fn difference<I>(&self, other: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let result = self.clone();
        result.difference_update(other);
        result
    }

    /// A new set of the elements in exactly one of `self` and `other` (Python's
    /// `s.symmetric_difference(other)`, `s ^ other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b, c) = (Obj::new(Tag(1)), Obj::new(Tag(2)), Obj::new(Tag(3)));
    /// let s: WeakSet<Tag> = [&a, &b].into_iter().collect();
    /// let x = s.symmetric_difference([&b, &c]);
    /// assert!(x.contains(&a) && !x.contains(&b) && x.contains(&c));
    /// ```
    pub fn symmetric_difference<I>(&self, other: I) -> Self
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let result = self.clone();
        result.symmetric_difference_update(other);
        result
    }

    /// Removes every element of `other` (Python's `s.difference_update(other)`, `s -= other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a, &b].into_iter().collect();
    /// s.difference_update([&a]);
    /// assert!(!s.contains(&a) && s.contains(&b));
    /// ```
    pub fn difference_update<I>(&self, other: I)
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        for element in other {
            self.discard(Borrow::<Obj<T, F>>::borrow(&element));
        }
    }

    /// Keeps only the members that are in `other` (Python's `s.intersection_update(other)`, `s &=
    /// other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a, &b].into_iter().collect();
    /// s.intersection_update([&a]);
    /// assert!(s.contains(&a) && !s.contains(&b));
    /// ```
    pub fn intersection_update<I>(&self, other: I)
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let held = Self::hold(other);
        let keep = self.set_of(&held);
        for member in self.iter() {
            if !keep.contains(&member) {
                self.discard(&member);
            }
        }
    }

    /// Removes the members that are in `other` and adds the elements of `other` that were not
    /// members (Python's `s.symmetric_difference_update(other)`, `s ^= other`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a].into_iter().collect();
    /// s.symmetric_difference_update([&a, &b]);
    /// assert!(!s.contains(&a) && s.contains(&b));
    /// ```
    pub fn symmetric_difference_update<I>(&self, other: I)
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let held = Self::hold(other);
        // Each distinct element of `other` once, as Python's set semantics want.
        let distinct = self.set_of(&held);
        for element in distinct.iter() {
            if !self.discard(&element) {
                self.add(&element);
            }
        }
    }

    /// Whether every member is in `other` (Python's `s.issubset(other)`, `s <= t`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a].into_iter().collect();
    /// assert!(s.is_subset([&a, &b]));
    /// assert!(!s.is_subset([&b]));
    /// ```
    pub fn is_subset<I>(&self, other: I) -> bool
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        let held = Self::hold(other);
        let other = self.set_of(&held);
        self.iter().all(|member| other.contains(&member))
    }

    /// Whether every element of `other` is a member (Python's `s.issuperset(other)`, `s >= t`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a, &b].into_iter().collect();
    /// assert!(s.is_superset([&a]));
    /// ```
    pub fn is_superset<I>(&self, other: I) -> bool
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        other
            .into_iter()
            .all(|element| self.contains(Borrow::<Obj<T, F>>::borrow(&element)))
    }

    /// Whether no element of `other` is a member (Python's `s.isdisjoint(other)`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakSet, Weakrefable};
    ///
    /// #[derive(Hash, PartialEq, Eq, Weakrefable)]
    /// struct Tag(u8);
    ///
    /// let (a, b) = (Obj::new(Tag(1)), Obj::new(Tag(2)));
    /// let s: WeakSet<Tag> = [&a].into_iter().collect();
    /// assert!(s.is_disjoint([&b]));
    /// assert!(!s.is_disjoint([&a]));
    /// ```
    pub fn is_disjoint<I>(&self, other: I) -> bool
    where
        I: IntoIterator,
        I::Item: Borrow<Obj<T, F>>,
    {
        !other
            .into_iter()
            .any(|element| self.contains(Borrow::<Obj<T, F>>::borrow(&element)))
    }
}

impl<T, S, M, F: Flavor> PartialEq for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// Whether both have the same live members (Python's `s == t`), from a snapshot of each.
    fn eq(&self, other: &Self) -> bool {
        if self.same_set(other) {
            return true;
        }
        let mine: Vec<Obj<T, F>> = self.iter().collect();
        let theirs: Vec<Obj<T, F>> = other.iter().collect();
        mine.len() == theirs.len() && mine.iter().all(|member| other.contains(member))
    }
}

impl<T, S, M, F: Flavor> PartialOrd for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
{
    /// Set inclusion, as Python's comparisons of sets: `Less` for a proper subset, `Greater` for a
    /// proper superset, `Equal` for the same members, `None` when neither contains the other. So
    /// `s < t` is a proper-subset test.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        if self.same_set(other) {
            return Some(Ordering::Equal);
        }
        let mine: Vec<Obj<T, F>> = self.iter().collect();
        let theirs: Vec<Obj<T, F>> = other.iter().collect();
        let subset = mine.iter().all(|member| other.contains(member));
        let superset = theirs.iter().all(|member| self.contains(member));
        match (subset, superset) {
            (true, true) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (false, false) => None,
        }
    }
}

impl<T, S, M, F: Flavor, I> BitOr<I> for &WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    type Output = WeakSet<T, S, M, F>;

    /// Python's `s | other`: [`WeakSet::union`].
    fn bitor(self, other: I) -> WeakSet<T, S, M, F> {
        self.union(other)
    }
}

impl<T, S, M, F: Flavor, I> BitOrAssign<I> for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    /// The in-place form: [`WeakSet::update`].
    fn bitor_assign(&mut self, other: I) {
        self.update(other);
    }
}

impl<T, S, M, F: Flavor, I> BitAnd<I> for &WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    type Output = WeakSet<T, S, M, F>;

    /// Python's `s & other`: [`WeakSet::intersection`].
    fn bitand(self, other: I) -> WeakSet<T, S, M, F> {
        self.intersection(other)
    }
}

impl<T, S, M, F: Flavor, I> BitAndAssign<I> for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    /// The in-place form: [`WeakSet::intersection_update`].
    fn bitand_assign(&mut self, other: I) {
        self.intersection_update(other);
    }
}

impl<T, S, M, F: Flavor, I> Sub<I> for &WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    type Output = WeakSet<T, S, M, F>;

    /// Python's `s - other`: [`WeakSet::difference`].
    fn sub(self, other: I) -> WeakSet<T, S, M, F> {
        self.difference(other)
    }
}

impl<T, S, M, F: Flavor, I> SubAssign<I> for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    /// The in-place form: [`WeakSet::difference_update`].
    fn sub_assign(&mut self, other: I) {
        self.difference_update(other);
    }
}

impl<T, S, M, F: Flavor, I> BitXor<I> for &WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    type Output = WeakSet<T, S, M, F>;

    /// Python's `s ^ other`: [`WeakSet::symmetric_difference`].
    fn bitxor(self, other: I) -> WeakSet<T, S, M, F> {
        self.symmetric_difference(other)
    }
}

impl<T, S, M, F: Flavor, I> BitXorAssign<I> for WeakSet<T, S, M, F>
where
    T: ?Sized + Weakrefable + Hashable<M> + SendIf<F> + SyncIf<F> + 'static,
    S: BuildHasher + Clone + SendIf<F> + SyncIf<F> + 'static,
    M: 'static,
    I: IntoIterator,
    I::Item: Borrow<Obj<T, F>>,
{
    /// The in-place form: [`WeakSet::symmetric_difference_update`].
    fn bitxor_assign(&mut self, other: I) {
        self.symmetric_difference_update(other);
    }
}

/// Entry sizes on 64-bit targets: what the benchmark's bytes per entry are made of.
#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::super::table::SlabNode;
    use crate::flavor::{Sync, Unsync};

    #[test]
    fn an_entry_is_its_object_pointer_and_node() {
        assert_eq!(size_of::<SlabNode<u8, (), Sync>>(), 40);
        assert_eq!(size_of::<SlabNode<dyn core::any::Any, (), Unsync>>(), 48);
    }
}
