//! The locks of the weak collections and of finalizers, and the shared pointers that hold
//! their state, in both flavors: a lock word and `Mutex` and `Arc` in the thread-safe flavor,
//! `Cell`s, `RefCell` and `Rc` in the single-threaded one.

use core::cell::{Cell, RefCell, RefMut};
use core::ops::{Deref, DerefMut};
use std::rc::Rc;
use std::sync::{Arc, PoisonError, TryLockError};

use crate::loom::atomic::{AtomicPtr, Ordering};
use crate::loom::{Mutex, MutexGuard};
#[cfg(loom)]
use loom::thread;
#[cfg(not(loom))]
use std::thread;

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

#[cold]
#[track_caller]
fn collection_reentered() -> ! {
    panic!(
        "a weak collection was used from inside one of its own operations: a key's `Eq` or \
         `Clone` (or a value's `Clone`) must not use the collection that calls it"
    )
}

/// The lock word of a weak collection's table: a lock bit and, while the lock is held, a stack
/// of nodes pushed by threads that must not wait for it (deaths and last handles, whose work on
/// the table the holder does before it unlocks). See `collections/table.rs` for the protocol.
///
/// The word is null when unlocked (holders empty the stack before they unlock, and nodes are
/// only pushed while it is locked), and `top | LOCKED` when locked, `top` being the last node
/// pushed (null if none), each linked to the one pushed before.
pub trait TableLock {
    /// A thread waiting for an entry of the table (one checked out, or a key reserved).
    type Waiter;

    /// Whether other threads may hold the lock: `false` in the single-threaded flavor, where
    /// taking and releasing it are a few plain loads and stores.
    const CONCURRENT: bool;

    fn new() -> Self;

    /// Takes the lock, waiting while another thread holds it (thread-safe flavor), or
    /// panicking when it is already held (single-threaded flavor: only user code that re-enters
    /// the table's collection, which the collections document as forbidden, can do that).
    fn lock(&self);

    /// Takes the lock if it is free right now, and says whether it did.
    fn try_lock(&self) -> bool;

    /// Takes the lock and returns `true` if it is free; otherwise pushes `node` for the holder,
    /// linking it to the node below it with `link(below)` first, and returns `false`. Never
    /// waits for the holder.
    fn lock_or_push(&self, node: *mut (), link: impl FnMut(*mut ())) -> bool;

    /// Releases the lock and returns null if no node was pushed; otherwise takes the pushed
    /// nodes, keeps the lock, and returns the last one pushed (each links to the one before).
    fn unlock_or_take(&self) -> *mut ();

    /// The calling thread, as a waiter, or `None` in the single-threaded flavor, where waiting
    /// for an entry could only wait for the thread itself.
    fn waiter() -> Option<Self::Waiter>;

    /// Blocks the calling thread until a waiter made of it is woken (or spuriously).
    fn park();

    /// Wakes `waiter`.
    fn wake(waiter: &Self::Waiter);
}

/// The lock bit of a table's lock word; nodes are at least 8-aligned.
const TABLE_LOCKED: usize = 1;

impl TableLock for AtomicPtr<()> {
    type Waiter = thread::Thread;

    const CONCURRENT: bool = true;

    #[inline]
    fn new() -> Self {
        AtomicPtr::new(core::ptr::null_mut())
    }

    #[inline]
    fn lock(&self) {
        let mut spins = 0;
        loop {
            // Acquire on success pairs with the Release of `unlock_or_take`: the table as the
            // previous holder left it is visible to us. Relaxed on failure: we retry.
            let locked = core::ptr::without_provenance_mut(TABLE_LOCKED);
            if self
                .compare_exchange_weak(
                    core::ptr::null_mut(),
                    locked,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return;
            }
            crate::loom::backoff(&mut spins);
        }
    }

    #[inline]
    fn try_lock(&self) -> bool {
        // Acquire on success pairs with the Release of `unlock_or_take`, as in `lock`. Relaxed
        // on failure: nothing is read.
        self.compare_exchange(
            core::ptr::null_mut(),
            core::ptr::without_provenance_mut(TABLE_LOCKED),
            Ordering::Acquire,
            Ordering::Relaxed,
        )
        .is_ok()
    }

    #[inline]
    fn lock_or_push(&self, node: *mut (), mut link: impl FnMut(*mut ())) -> bool {
        debug_assert_eq!(node.addr() & TABLE_LOCKED, 0, "nodes are aligned");
        // Relaxed: the value only chooses the next compare-exchange, which orders what matters.
        let mut word = self.load(Ordering::Relaxed);
        loop {
            let (new, success) = if word.is_null() {
                // Free: lock it. Acquire pairs with the holders' Release in `unlock_or_take`.
                (
                    core::ptr::without_provenance_mut(TABLE_LOCKED),
                    Ordering::Acquire,
                )
            } else {
                // Held: push. Release publishes the link (and whatever we wrote to the node)
                // to the holder's Acquire in `unlock_or_take`.
                link(word.map_addr(|addr| addr & !TABLE_LOCKED));
                (node.map_addr(|addr| addr | TABLE_LOCKED), Ordering::Release)
            };
            match self.compare_exchange_weak(word, new, success, Ordering::Relaxed) {
                Ok(_) => return word.is_null(),
                Err(actual) => word = actual,
            }
        }
    }

    #[inline]
    fn unlock_or_take(&self) -> *mut () {
        let locked = core::ptr::without_provenance_mut(TABLE_LOCKED);
        // The common case: nothing pushed. Release pairs with the Acquire of the next holder's
        // lock: everything we did under the lock is visible to it. Relaxed on failure: the
        // swap below orders what we take.
        match self.compare_exchange(
            locked,
            core::ptr::null_mut(),
            Ordering::Release,
            Ordering::Relaxed,
        ) {
            Ok(_) => core::ptr::null_mut(),
            // Acquire pairs with the pushers' Release: their nodes and links are visible.
            // Only the holder changes the word from `top | LOCKED` to something else locked
            // (pushers add to it), so the lock stays ours.
            Err(_) => self
                .swap(locked, Ordering::Acquire)
                .map_addr(|addr| addr & !TABLE_LOCKED),
        }
    }

    fn waiter() -> Option<thread::Thread> {
        Some(thread::current())
    }

    fn park() {
        thread::park();
    }

    fn wake(waiter: &thread::Thread) {
        waiter.unpark();
    }
}

impl TableLock for Cell<*mut ()> {
    type Waiter = core::convert::Infallible;

    const CONCURRENT: bool = false;

    #[inline]
    fn new() -> Self {
        Cell::new(core::ptr::null_mut())
    }

    #[inline]
    fn lock(&self) {
        if !self.get().is_null() {
            collection_reentered();
        }
        self.set(core::ptr::without_provenance_mut(TABLE_LOCKED));
    }

    #[inline]
    fn try_lock(&self) -> bool {
        if !self.get().is_null() {
            return false;
        }
        self.set(core::ptr::without_provenance_mut(TABLE_LOCKED));
        true
    }

    #[inline]
    fn lock_or_push(&self, node: *mut (), mut link: impl FnMut(*mut ())) -> bool {
        let word = self.get();
        if word.is_null() {
            self.set(core::ptr::without_provenance_mut(TABLE_LOCKED));
            return true;
        }
        // Held by an operation of this thread, further up the stack (a key's `Eq` dropped the
        // last handle of another key): that operation's release does our work.
        link(word.map_addr(|addr| addr & !TABLE_LOCKED));
        self.set(node.map_addr(|addr| addr | TABLE_LOCKED));
        false
    }

    #[inline]
    fn unlock_or_take(&self) -> *mut () {
        let word = self.get();
        if word.addr() == TABLE_LOCKED {
            self.set(core::ptr::null_mut());
            return core::ptr::null_mut();
        }
        self.set(core::ptr::without_provenance_mut(TABLE_LOCKED));
        word.map_addr(|addr| addr & !TABLE_LOCKED)
    }

    fn waiter() -> Option<core::convert::Infallible> {
        None
    }

    fn park() {
        unreachable!("no waiter exists in the single-threaded flavor")
    }

    fn wake(waiter: &core::convert::Infallible) {
        match *waiter {}
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
