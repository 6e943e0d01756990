//! The death protocol: what happens when an object's last strong handle drops.
//!
//! In order, on the thread that dropped it:
//! 1. the strong count is zero, so every weak reference is already dead: `upgrade` fails;
//! 2. the object's list of weak references is emptied under its lock, and the references
//!    that still have handles and callbacks get a temporary handle each — this fixes the set
//!    of callbacks to run;
//! 3. with the lock released, the callbacks run newest first, each once, each given its dead
//!    reference; a panic is caught and reported through the unraisable hook;
//! 4. the value is dropped; the allocation is freed once no weak reference needs its header.
//!
//! Deep chains of deaths go through the [`trashcan`](crate::trashcan) so they cannot overflow
//! the stack.

use core::ptr::NonNull;

use super::node;
use super::obj::ObjInner;
use crate::flavor::{Flavor, Slot};

/// Starts the death of the object at `obj`, now or once the stack has unwound a little.
///
/// # Safety
///
/// The strong count of `obj` just reached zero and the caller held that last count.
#[inline]
pub(crate) unsafe fn begin<T: ?Sized, F: Flavor>(obj: NonNull<ObjInner<T, F>>) {
    // A value without drop glue and an object without weak references run no user code when
    // they die, so the death cannot nest another one: it needs no stack protection.
    // SAFETY: the collective weak count keeps the header alive.
    if !core::mem::needs_drop::<T>() && unsafe { ObjInner::header(obj) }.slot.is_empty() {
        // Nothing to clear, no callback to run, no destructor: all that is left of the death
        // is releasing the strong handles' collective weak count.
        // SAFETY: the strong count is zero and stays so; the value needs no drop; the
        // collective weak count is ours to release, once.
        unsafe { ObjInner::release_weak(obj) };
        return;
    }
    // SAFETY: `die` may run once, later, on this thread: the strong count is zero and stays
    // so, and the strong handles' collective weak count keeps the allocation alive meanwhile
    // (and the value, whose lifetime outlives the drop of the handle that began this death).
    unsafe { crate::trashcan::run_or_defer(move || die(obj)) }
}

/// Releases the strong handles' collective weak count, even if the value's destructor panics.
struct ReleaseWeak<T: ?Sized, F: Flavor>(NonNull<ObjInner<T, F>>);

impl<T: ?Sized, F: Flavor> Drop for ReleaseWeak<T, F> {
    fn drop(&mut self) {
        // SAFETY: `die` runs once per object, so the collective count is released once, after
        // the value was dropped (or its destructor panicked).
        unsafe { ObjInner::release_weak(self.0) }
    }
}

/// # Safety
///
/// The strong count of `obj` is zero; this runs once for it.
unsafe fn die<T: ?Sized, F: Flavor>(obj: NonNull<ObjInner<T, F>>) {
    let _release = ReleaseWeak(obj);
    // SAFETY: the strong count is zero and `_release` holds the collective weak count.
    let chain = unsafe { node::clear(ObjInner::header(obj)) };
    // SAFETY: the chain came from `clear` and runs once.
    unsafe { node::run_callbacks::<F>(chain) };
    // SAFETY: the strong count is zero, so nothing can reach the value; this runs once.
    unsafe { ObjInner::drop_value(obj) };
}

/// The end of an object that never lived: `Obj::new_cyclic` whose constructor panicked. Its
/// weak references are cleared, so they stay dead (none has a callback: making one needs a
/// strong handle, and there never was one), and the allocation is freed with the last weak
/// count, its value never having been written.
///
/// # Safety
///
/// The strong count of `obj` is zero and never was anything else; the caller holds the
/// collective weak count and gives it up to this call; the value was never written.
pub(crate) unsafe fn die_unborn<T, F: Flavor>(obj: NonNull<ObjInner<T, F>>) {
    // SAFETY: the strong count is zero and we hold the collective weak count.
    let chain = unsafe { node::clear(ObjInner::header(obj)) };
    // SAFETY: the chain came from `clear` and runs once.
    unsafe { node::run_callbacks::<F>(chain) };
    // SAFETY: we hold the collective weak count, released once here.
    unsafe { ObjInner::release_unborn(obj) };
}

/// The death of an object whose value is taken instead of dropped: `Obj::try_unwrap` and
/// `Obj::into_inner`. It runs now, not through the trashcan, since its caller needs the value.
///
/// # Safety
///
/// The strong count of `obj` just reached zero and the caller held that last count.
pub(crate) unsafe fn die_keeping_value<T, F: Flavor>(obj: NonNull<ObjInner<T, F>>) -> T {
    let _release = ReleaseWeak(obj);
    // SAFETY: the strong count is zero and `_release` holds the collective weak count.
    let chain = unsafe { node::clear(ObjInner::header(obj)) };
    // SAFETY: the chain came from `clear` and runs once.
    unsafe { node::run_callbacks::<F>(chain) };
    // SAFETY: the strong count is zero, so nothing else reaches the value; it is read once,
    // and never dropped in place (the weak count's release only frees the memory).
    unsafe { core::ptr::read(ObjInner::value_ptr(obj)) }
}
