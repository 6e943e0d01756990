//! The locks of the weak collections and of finalizers, and the shared pointers that hold
//! their state, in both flavors: `Mutex`, an atomic flag and `Arc` in the thread-safe flavor,
//! `RefCell`, a `Cell` and `Rc` in the single-threaded one.

use core::cell::{Cell, RefCell, RefMut};
use core::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::sync::{Arc, PoisonError, TryLockError};

use crate::loom::atomic::{AtomicBool, Ordering};
use crate::loom::{Mutex, MutexGuard};

/// A lock around some state.
///
/// No lock of this crate is held while user code runs, except where a collection documents
/// it (keys' `Hash`, `Eq` and `Clone`); so a poisoned `Mutex` still guards consistent data and
/// its poison is ignored.
pub trait Lock<T> {
    /// What holding the lock lends.
    type Guard<'a>: DerefMut<Target = T>
    where
        Self: 'a;

    fn new(value: T) -> Self;

    /// Takes the lock, waiting if needed (the thread-safe flavor), or panicking when it is
    /// already held (the single-threaded flavor: only possible from user code that re-enters
    /// the structure the lock guards, which the collections document as forbidden).
    fn lock(&self) -> Self::Guard<'_>;

    /// Takes the lock if it is free right now.
    fn try_lock(&self) -> Option<Self::Guard<'_>>;
}

impl<T> Lock<T> for Mutex<T> {
    type Guard<'a>
        = MutexGuard<'a, T>
    where
        T: 'a;

    #[inline]
    fn new(value: T) -> Self {
        Mutex::new(value)
    }

    #[inline]
    fn lock(&self) -> MutexGuard<'_, T> {
        Mutex::lock(self).unwrap_or_else(PoisonError::into_inner)
    }

    #[inline]
    fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        match Mutex::try_lock(self) {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

impl<T> Lock<T> for RefCell<T> {
    type Guard<'a>
        = RefMut<'a, T>
    where
        T: 'a;

    #[inline]
    fn new(value: T) -> Self {
        RefCell::new(value)
    }

    #[inline]
    fn lock(&self) -> RefMut<'_, T> {
        match self.try_borrow_mut() {
            Ok(guard) => guard,
            Err(_) => reentered(),
        }
    }

    #[inline]
    fn try_lock(&self) -> Option<RefMut<'_, T>> {
        self.try_borrow_mut().ok()
    }
}

#[cold]
#[track_caller]
fn reentered() -> ! {
    panic!(
        "a weak collection (or finalizer) was used from inside one of its own operations: a \
         key's `Eq` or `Clone`, a value's `Clone` (or a finalizer function's `Clone`, in \
         `peek`) must not use what calls it"
    )
}

/// A flag raised and lowered inside a lock and read outside it: the `pending` flag of a
/// collection's removal queue.
pub trait Flag {
    fn new() -> Self;
    /// Sets the flag; only called inside the lock that guards what it describes.
    fn set(&self, raised: bool);
    fn get(&self) -> bool;
}

impl Flag for AtomicBool {
    #[inline]
    fn new() -> Self {
        AtomicBool::new(false)
    }

    #[inline]
    fn set(&self, raised: bool) {
        // Relaxed: written inside the removals lock, whose release orders it for the next
        // holder of that lock; for the holder that reads it after F2, the remover's F1
        // (sequenced after this write) is the partner (see `collections/table.rs`).
        self.store(raised, Ordering::Relaxed);
    }

    #[inline]
    fn get(&self) -> bool {
        // Relaxed: ordered by the fences F1/F2 around it (see `collections/table.rs`); a stale
        // value read before F2 only delays the work to the check after F2.
        self.load(Ordering::Relaxed)
    }
}

impl Flag for Cell<bool> {
    #[inline]
    fn new() -> Self {
        Cell::new(false)
    }

    #[inline]
    fn set(&self, raised: bool) {
        Cell::set(self, raised);
    }

    #[inline]
    fn get(&self) -> bool {
        Cell::get(self)
    }
}

/// A reference-counted pointer to shared state, and its weak counterpart: `Arc` or `Rc`.
pub trait Shared<T>: Clone + Deref<Target = T> {
    /// The weak pointer: `sync::Weak` or `rc::Weak`.
    type Weak: Clone;

    fn new(value: T) -> Self;
    fn downgrade(this: &Self) -> Self::Weak;
    fn upgrade(weak: &Self::Weak) -> Option<Self>;
    fn ptr_eq(this: &Self, other: &Self) -> bool;
}

impl<T> Shared<T> for Arc<T> {
    type Weak = std::sync::Weak<T>;

    #[inline]
    fn new(value: T) -> Self {
        Arc::new(value)
    }

    #[inline]
    fn downgrade(this: &Self) -> Self::Weak {
        Arc::downgrade(this)
    }

    #[inline]
    fn upgrade(weak: &Self::Weak) -> Option<Self> {
        weak.upgrade()
    }

    #[inline]
    fn ptr_eq(this: &Self, other: &Self) -> bool {
        Arc::ptr_eq(this, other)
    }
}

impl<T> Shared<T> for Rc<T> {
    type Weak = std::rc::Weak<T>;

    #[inline]
    fn new(value: T) -> Self {
        Rc::new(value)
    }

    #[inline]
    fn downgrade(this: &Self) -> Self::Weak {
        Rc::downgrade(this)
    }

    #[inline]
    fn upgrade(weak: &Self::Weak) -> Option<Self> {
        weak.upgrade()
    }

    #[inline]
    fn ptr_eq(this: &Self, other: &Self) -> bool {
        Rc::ptr_eq(this, other)
    }
}
