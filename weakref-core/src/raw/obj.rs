//! The object allocation and its strong handle.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

use super::node::{Kind, RawWeak};
use crate::flavor::{Count, Flavor, Slot};

/// The counts and the weaklist slot at the start of every object.
#[repr(C)]
pub(crate) struct Header<F: Flavor> {
    pub(crate) strong: F::Count,
    pub(crate) weak: F::Count,
    pub(crate) slot: F::Slot,
}

/// An object: header and value in one allocation.
///
/// Objects are always allocated with a sized `T`; an unsizing coercion of the pointer (see
/// [`coerce!`](crate::coerce!)) may later view the same allocation as `ObjInner<dyn Trait, F>`.
/// `repr(C)` keeps the header first whatever `T` is, so every view agrees on where it is.
#[repr(C)]
pub struct ObjInner<T: ?Sized, F: Flavor> {
    header: Header<F>,
    value: T,
}

impl<T: ?Sized, F: Flavor> ObjInner<T, F> {
    /// The header of the object at `this`.
    ///
    /// Only the header is borrowed, never the whole `ObjInner`: a weak handle may look at the
    /// counts while another thread drops the value.
    ///
    /// # Safety
    ///
    /// `this` must point to an allocation kept alive, for `'a`, by a weak or strong count.
    #[inline]
    pub(crate) unsafe fn header<'a>(this: NonNull<Self>) -> &'a Header<F> {
        // SAFETY: the caller keeps the allocation alive for 'a; the header is never mutated
        // except through its atomics or cells.
        unsafe { &*ptr::addr_of!((*this.as_ptr()).header) }
    }

    /// A pointer to the value (valid while the value has not been dropped).
    #[inline]
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
    #[inline]
    pub(crate) unsafe fn release_weak(this: NonNull<Self>) {
        // SAFETY: our weak count keeps the header alive until the decrement.
        let last = unsafe { Self::header(this) }.weak.decrement();
        if last {
            // SAFETY: that was the last count, so nothing else reaches the allocation.
            unsafe { Self::dealloc(this) };
        }
    }

    /// Releases one weak count of an object whose value was never written, freeing the
    /// allocation if it was the last (the type it was allocated as: no reference to the
    /// unwritten value is made).
    ///
    /// # Safety
    ///
    /// The caller holds the weak count it releases; the object's value was never written and
    /// its strong count never left zero.
    pub(crate) unsafe fn release_unborn(this: NonNull<Self>)
    where
        T: Sized,
    {
        // SAFETY: our weak count keeps the header alive until the decrement.
        let last = unsafe { Self::header(this) }.weak.decrement();
        if last {
            // SAFETY: the allocation came from `Box::new` of exactly this type in
            // `RawObj::new_cyclic`; that was the last count, so nothing else reaches it; a
            // `MaybeUninit` value and the header (counts and a pointer slot) drop nothing.
            drop(unsafe { Box::from_raw(this.as_ptr().cast::<ObjInner<MaybeUninit<T>, F>>()) });
        }
    }

    /// Frees the allocation.
    ///
    /// # Safety
    ///
    /// The value has been dropped and no count remains through which anyone could reach the
    /// allocation.
    unsafe fn dealloc(this: NonNull<Self>) {
        // `size_of_val` and `align_of_val` read only the pointer's metadata (nothing for a
        // sized `T`, the vtable for a trait object, the length for a slice), never the value's
        // bytes; std's `Weak::drop` did the same before `Layout::for_value_raw` existed.
        // SAFETY: the reference points into the live allocation, at the bytes the value's
        // destructor left, and is used for nothing but its metadata.
        let value = unsafe { Layout::for_value(&*Self::value_ptr(this)) };
        let layout = Self::layout_for(value);
        // The allocation came from `Box::new(ObjInner { .. })` with a sized `T`, whose
        // `repr(C)` layout (header, then value) is what `layout_for` computes; unsizing kept
        // the value's size and alignment in the pointer's metadata.
        // SAFETY: so `layout` is the allocation's layout, and nothing else reaches it.
        unsafe { std::alloc::dealloc(this.as_ptr().cast::<u8>(), layout) };
    }

    /// The layout of an `ObjInner` whose value has layout `value`, as `repr(C)` lays it out.
    fn layout_for(value: Layout) -> Layout {
        let (layout, _) = Layout::new::<Header<F>>()
            .extend(value)
            .expect("the allocation this layout describes exists");
        layout.pad_to_align()
    }
}

/// A strong handle: the object is alive while at least one exists.
///
/// It is `!Send` and `!Sync` (through `NonNull`); the public `Obj` declares when it may cross
/// threads.
pub(crate) struct RawObj<T: ?Sized, F: Flavor> {
    ptr: NonNull<ObjInner<T, F>>,
    _owns: PhantomData<ObjInner<T, F>>,
}

impl<T, F: Flavor> RawObj<T, F> {
    pub(crate) fn new(value: T) -> Self {
        let inner = Box::new(ObjInner {
            header: Header {
                strong: F::Count::new(1),
                weak: F::Count::new(1),
                slot: F::Slot::new(),
            },
            value,
        });
        debug_assert_eq!(
            Layout::new::<ObjInner<T, F>>(),
            ObjInner::<T, F>::layout_for(Layout::new::<T>())
        );
        Self {
            ptr: NonNull::from(Box::leak(inner)),
            _owns: PhantomData,
        }
    }
}

impl<T, F: Flavor> RawObj<T, F> {
    /// The value, if this is the only strong handle; the object dies (its weak references
    /// are cleared and their callbacks run) but its value is moved out instead of dropped.
    pub(crate) fn try_unwrap(self) -> Result<T, Self> {
        if !self.header().strong.take_unique() {
            return Err(self);
        }
        let ptr = self.into_inner();
        // SAFETY: we took the last strong count, from one to zero.
        Ok(unsafe { super::death::die_keeping_value(ptr) })
    }

    /// Drops this handle; if it was the last, the object dies as in
    /// [`try_unwrap`](Self::try_unwrap) and its value is returned.
    pub(crate) fn into_value(self) -> Option<T> {
        let ptr = self.into_inner();
        // SAFETY: our strong count keeps the header alive until the decrement.
        if !unsafe { ObjInner::header(ptr) }.strong.decrement() {
            return None;
        }
        // SAFETY: that was the last strong count.
        Some(unsafe { super::death::die_keeping_value(ptr) })
    }

    /// An object whose value `make` builds, given a weak reference to the object that cannot
    /// upgrade until `make` has returned.
    ///
    /// If `make` panics the object never lived: the weak references to it are cleared (they
    /// stay dead) and the allocation is freed with the last of them, its value never written.
    pub(crate) fn new_cyclic(make: impl FnOnce(&RawWeak<T, F>) -> T) -> Self {
        let uninit = Box::new(ObjInner {
            header: Header::<F> {
                strong: F::Count::new(0),
                weak: F::Count::new(1),
                slot: F::Slot::new(),
            },
            value: MaybeUninit::<T>::uninit(),
        });
        // `MaybeUninit<T>` has `T`'s layout, so this is the `ObjInner<T, F>` to come.
        let ptr: NonNull<ObjInner<T, F>> = NonNull::from(Box::leak(uninit)).cast();
        // A view of the object for making its weak reference: it holds no count and is never
        // dropped; nothing reads the value through it.
        // SAFETY: `adopt` takes no count; the view is never dropped, so it releases none.
        let view = core::mem::ManuallyDrop::new(unsafe { Self::adopt(ptr) });
        let weak = RawWeak::shared(&view, Kind::SharedRef);
        // If `make` panics, `unborn` ends the object that never lived: it clears the weak
        // references (clones of `weak` may have escaped), and gives up the strong handles'
        // weak count, freeing the allocation with the last weak count.
        let unborn = Unborn(ptr);
        let value = make(&weak);
        core::mem::forget(unborn);
        // SAFETY: the value slot is ours: the strong count is zero, so nobody reads it.
        unsafe { ptr::write(ObjInner::value_ptr(ptr).cast_mut(), value) };
        // SAFETY: the strong handles' weak count keeps the header alive.
        unsafe { ObjInner::header(ptr) }.strong.publish_first();
        drop(weak);
        // SAFETY: `publish_first` made the strong count one, for this handle.
        unsafe { Self::adopt(ptr) }
    }
}

/// Ends an object whose `new_cyclic` constructor is unwinding (see there).
struct Unborn<T, F: Flavor>(NonNull<ObjInner<T, F>>);

impl<T, F: Flavor> Drop for Unborn<T, F> {
    fn drop(&mut self) {
        // SAFETY: only `new_cyclic` makes an `Unborn`, for its object whose strong count is
        // still zero and whose value was never written, holding the strong handles' weak
        // count, which it hands over here (the guard is forgotten once the value is written).
        unsafe { super::death::die_unborn(self.0) }
    }
}

impl<T: ?Sized, F: Flavor> RawObj<T, F> {
    /// Takes over a strong count already added for this handle.
    ///
    /// # Safety
    ///
    /// The caller has added one to the strong count of `ptr` on this handle's behalf.
    #[inline]
    pub(crate) unsafe fn adopt(ptr: NonNull<ObjInner<T, F>>) -> Self {
        Self {
            ptr,
            _owns: PhantomData,
        }
    }

    /// Gives up the handle without releasing its strong count, returning the pointer.
    #[inline]
    pub(crate) fn into_inner(self) -> NonNull<ObjInner<T, F>> {
        let this = core::mem::ManuallyDrop::new(self);
        this.ptr
    }

    #[inline]
    pub(crate) fn inner(&self) -> NonNull<ObjInner<T, F>> {
        self.ptr
    }

    #[inline]
    pub(crate) fn header(&self) -> &Header<F> {
        // SAFETY: our strong count keeps the allocation alive.
        unsafe { ObjInner::header(self.ptr) }
    }

    #[inline]
    pub(crate) fn value(&self) -> &T {
        // SAFETY: our strong count keeps the value alive and it is only ever shared.
        unsafe { &*ObjInner::value_ptr(self.ptr) }
    }

    #[inline]
    pub(crate) fn value_ptr(&self) -> *const T {
        ObjInner::value_ptr(self.ptr)
    }

    /// Whether both handles are handles to one object, whatever view of it each has.
    #[inline]
    pub(crate) fn ptr_eq(&self, other: &Self) -> bool {
        ptr::addr_eq(self.ptr.as_ptr(), other.ptr.as_ptr())
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.header().strong.get()
    }

    /// The value, mutably, if nothing else can reach it: this is the only strong handle and
    /// the object has no weak reference (nothing could upgrade meanwhile).
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        let header = self.header();
        // `is_unique` and `is_empty` are Acquire loads: what other handles and weak
        // references did before they went is visible to us. No new strong handle or weak
        // reference can appear: both need a strong handle, and ours is borrowed mutably.
        if header.strong.is_unique() && header.slot.is_empty() {
            // SAFETY: as above, nothing else can reach the value while `self` is borrowed.
            Some(unsafe { &mut *ObjInner::value_ptr(self.ptr).cast_mut() })
        } else {
            None
        }
    }

    /// Gives up the handle, keeping its strong count, and returns a pointer to the value.
    pub(crate) fn into_raw(self) -> *const T {
        ObjInner::value_ptr(self.into_inner())
    }

    /// Takes back a handle given up by [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    ///
    /// `value` came from `into_raw` of a `RawObj<U, F>` whose `*const U` coerces (or is equal)
    /// to `*const T`, and its strong count is given back once.
    pub(crate) unsafe fn from_raw(value: *const T) -> Self {
        // SAFETY: the strong count `into_raw` kept keeps the value alive, so it may be
        // borrowed to read its alignment.
        let align = core::mem::align_of_val(unsafe { &*value });
        let (_, offset) = Layout::new::<Header<F>>()
            .extend(Layout::from_size_align(0, align).expect("a value's alignment is valid"))
            .expect("the allocation this layout describes exists");
        // SAFETY: the value is `offset` bytes into its `repr(C)` allocation (the header's
        // layout, padded to the value's alignment), and `ObjInner<T, F>` has `T`'s metadata.
        let inner = unsafe { value.byte_sub(offset) } as *const ObjInner<T, F>;
        // SAFETY: the allocation's address came from a `NonNull`; `into_raw` kept the count.
        unsafe { Self::adopt(NonNull::new_unchecked(inner.cast_mut())) }
    }

    /// The death of the object, out of line so that dropping a handle stays small.
    ///
    /// # Safety
    ///
    /// The strong count of `ptr` just reached zero and the caller held that last count.
    #[inline(never)]
    unsafe fn drop_slow(ptr: NonNull<ObjInner<T, F>>) {
        // SAFETY: forwarded from our caller.
        unsafe { super::death::begin::<T, F>(ptr) };
    }
}

impl<T: ?Sized, F: Flavor> Clone for RawObj<T, F> {
    #[inline]
    fn clone(&self) -> Self {
        self.header().strong.increment();
        Self {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T: ?Sized, F: Flavor> Drop for RawObj<T, F> {
    #[inline]
    fn drop(&mut self) {
        if self.header().strong.decrement() {
            // SAFETY: that was the last strong count, and this handle is gone after `drop`.
            unsafe { Self::drop_slow(self.ptr) };
        }
    }
}
