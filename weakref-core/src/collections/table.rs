//! The machinery every weak collection shares: a hash table behind a lock, and the queue
//! through which removal callbacks reach it without ever waiting for that lock.
//!
//! # The protocol
//!
//! A collection's entries live in a `hashbrown::HashTable` behind the *table lock*. Each entry
//! holds a weak reference whose callback, when the referent dies, must delete that entry, and
//! only that entry: it names it by the hash stored in the entry and by the identity of the
//! weak-reference object ([`Entry::holds`]), so applying a removal runs no user code and never
//! deletes an entry that replaced the dead one (CPython's `_remove_dead_weakref`, item 91).
//!
//! A removal callback never blocks on the table lock: the thread holding it may be the
//! callback's own (a key's `Eq` dropped the last handle to another key) or may be running a
//! key's `Eq` that waits for something the dying thread holds. Instead:
//!
//! * **Remover** ([`Table::remove_dead`]): `try_lock` the table; if that works, delete the
//!   entry and release the table as every holder does. Otherwise push the removal onto the
//!   queue and raise the `pending` flag, both inside the short *removals lock*, then issue a
//!   `SeqCst` fence (F1) and `try_lock` the table once more; if that works, release it as a
//!   holder does (which applies the queue). If it fails, the current holder applies it.
//! * **Holder release** ([`Held`]'s `Drop`): if `pending` is raised, lower it and apply the
//!   whole queue, inside the removals lock; unlock the table; issue a `SeqCst` fence (F2);
//!   if `pending` is raised now, `try_lock` the table and, if that works, start over.
//!
//! No removal is stranded (Dekker's argument). Take a remover R whose second `try_lock`
//! failed, and the holder H whose unlock U it did not observe. R raised `pending` before F1,
//! H reads `pending` after F2, and both fences are `SeqCst`, so they are ordered in the
//! single total order S of `SeqCst` operations. If F1 precedes F2, H's read observes the
//! raise (or a later write: a lower by a holder that drained the queue since), so H, or
//! whoever holds the table when H tries again, applies the queue. If F2 precedes F1, R's
//! `try_lock` observes U or a later change of the lock's state, so it failed only because a
//! later holder H' locked the table, and the same argument applies to R and H'. (This reads a
//! mutex's state as one atomic object, written by unlock and read by `try_lock`, which is how
//! std's and loom's mutexes are built; the loom model `tests/loom_collections.rs` checks the
//! protocol against loom's.) `pending` is only written inside the removals lock, so after
//! each removals critical section it says whether the queue is non-empty; the holder's check
//! before F2 is an optimization (a stale `false` there is caught after F2).
//!
//! Lock order: table, then removals. Nobody waits for the table while holding the removals
//! lock (`try_lock` only runs with it released).
//!
//! The removals lock is held only to push or drain the queue: no user code, no drop of a key
//! or value. The table lock is held while keys' `Eq` (and, for snapshots and copies, keys' or
//! values' `Clone`) run, never while a key, value, `Obj` or entry is dropped: what an
//! operation takes out is handed back and dropped after the locks are released.
//!
//! The locks, the flag and the fences are the flavor's: `F::Lock` (a `Mutex` in the
//! thread-safe flavor), `F::Flag` (an `AtomicBool`) and `F::fence()` (a `SeqCst` fence). A
//! panic in a key's `Eq` poisons the thread-safe table lock; the table is still consistent
//! (hashbrown leaves it unchanged when a probe panics), so [`Lock`] ignores the poison.
//!
//! The single-threaded flavor plays the same roles with `RefCell`s, a `Cell<bool>` and no
//! fences: `try_borrow_mut` fails only when the callback runs inside an operation on the same
//! collection, and that operation's release applies the removal.

use hashbrown::HashTable;

use crate::flavor::{Flag, Flavor, Lock};

/// One entry of a weak collection, as far as removing it after its referent died goes.
pub(crate) trait Entry {
    /// The weak reference the entry watches its referent through, as the removal callback
    /// is given it.
    type Weak: Clone;

    /// Whether the entry's weak reference is `weak` (the same weak-reference object).
    fn holds(&self, weak: &Self::Weak) -> bool;
}

/// The table lock of a flavor's collection, held.
type Guard<'a, E, F> =
    <<F as crate::flavor::internal::Internal>::Lock<HashTable<E>> as Lock<HashTable<E>>>::Guard<'a>;

/// A removal waiting for the table lock.
struct Removal<W> {
    hash: u64,
    weak: W,
}

/// The entries of a weak collection and its queue of pending removals.
pub(crate) struct Table<E: Entry, F: Flavor> {
    entries: F::Lock<HashTable<E>>,
    removals: F::Lock<Vec<Removal<E::Weak>>>,
    /// Whether `removals` is non-empty; written only inside the removals lock.
    pending: F::Flag,
}

impl<E: Entry, F: Flavor> Table<E, F> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Lock::new(HashTable::with_capacity(capacity)),
            removals: Lock::new(Vec::new()),
            pending: Flag::new(),
        }
    }

    /// Runs `f` on the entries under the table lock, then releases the lock as the module
    /// documentation describes (applying queued removals first).
    ///
    /// `f` may run keys' `Eq` and `Clone`, may create weak references (no user code), and
    /// must return, not drop, whatever it takes out of the table: the caller drops the result
    /// after the lock is released.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut HashTable<E>) -> R) -> R {
        let mut held = Held {
            table: self,
            entries: Some(self.entries.lock()),
        };
        let entries = held.entries.as_deref_mut();
        f(entries.expect("the guard is taken only on drop"))
        // `held` drops here: removals are applied and the lock released before the caller
        // drops anything `f` returned.
    }

    /// Deletes the entry stored under `hash` whose weak reference is `weak`, if there is one:
    /// the removal callback of every entry. Never waits for the table lock.
    pub(crate) fn remove_dead(&self, hash: u64, weak: &E::Weak) {
        if let Some(mut entries) = self.entries.try_lock() {
            let own = take(&mut entries, hash, weak);
            let others = self.release(entries);
            drop(own);
            drop(others);
            return;
        }
        {
            let mut removals = self.removals.lock();
            removals.push(Removal {
                hash,
                weak: weak.clone(),
            });
            self.pending.set(true);
        }
        F::fence(); // F1
        if let Some(entries) = self.entries.try_lock() {
            drop(self.release(entries));
        }
    }

    /// Releases the table lock: applies the queue, unlocks, and checks the queue again after
    /// F2 (module docs). Returns the removed entries, for the caller to drop with no lock held.
    #[inline]
    fn release<'a>(&'a self, entries: Guard<'a, E, F>) -> Vec<E> {
        if self.pending.get() {
            return self.release_busy(entries);
        }
        // The common case: nothing queued.
        drop(entries);
        F::fence(); // F2
        if self.pending.get() {
            self.retry()
        } else {
            Vec::new()
        }
    }

    /// After F2 found the queue non-empty: apply it if the table is free, else its holder will.
    #[cold]
    fn retry(&self) -> Vec<E> {
        match self.entries.try_lock() {
            Some(entries) => self.release_busy(entries),
            None => Vec::new(),
        }
    }

    /// [`release`](Self::release) with removals queued.
    #[cold]
    fn release_busy<'a>(&'a self, entries: Guard<'a, E, F>) -> Vec<E> {
        let mut dead = Vec::new();
        let mut held = Some(entries);
        while let Some(mut entries) = held.take() {
            if self.pending.get() {
                let mut removals = self.removals.lock();
                self.pending.set(false);
                // The queued handles are dropped here, under the locks: each belongs to a
                // weak-reference object whose referent is dead and whose callback was taken
                // to run (it queued the handle), so dropping it can only free that object's
                // memory, which runs no user code.
                for removal in removals.drain(..) {
                    dead.extend(take(&mut entries, removal.hash, &removal.weak));
                }
            }
            drop(entries);
            F::fence(); // F2
            if self.pending.get() {
                held = self.entries.try_lock();
            }
        }
        dead
    }
}

/// The table lock, held; releasing it applies the queued removals.
struct Held<'a, E: Entry, F: Flavor> {
    table: &'a Table<E, F>,
    entries: Option<Guard<'a, E, F>>,
}

impl<E: Entry, F: Flavor> Drop for Held<'_, E, F> {
    #[inline]
    fn drop(&mut self) {
        if let Some(entries) = self.entries.take() {
            drop(self.table.release(entries));
        }
    }
}

/// Takes the entry under `hash` that holds `weak` out of the table.
fn take<E: Entry>(entries: &mut HashTable<E>, hash: u64, weak: &E::Weak) -> Option<E> {
    entries
        .find_entry(hash, |entry| entry.holds(weak))
        .ok()
        .map(|found| found.remove().0)
}
