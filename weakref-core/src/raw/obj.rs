//! The object allocation and its strong handle.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use crate::flavor::{Atomic, Count, Flavor, Slot};

/// The counts and the weaklist slot at the start of every object.
#[repr(C)]
pub(crate) struct Header<Fl: Flavor> {
    pub(crate) strong: Fl::Count,
    pub(crate) weak: Fl::Count,
    pub(crate) slot: Fl::Slot,
}

/// An object: header and value in one allocation.
#[repr(C)]
pub(crate) struct ObjInner<T, Fl: Flavor> {
    header: Header<Fl>,
    value: T,
}

impl<T, Fl: Flavor> ObjInner<T, Fl> {
    /// The header of the object at `this`.
    ///
    /// Only the header is borrowed, never the whole `ObjInner`: a weak handle may look at the
    /// counts while another thread drops the value.
    ///
    /// # Safety
    ///
    /// `this` must point to an allocation kept alive, for `'a`, by a weak or strong count.
    #[inline]
    pub(crate) unsafe fn header<'a>(this: NonNull<Self>) -> &'a Header<Fl> {
        // SAFETY: the caller keeps the allocation alive for 'a; the header is never mutated
        // except through its atomics or cells.
        unsafe { &*ptr::addr_of!((*this.as_ptr()).header) }
    }

    /// A pointer to the value (valid while the value has not been dropped).
    pub(crate) fn value_ptr(this: NonNull<Self>) -> *const T {
        // SAFETY: projecting to a field of an allocation we point to creates no reference.
        unsafe { ptr::addr_of!((*this.as_ptr()).value) }
    }

    /// Drops the value in place.
    ///
    /// # Safety
    ///
    /// The strong count of `this` is zero, this runs once, and nothing reads the value after.
    pub(crate) unsafe fn drop_value(this: NonNull<Self>) {
        // SAFETY: by the caller's contract no handle can reach the value any more, so we have
        // the only access to it.
        unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*this.as_ptr()).value)) }
    }

    /// Releases one weak count, freeing the allocation if it was the last.
    ///
    /// # Safety
    ///
    /// The caller owns one weak count of `this` and gives it up; if it is the last, the value
    /// has already been dropped.
    pub(crate) unsafe fn release_weak(this: NonNull<Self>) {
        // SAFETY: our weak count keeps the header alive until the decrement.
        let last = unsafe { Self::header(this) }.weak.decrement();
        if last {
            // SAFETY: the allocation came from `Box::new` in `RawObj::new` (so the layout is
            // `Layout::new::<Self>()`), the value was dropped before the last weak count went,
            // and no count remains through which anyone could reach it.
            unsafe {
                std::alloc::dealloc(
                    this.as_ptr().cast::<u8>(),
                    std::alloc::Layout::new::<Self>(),
                )
            };
        }
    }
}

/// A strong handle: the object is alive while at least one exists.
pub(crate) struct RawObj<T, Fl: Flavor> {
    ptr: NonNull<ObjInner<T, Fl>>,
    _owns: PhantomData<ObjInner<T, Fl>>,
}

// SAFETY: an `Atomic` object's counts and slot are atomics; a strong handle gives `&T` to
// whichever thread holds it and may drop `T` on whichever thread drops it last, exactly like
// `Arc<T>`, hence the same bounds.
unsafe impl<T: Send + Sync> Send for RawObj<T, Atomic> {}
// SAFETY: as for `Send`: `&RawObj` gives `&T` and can be cloned into an owning handle.
unsafe impl<T: Send + Sync> Sync for RawObj<T, Atomic> {}

impl<T, Fl: Flavor> RawObj<T, Fl> {
    pub(crate) fn new(value: T) -> Self {
        let inner = Box::new(ObjInner {
            header: Header {
                strong: Fl::Count::new(1),
                weak: Fl::Count::new(1),
                slot: Fl::Slot::new(),
            },
            value,
        });
        Self {
            ptr: NonNull::from(Box::leak(inner)),
            _owns: PhantomData,
        }
    }

    /// Takes over a strong count already added for this handle.
    ///
    /// # Safety
    ///
    /// The caller has added one to the strong count of `ptr` on this handle's behalf.
    #[inline]
    pub(crate) unsafe fn adopt(ptr: NonNull<ObjInner<T, Fl>>) -> Self {
        Self {
            ptr,
            _owns: PhantomData,
        }
    }

    pub(crate) fn inner(&self) -> NonNull<ObjInner<T, Fl>> {
        self.ptr
    }

    #[inline]
    pub(crate) fn header(&self) -> &Header<Fl> {
        // SAFETY: our strong count keeps the allocation alive.
        unsafe { ObjInner::header(self.ptr) }
    }

    #[inline]
    pub(crate) fn value(&self) -> &T {
        // SAFETY: our strong count keeps the value alive and it is only ever shared.
        unsafe { &*ObjInner::value_ptr(self.ptr) }
    }

    pub(crate) fn value_ptr(&self) -> *const T {
        ObjInner::value_ptr(self.ptr)
    }

    pub(crate) fn ptr_eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.header().strong.get()
    }
}

impl<T, Fl: Flavor> Clone for RawObj<T, Fl> {
    #[inline]
    fn clone(&self) -> Self {
        self.header().strong.increment();
        Self {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T, Fl: Flavor> RawObj<T, Fl> {
    /// The death of the object, out of line so that dropping a handle stays small.
    ///
    /// # Safety
    ///
    /// The strong count of `ptr` just reached zero and the caller held that last count.
    #[inline(never)]
    unsafe fn drop_slow(ptr: NonNull<ObjInner<T, Fl>>) {
        // SAFETY: forwarded from our caller.
        unsafe { super::death::begin::<T, Fl>(ptr) };
    }
}

impl<T, Fl: Flavor> Drop for RawObj<T, Fl> {
    #[inline]
    fn drop(&mut self) {
        if self.header().strong.decrement() {
            // SAFETY: that was the last strong count, and this handle is gone after `drop`.
            unsafe { Self::drop_slow(self.ptr) };
        }
    }
}
