//! The primitives of an object's header and of its weak-reference nodes, in both flavors:
//! counts, flag bytes, the cached hash and the weaklist slot. The thread-safe flavor stores them
//! in atomics (the slot doubles as a bit lock), the single-threaded one in `Cell`s.

use core::cell::Cell;

use crate::loom::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

/// Counts past this are treated as a leak of handles and abort, as `Arc` does: a count that
/// wrapped around to zero would free an object still in use.
const MAX_COUNT: usize = isize::MAX as usize;

#[cold]
fn count_overflow() -> ! {
    std::process::abort()
}

/// A reference count.
pub trait Count {
    fn new(n: usize) -> Self;
    /// The current value, for reporting only: another thread may change it at once.
    fn get(&self) -> usize;
    /// Adds one on behalf of someone who already holds a count.
    fn increment(&self);
    /// Adds one unless the count is zero, so a count that reached zero stays there.
    fn increment_if_nonzero(&self) -> bool;
    /// Removes one; returns `true` when that was the last, after which the caller owns
    /// everything the count protected.
    fn decrement(&self) -> bool;
    /// Whether the caller's count is the only one, with the accesses made through every count
    /// released before visible to the caller. Only meaningful when no new count can appear
    /// meanwhile (the caller holds the only handle that could make one).
    fn is_unique(&self) -> bool;
    /// Goes from one to zero if the caller's count is the only one; `true` when it did, after
    /// which the caller owns everything the count protected, as after a last `decrement`.
    fn take_unique(&self) -> bool;
    /// Goes from zero to one, publishing everything the caller wrote before: the first count
    /// of something nobody could reach through a count until now.
    fn publish_first(&self);
}

impl Count for AtomicUsize {
    #[inline]
    fn new(n: usize) -> Self {
        AtomicUsize::new(n)
    }

    #[inline]
    fn get(&self) -> usize {
        // Relaxed: the value is a snapshot for reporting and orders no other access.
        self.load(Ordering::Relaxed)
    }

    #[inline]
    fn increment(&self) {
        // Relaxed, as in `Arc::clone`: the caller's own count keeps the target alive, and
        // passing the new handle to another thread synchronizes by other means.
        let old = self.fetch_add(1, Ordering::Relaxed);
        if old > MAX_COUNT {
            count_overflow();
        }
    }

    #[inline]
    fn increment_if_nonzero(&self) -> bool {
        let mut current = self.load(Ordering::Relaxed);
        loop {
            if current == 0 {
                return false;
            }
            if current > MAX_COUNT {
                count_overflow();
            }
            // Acquire on success pairs with the Release decrement in `decrement`: whoever
            // upgrades sees every write made through handles that were dropped before.
            // Relaxed on failure: we only retry with the value we read.
            match self.compare_exchange_weak(
                current,
                current + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    #[inline]
    fn decrement(&self) -> bool {
        // Release pairs with the Acquire fence below (run by whichever thread removes the last
        // count): every use of the target through this handle happens before its teardown.
        if self.fetch_sub(1, Ordering::Release) != 1 {
            return false;
        }
        // Acquire pairs with the Release decrements of all other handles (as in `Arc::drop`).
        acquire_after_last_decrement(self);
        true
    }

    #[inline]
    fn is_unique(&self) -> bool {
        // Acquire pairs with the Release decrements of the handles dropped before, as the
        // Acquire fence of a last `decrement` does.
        self.load(Ordering::Acquire) == 1
    }

    #[inline]
    fn take_unique(&self) -> bool {
        // Acquire on success pairs with the Release decrements of the other handles, dropped
        // before (as in `Arc::try_unwrap`); Relaxed on failure: nothing was claimed.
        self.compare_exchange(1, 0, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    fn publish_first(&self) {
        // Release pairs with the Acquire of a successful `increment_if_nonzero`: whoever
        // upgrades sees what was written before the count became one.
        self.store(1, Ordering::Release);
    }
}

/// The Acquire half of the last decrement of `count`: a fence, as in `Arc::drop`.
///
/// ThreadSanitizer does not understand fences and would report the teardown that follows as a
/// race, so a TSan build (`--cfg weakref_tsan`, as `.ci/run` sets) does what std's `Arc` does
/// under `cfg(sanitize = "thread")`: an Acquire load of the count, which synchronizes with the
/// same Release decrements (each is part of the release sequence the load reads from).
#[inline]
fn acquire_after_last_decrement(count: &AtomicUsize) {
    #[cfg(not(weakref_tsan))]
    {
        let _ = count;
        crate::loom::atomic::fence(Ordering::Acquire);
    }
    #[cfg(weakref_tsan)]
    {
        // Acquire: see above; the value (zero) is already known.
        let _ = count.load(Ordering::Acquire);
    }
}

impl Count for Cell<usize> {
    #[inline]
    fn new(n: usize) -> Self {
        Cell::new(n)
    }

    #[inline]
    fn get(&self) -> usize {
        Cell::get(self)
    }

    #[inline]
    fn increment(&self) {
        let old = Cell::get(self);
        if old > MAX_COUNT {
            count_overflow();
        }
        self.set(old + 1);
    }

    #[inline]
    fn increment_if_nonzero(&self) -> bool {
        let old = Cell::get(self);
        if old == 0 {
            return false;
        }
        if old > MAX_COUNT {
            count_overflow();
        }
        self.set(old + 1);
        true
    }

    #[inline]
    fn decrement(&self) -> bool {
        let new = Cell::get(self) - 1;
        self.set(new);
        new == 0
    }

    #[inline]
    fn is_unique(&self) -> bool {
        Cell::get(self) == 1
    }

    #[inline]
    fn take_unique(&self) -> bool {
        let unique = Cell::get(self) == 1;
        if unique {
            self.set(0);
        }
        unique
    }

    #[inline]
    fn publish_first(&self) {
        self.set(1);
    }
}

/// The flag byte of a weak-reference node.
pub trait Flags {
    fn new(bits: u8) -> Self;
    fn load(&self) -> u8;
    /// Sets `bits`; returns the previous byte.
    fn insert(&self, bits: u8) -> u8;
    /// Clears `bits`; returns the previous byte.
    fn remove(&self, bits: u8) -> u8;
}

impl Flags for AtomicU8 {
    #[inline]
    fn new(bits: u8) -> Self {
        AtomicU8::new(bits)
    }

    #[inline]
    fn load(&self) -> u8 {
        // Acquire pairs with the Release in `insert`/`remove`: a reader that sees a flag
        // change also sees what was written before it (the unlinking of a node, a cached hash).
        AtomicU8::load(self, Ordering::Acquire)
    }

    #[inline]
    fn insert(&self, bits: u8) -> u8 {
        // AcqRel: Release publishes our earlier writes to readers of the flag (`load`);
        // Acquire lets the thread that wins a flag see what its previous owner wrote.
        self.fetch_or(bits, Ordering::AcqRel)
    }

    #[inline]
    fn remove(&self, bits: u8) -> u8 {
        // AcqRel, for the same pairs as `insert`.
        self.fetch_and(!bits, Ordering::AcqRel)
    }
}

impl Flags for Cell<u8> {
    #[inline]
    fn new(bits: u8) -> Self {
        Cell::new(bits)
    }

    #[inline]
    fn load(&self) -> u8 {
        self.get()
    }

    #[inline]
    fn insert(&self, bits: u8) -> u8 {
        self.replace(self.get() | bits)
    }

    #[inline]
    fn remove(&self, bits: u8) -> u8 {
        self.replace(self.get() & !bits)
    }
}

/// A 64-bit word published through a flag (the cached hash of a node).
pub trait Word {
    fn new(value: u64) -> Self;
    fn load(&self) -> u64;
    fn store(&self, value: u64);
}

impl Word for AtomicU64 {
    #[inline]
    fn new(value: u64) -> Self {
        AtomicU64::new(value)
    }

    #[inline]
    fn load(&self) -> u64 {
        // Relaxed: readers first see the node's `HASHED` flag with Acquire, which pairs with
        // the Release that set it after this word was stored.
        AtomicU64::load(self, Ordering::Relaxed)
    }

    #[inline]
    fn store(&self, value: u64) {
        // Relaxed: published by the Release of the `HASHED` flag that follows.
        AtomicU64::store(self, value, Ordering::Relaxed)
    }
}

impl Word for Cell<u64> {
    #[inline]
    fn new(value: u64) -> Self {
        Cell::new(value)
    }

    #[inline]
    fn load(&self) -> u64 {
        self.get()
    }

    #[inline]
    fn store(&self, value: u64) {
        self.set(value)
    }
}

/// The weaklist slot: one word, null until an object gets its first weak reference.
///
/// It holds the head of the object's list of weak-reference nodes and a lock guarding that
/// list. The lock is never held while user code runs, and each critical section touches at
/// most a handful of nodes plus, when a weak reference is created, one allocation.
pub trait Slot {
    fn new() -> Self;
    /// Whether the list is empty, without locking. Only meaningful when no thread can be
    /// adding a node concurrently (i.e. when the object has no strong handle left).
    fn is_empty(&self) -> bool;
    /// Locks the list and returns its head.
    fn lock(&self) -> *mut ();
    /// Stores the new head and unlocks.
    fn unlock(&self, head: *mut ());
}

/// The lock bit of an `Atomic` slot; nodes are at least 8-aligned, so a head pointer never
/// has it set.
const LOCKED: usize = 1;

impl Slot for AtomicPtr<()> {
    #[inline]
    fn new() -> Self {
        AtomicPtr::new(core::ptr::null_mut())
    }

    #[inline]
    fn is_empty(&self) -> bool {
        // Acquire pairs with the Release in `unlock`: if a node was linked, we see it.
        AtomicPtr::load(self, Ordering::Acquire).is_null()
    }

    #[inline]
    fn lock(&self) -> *mut () {
        let mut spins = 0;
        loop {
            let head = AtomicPtr::load(self, Ordering::Relaxed);
            if head.addr() & LOCKED == 0 {
                let locked = head.map_addr(|addr| addr | LOCKED);
                // Acquire pairs with the Release in `unlock`: the list as the previous holder
                // left it is visible to us. Relaxed on failure: we retry.
                if self
                    .compare_exchange_weak(head, locked, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return head;
                }
            }
            crate::loom::backoff(&mut spins);
        }
    }

    #[inline]
    fn unlock(&self, head: *mut ()) {
        debug_assert_eq!(head.addr() & LOCKED, 0, "node pointers are aligned");
        // Release pairs with the Acquire in `lock` and `is_empty`.
        AtomicPtr::store(self, head, Ordering::Release);
    }
}

impl Slot for Cell<*mut ()> {
    #[inline]
    fn new() -> Self {
        Cell::new(core::ptr::null_mut())
    }

    #[inline]
    fn is_empty(&self) -> bool {
        self.get().is_null()
    }

    #[inline]
    fn lock(&self) -> *mut () {
        // A single thread never runs user code while "holding" the list, so no one can
        // observe it half-edited; there is nothing to lock.
        self.get()
    }

    #[inline]
    fn unlock(&self, head: *mut ()) {
        self.set(head)
    }
}
