//! The engine of every collection's iterators: a cursor registered with the table, over the
//! slots that existed when the iterator was made, copying a batch of entries (object pointers,
//! and a clone of the key or value if the iterator yields one) under the lock and upgrading
//! each object outside it, when reached (see "Iteration" in `table.rs`).

use core::ptr::NonNull;

use super::table::{CoreRef, Cursor, TableRef, upgrade};
use crate::flavor::Flavor;
use crate::obj::Obj;
use crate::raw::ObjInner;

/// Entries copied per visit of the lock.
const BATCH: usize = 64;

/// What an iterator waiting for a checked-out entry of its own thread says.
const WAITS_FOR_ITSELF: &str = "a weak collection was iterated (over its values) while one of \
     its entries was checked out by the same thread (an entry handle, or a `get_with` or \
     `get_with_mut` closure, is still alive)";

/// What a walk copies of each entry's part (the key or value beside the weak reference).
pub(crate) trait Copier<X> {
    /// The copy.
    type Out;
    /// Whether the copy reads the part (and so waits for a part lent to a checkout).
    const READS_PART: bool;
    /// The copy of `part`, which is `Some` exactly when `READS_PART`.
    fn copy(part: Option<&X>) -> Self::Out;
}

/// A clone of the part.
pub(crate) enum Cloned {}

impl<X: Clone> Copier<X> for Cloned {
    type Out = X;
    const READS_PART: bool = true;

    #[inline]
    fn copy(part: Option<&X>) -> X {
        part.expect("a part is given to the copies that read it")
            .clone()
    }
}

/// Nothing of the part.
pub(crate) enum Nothing {}

impl<X> Copier<X> for Nothing {
    type Out = ();
    const READS_PART: bool = false;

    #[inline]
    fn copy(_: Option<&X>) {}
}

/// A walk over a table's slots, yielding `(object, copy)` for each entry alive when reached.
pub(crate) struct Walk<T: ?Sized, X, F: Flavor, B> {
    core: CoreRef<T, X, F>,
    cursor: Cursor,
    /// Copied, not yet yielded (last first): object pointers (valid while we are open: slots
    /// are not retired while an iterator is) and copies.
    buf: Vec<(NonNull<ObjInner<T, F>>, B)>,
}

impl<T: ?Sized, X, F: Flavor, B> Walk<T, X, F, B> {
    /// A walk over `table`'s entries as they are now.
    pub(crate) fn new<S>(table: &TableRef<T, X, S, F>) -> Self {
        let core = table.core_ref();
        let cursor = core.lock().state().open_cursor();
        Self {
            core,
            cursor,
            buf: Vec::new(),
        }
    }

    /// The next entry alive when reached, with `C`'s copy of its part. (Within a batch, the
    /// order is the reverse of the slots': the order is unspecified anyway.)
    #[inline]
    pub(crate) fn next<C: Copier<X, Out = B>>(&mut self) -> Option<(Obj<T, F>, B)> {
        loop {
            if let Some((obj, copied)) = self.buf.pop() {
                // SAFETY: the node the pointer came from holds a weak count on the object
                // until it is retired, which waits for us to close.
                match unsafe { upgrade(obj) } {
                    Some(obj) => return Some((obj, copied)),
                    // Dead: skipped; its copy drops here, with no lock held.
                    None => continue,
                }
            }
            if self.cursor.remaining() == 0 {
                return None;
            }
            self.fill::<C>();
        }
    }

    /// Copies the next batch.
    #[inline(never)]
    fn fill<C: Copier<X, Out = B>>(&mut self) {
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(BATCH.min(self.cursor.remaining()));
        }
        let mut guard = self.core.lock();
        let state = guard.state();
        // A visible entry that is not checked out holds its part. A panicking clone leaves what
        // was copied in `buf`, dropped after the guard (and so the lock) by whoever drops the
        // iterator.
        let room = self.buf.capacity() - self.buf.len();
        let busy = state.fill(
            &mut self.cursor,
            &mut self.buf,
            room,
            C::READS_PART,
            C::copy,
        );
        if busy && self.buf.is_empty() {
            // The value is lent, and nothing else is ready: wait for it.
            state.register_waiter(WAITS_FOR_ITSELF);
            guard.park();
        }
    }

    /// Entries not yet yielded, at most.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() + self.cursor.remaining()
    }
}

impl<T: ?Sized, X, F: Flavor, B> Drop for Walk<T, X, F, B> {
    fn drop(&mut self) {
        let mut guard = self.core.lock();
        let (state, bin, _) = guard.parts();
        state.close_cursor(bin);
        // The guard drops: the lock is released, then what the close retired is dropped; the
        // copies in `buf`, and our reference to the table, go after.
    }
}
