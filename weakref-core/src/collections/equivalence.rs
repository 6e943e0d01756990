//! How weakly held keys and elements are compared: by value or by identity.

use core::fmt;
use core::hash::{BuildHasher, Hash};

/// Compare weakly held keys and elements by value: the referents' `Hash` and `Eq`, like Python
/// objects that define `__eq__` and `__hash__`. The default of
/// [`WeakKeyDictionary`](crate::WeakKeyDictionary) and [`WeakSet`](crate::WeakSet).
///
/// As in CPython's dictionaries, an entry is found first by identity (the very object it
/// holds), then by equality.
///
/// ```
/// use weakref_core::{Obj, WeakSet, Weakrefable};
///
/// #[derive(Hash, PartialEq, Eq, Weakrefable)]
/// struct Tag(&'static str);
///
/// let red = Obj::new(Tag("red"));
/// let set: WeakSet<Tag> = WeakSet::new(); // the same as `WeakSet<Tag, RandomState, ByValue>`
/// set.add(&red);
/// assert!(set.contains(&Tag("red"))); // an equal value is found
/// ```
#[derive(Debug)]
pub enum ByValue {}

/// Compare weakly held keys and elements by identity (Python's default `__eq__`, `is`): any
/// [`Weakrefable`](crate::Weakrefable) type can be a key, no `Hash` or `Eq` needed. Used by
/// [`WeakIdKeyDictionary`](crate::WeakIdKeyDictionary) and [`WeakIdSet`](crate::WeakIdSet).
///
/// Trait objects are keys like any other: an object is the same key through every view of it
/// (an `Obj<Printer>` and the `Obj<dyn Observer>` [coerced](crate::coerce!) from it), since
/// identity is the address of the value, without pointer metadata.
///
/// ```
/// use weakref_core::{Obj, WeakIdSet, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Observer;
///
/// let a = Obj::new(Observer);
/// let b = Obj::new(Observer);
/// let set = WeakIdSet::new();
/// set.add(&a);
/// assert!(set.contains(&*a));
/// assert!(!set.contains(&*b)); // another object, however similar
/// ```
#[derive(Debug)]
pub enum ById {}

mod private {
    /// Names nobody outside this crate can write, which seals [`super::Hashable`].
    #[derive(Debug)]
    pub struct Token;
}

/// Types that can be weakly held keys or elements compared by `M` ([`ByValue`] or [`ById`]).
///
/// Every type is `Hashable<ById>`; a type is `Hashable<ByValue>` exactly when it is
/// `Hash + Eq`. A value-keyed weak collection of a type without them does not compile, with
/// the error Python raises at run time (`TypeError: unhashable type`):
///
/// ```compile_fail
/// use weakref_core::{WeakSet, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Observer;
///
/// let set: WeakSet<Observer> = WeakSet::new(); // error: unhashable type: 'Observer'
/// ```
///
/// The trait is implemented for you and cannot be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "unhashable type: '{Self}'",
    label = "'{Self}' does not implement `Hash` and `Eq`",
    note = "value-keyed weak collections compare keys and elements by their `Hash` and `Eq`: derive or implement both for `{Self}`, or compare by identity with `WeakIdSet` / `WeakIdKeyDictionary`"
)]
pub trait Hashable<M = ByValue> {
    /// Whether keys are compared by address only (no upgrade needed to compare).
    #[doc(hidden)]
    const IDENTITY: bool;

    /// The hash of `self` under `hasher`.
    #[doc(hidden)]
    fn hash_with<S: BuildHasher>(&self, hasher: &S, _: private::Token) -> u64;

    /// Whether `self` and `other` are the same key under `M`.
    #[doc(hidden)]
    fn same_key(&self, other: &Self, _: private::Token) -> bool;
}

impl<T: Hash + Eq + ?Sized> Hashable<ByValue> for T {
    const IDENTITY: bool = false;

    fn hash_with<S: BuildHasher>(&self, hasher: &S, _: private::Token) -> u64 {
        hasher.hash_one(self)
    }

    fn same_key(&self, other: &Self, _: private::Token) -> bool {
        self == other
    }
}

impl<T: ?Sized> Hashable<ById> for T {
    const IDENTITY: bool = true;

    fn hash_with<S: BuildHasher>(&self, hasher: &S, _: private::Token) -> u64 {
        hasher.hash_one(address(self))
    }

    fn same_key(&self, other: &Self, _: private::Token) -> bool {
        core::ptr::addr_eq(self, other)
    }
}

/// The hash of `key` under `hasher`, compared by `M`.
pub(crate) fn hash_key<M, T: Hashable<M> + ?Sized, S: BuildHasher>(key: &T, hasher: &S) -> u64 {
    key.hash_with(hasher, private::Token)
}

/// Whether `a` and `b` are the same key, compared by `M`.
pub(crate) fn same_key<M, T: Hashable<M> + ?Sized>(a: &T, b: &T) -> bool {
    a.same_key(b, private::Token)
}

/// The address of a value, as an integer: only ever compared, never turned back into a
/// pointer. Metadata is dropped, so every view of one value (`&Printer`, `&dyn Observer`) has
/// the same address. It identifies an object while its allocation lives (which its weak
/// references ensure): values of two live objects are never at one address, each being past its
/// own object's header.
pub(crate) fn address<T: ?Sized>(value: &T) -> usize {
    core::ptr::from_ref(value).cast::<()>().addr()
}

/// The error of [`WeakSet::remove`](crate::WeakSet::remove) when the element is absent:
/// Python's `KeyError`.
///
/// ```
/// use weakref_core::{KeyError, Obj, WeakSet, Weakrefable};
///
/// #[derive(Hash, PartialEq, Eq, Weakrefable)]
/// struct Tag(u8);
///
/// let set: WeakSet<Tag> = WeakSet::new();
/// assert_eq!(set.remove(&Tag(1)), Err(KeyError));
/// assert_eq!(KeyError.to_string(), "KeyError: no such key");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct KeyError;

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyError: no such key")
    }
}

impl std::error::Error for KeyError {}
