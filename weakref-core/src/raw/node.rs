//! Weak-reference nodes, their handles, and the per-object list that links them.

use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ptr::{self, NonNull};

use super::obj::{Header, ObjInner, RawObj};
use crate::flavor::{Count, Flags, Flavor, Slot, Word};

/// The node is in its object's list. Set before the node is published, cleared (under the
/// list lock) when it is unlinked, by its last handle or by the object's death.
const LINKED: u8 = 1 << 0;
/// The node's callback has neither been taken to run nor been dropped. (For a node in a weak
/// collection's slab, whose callback is the removal of its entry, see `ENTRY`: the callback of
/// a node whose entry was removed does nothing, but is pending as long as the object lives.)
const CALLBACK: u8 = 1 << 1;
/// `hash` holds the cached hash.
const HASHED: u8 = 1 << 2;
/// A thread has claimed the right to store the cached hash.
const HASHING: u8 = 1 << 3;
/// A slab node's entry still holds its handle, and its removal is pending: whoever clears the
/// flag (the object's death, or the collection removing the entry) owns that handle and the
/// removal.
const ENTRY: u8 = 1 << 4;

/// What a node is, which decides where it goes in its object's list.
///
/// The list keeps CPython's order: the shared reference at the head, the shared proxy right
/// after it, then every other node, newest first.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    /// The object's shared callback-less reference (`weakref.ref(o)`), kept at the head of
    /// the list and handed out again while it has handles.
    SharedRef,
    /// The object's shared callback-less proxy (`weakref.proxy(o)`), kept right after the
    /// shared references and handed out again while it has handles.
    SharedProxy,
    /// A reference with a callback (`weakref.ref(o, cb)`): never shared, inserted after the
    /// shared nodes so that the list runs newest first.
    CallbackRef,
    /// A proxy with a callback (`weakref.proxy(o, cb)`): placed like `CallbackRef`.
    CallbackProxy,
}

impl Kind {
    /// Whether nodes of this kind are handed out again (and so sit before the others).
    fn is_shared(self) -> bool {
        matches!(self, Kind::SharedRef | Kind::SharedProxy)
    }

    pub(crate) fn is_proxy(self) -> bool {
        matches!(self, Kind::SharedProxy | Kind::CallbackProxy)
    }

    /// Whether a new node of this kind goes after a linked node of kind `linked` when both
    /// are at the front of the list: shared references first, then shared proxies, then the
    /// rest (each new one before the older ones of its group).
    fn goes_after(self, linked: Kind) -> bool {
        match self {
            Kind::SharedRef => false,
            Kind::SharedProxy => linked == Kind::SharedRef,
            Kind::CallbackRef | Kind::CallbackProxy => linked.is_shared(),
        }
    }

    /// The name of the Python type, for `Debug` (`<weakref at ...>`, `<weakproxy at ...>`).
    fn python_name(self) -> &'static str {
        match self {
            Kind::SharedRef | Kind::CallbackRef => "weakref",
            Kind::SharedProxy | Kind::CallbackProxy => "weakproxy",
        }
    }
}

/// What a node's concrete type (its object's type and its callback's, or its collection's)
/// contributes.
pub(crate) struct NodeVTable<F: Flavor> {
    /// Runs the callback.
    ///
    /// For a node of its own, the caller has cleared `CALLBACK`, so it owns the callback, and
    /// holds a handle on the node for the whole call. For a node in a slab, [`clear`] cleared
    /// `ENTRY` and lent the call the handle of the node's collection entry, which the call
    /// consumes.
    pub(crate) call: unsafe fn(NonNull<Node<F>>),
    /// Frees a node nobody can reach any more: it is unlinked and has no handles. Drops its
    /// callback if still pending, frees the node (or gives its slot back to its collection),
    /// releases its weak count on the object.
    pub(crate) release: unsafe fn(NonNull<Node<F>>),
}

/// The part of a weak reference every node has, whatever the type of its object; the rest
/// follows it in a [`NodeAlloc`], or, for a node that is a weak collection's entry, in the
/// collection's slab (see [`SlabHeader`]).
///
/// Nodes of one object may have been made through handles of different types (an `Obj<T>` and
/// the `Obj<dyn Trait>` it was coerced to): the list only ever sees this part.
#[repr(C)]
pub struct Node<F: Flavor> {
    /// `RawWeak` handles. At zero the node is unlinked and freed; it never rises from zero.
    handles: F::Count,
    flags: F::Flags,
    kind: Kind,
    /// Zero for a node allocated on its own. For a node in a weak collection's slab, the
    /// base-2 logarithm of the size of its chunk, which is aligned to that size and starts with
    /// a [`SlabHeader`]. Written before the node is published, never while it is.
    slab_shift: u8,
    /// A slab node's state and tag, owned by its collection: read and written only under the
    /// collection's table lock (or before the node is published). Unused otherwise.
    slab_state: Cell<u8>,
    slab_tag: Cell<u32>,
    /// List links, read and written only under the object's list lock, except by the dying
    /// thread after it unlinked a node it holds a handle on (or, for a slab node, was lent the
    /// entry's handle), and then by the collection that takes the node's removal.
    prev: Cell<*mut Node<F>>,
    next: Cell<*mut Node<F>>,
}

impl<F: Flavor> Node<F> {
    fn new(handles: usize, flags: u8, kind: Kind, slab_shift: u8) -> Self {
        Self {
            handles: F::Count::new(handles),
            flags: F::Flags::new(flags),
            kind,
            slab_shift,
            slab_state: Cell::new(0),
            slab_tag: Cell::new(0),
            prev: Cell::new(ptr::null_mut()),
            next: Cell::new(ptr::null_mut()),
        }
    }

    /// The header of the chunk of a slab node.
    ///
    /// # Safety
    ///
    /// `node` is a slab node (`slab_shift != 0`), alive, with its chunk's provenance.
    #[inline]
    unsafe fn slab_header<'a>(node: NonNull<Self>, shift: u8) -> &'a SlabHeader<F> {
        let mask = (1usize << shift) - 1;
        // SAFETY: the chunk is aligned to `1 << shift` and starts with its header; the node
        // pointer carries the chunk's provenance, and the chunk outlives its nodes.
        unsafe {
            &*node
                .as_ptr()
                .map_addr(|addr| addr & !mask)
                .cast::<SlabHeader<F>>()
        }
    }

    /// What the node's type contributes: from its tail, or from its chunk's header.
    ///
    /// # Safety
    ///
    /// `node` is alive, with its allocation's (or chunk's) provenance.
    #[inline]
    unsafe fn vtable(node: NonNull<Self>) -> &'static NodeVTable<F> {
        // SAFETY: the node is alive; `slab_shift` is never written while it is.
        let shift = unsafe { node.as_ref() }.slab_shift;
        if shift != 0 {
            // SAFETY: forwarded from our caller.
            unsafe { Self::slab_header(node, shift) }.vtable
        } else {
            // SAFETY: a node of its own is followed by its tail (see `NodeAlloc::allocate`).
            unsafe { (*node.add(1).cast::<Tail<F>>().as_ptr()).vtable }
        }
    }

    /// The word caching the node's hash: in its tail, or, for a slab node, in an array its
    /// chunk makes at the first hash of one of its nodes.
    ///
    /// # Safety
    ///
    /// `node` is alive for `'a`, with its allocation's (or chunk's) provenance.
    #[inline]
    unsafe fn hash_word<'a>(node: NonNull<Self>) -> &'a F::Word {
        // SAFETY: the node is alive; `slab_shift` is never written while it is.
        let shift = unsafe { node.as_ref() }.slab_shift;
        if shift == 0 {
            // SAFETY: a node of its own is followed by its tail, alive as long as the node.
            return unsafe { &(*node.add(1).cast::<Tail<F>>().as_ptr()).hash };
        }
        // SAFETY: forwarded from our caller.
        let header = unsafe { Self::slab_header(node, shift) };
        let index = (node.as_ptr().addr() - header.first_node.addr()) / header.node_size as usize;
        let mut words = header.hashes.lock().cast::<F::Word>();
        if words.is_null() {
            let array: Box<[F::Word]> = (0..header.capacity).map(|_| F::Word::new(0)).collect();
            words = Box::into_raw(array).cast::<F::Word>();
        }
        header.hashes.unlock(words.cast());
        // SAFETY: the array has `capacity` words, one per node of the chunk, and lives as long
        // as the chunk (`SlabHeader::free_hashes`).
        unsafe { &*words.add(index) }
    }
}

/// The header of a chunk of a weak collection's slab: what its nodes share, found from a
/// node's address (the chunk is aligned to its size, `1 << slab_shift`).
///
/// The collection (`collections/table.rs`) makes and frees chunks; the death protocol and the
/// handles find a slab node's vtable and hash cache here.
#[repr(C)]
pub(crate) struct SlabHeader<F: Flavor> {
    /// The collection's `call` (a death takes the entry's removal) and `release` (the node's
    /// last handle is gone).
    pub(crate) vtable: &'static NodeVTable<F>,
    /// The collection's shared state, for the vtable's functions.
    pub(crate) table: NonNull<()>,
    /// The chunk's first node, with the chunk's provenance.
    pub(crate) first_node: *mut Node<F>,
    /// The bytes from one node to the next.
    pub(crate) node_size: u32,
    /// How many nodes the chunk holds.
    pub(crate) capacity: u32,
    /// The nodes' cached hashes, `capacity` words made at the first hash (or null); the
    /// slot's lock guards making it.
    hashes: F::Slot,
    /// The collection's number of the chunk's first node (its own business).
    pub(crate) first_slot: u32,
}

impl<F: Flavor> SlabHeader<F> {
    pub(crate) fn new(
        vtable: &'static NodeVTable<F>,
        table: NonNull<()>,
        first_node: *mut Node<F>,
        node_size: u32,
        capacity: u32,
        first_slot: u32,
    ) -> Self {
        Self {
            vtable,
            table,
            first_node,
            node_size,
            capacity,
            hashes: F::Slot::new(),
            first_slot,
        }
    }

    /// Frees the hash cache, when the chunk itself is freed.
    ///
    /// # Safety
    ///
    /// No node of the chunk is alive.
    pub(crate) unsafe fn free_hashes(&self) {
        let words = self.hashes.lock().cast::<F::Word>();
        self.hashes.unlock(ptr::null_mut());
        if !words.is_null() {
            let array = ptr::slice_from_raw_parts_mut(words, self.capacity as usize);
            // SAFETY: made by `Box::into_raw` of a boxed slice of `capacity` words in
            // `hash_word`; nothing can reach it any more.
            drop(unsafe { Box::from_raw(array) });
        }
    }
}

/// What follows the node in an allocation of its own: what a slab node finds in its chunk's
/// header instead.
#[repr(C)]
struct Tail<F: Flavor> {
    vtable: &'static NodeVTable<F>,
    /// The cached hash, valid once `HASHED` is set.
    hash: F::Word,
}

/// The start of every node allocation, and of every slab node: the object as the node's maker
/// saw it, then the node.
///
/// Node pointers point to `node`, in the middle of the allocation. Code that knows the view
/// `T` finds the object pointer just before it, whatever follows; it shares the node's first
/// cache line with the handle count, which iteration touches too.
#[repr(C)]
pub(crate) struct NodeHead<T: ?Sized, F: Flavor> {
    /// The object; the node holds one of its weak counts, so the header outlives the node.
    obj: NonNull<ObjInner<T, F>>,
    node: Node<F>,
}

impl<T: ?Sized, F: Flavor> NodeHead<T, F> {
    /// The head of the allocation whose `node` field is at `node`.
    ///
    /// # Safety
    ///
    /// `node` points to the `node` field of a live allocation made through the view `T` (a
    /// `NodeAlloc<T, F, _>`, or a slab node whose collection watches `T`), with the
    /// allocation's provenance.
    #[inline]
    pub(crate) unsafe fn of(node: NonNull<Node<F>>) -> NonNull<Self> {
        // SAFETY: `node` is `offset_of!(Self, node)` bytes into the allocation, which starts
        // with a `NodeHead<T, F>` (`repr(C)`, whatever the callback after it).
        unsafe { node.byte_sub(core::mem::offset_of!(Self, node)).cast() }
    }

    /// The node of the allocation that starts at `head`, with the allocation's provenance.
    #[inline]
    pub(crate) fn node(head: NonNull<Self>) -> NonNull<Node<F>> {
        // SAFETY: projecting to a field of an allocation we point to creates no reference.
        unsafe { NonNull::new_unchecked(ptr::addr_of_mut!((*head.as_ptr()).node)) }
    }

    /// The object pointer stored before `node`.
    ///
    /// # Safety
    ///
    /// As for [`of`](Self::of), and the node is linked or has handles (its object pointer
    /// was written and is not written again while it is).
    #[inline]
    pub(crate) unsafe fn obj_of(node: NonNull<Node<F>>) -> NonNull<ObjInner<T, F>> {
        // SAFETY: forwarded from our caller; `obj` is only written before the node is published.
        unsafe { (*Self::of(node).as_ptr()).obj }
    }
}

/// A node allocation: the head, the tail, then the callback stored inline.
#[repr(C)]
struct NodeAlloc<T: ?Sized, F: Flavor, C> {
    head: NodeHead<T, F>,
    tail: Tail<F>,
    callback: UnsafeCell<ManuallyDrop<C>>,
}

/// A callback stored in a node.
pub(crate) trait Callback<T: ?Sized, F: Flavor>: 'static {
    fn run(self, weak: &RawWeak<T, F>);
}

impl<T: ?Sized, F: Flavor, C: FnOnce(&RawWeak<T, F>) + 'static> Callback<T, F> for C {
    fn run(self, weak: &RawWeak<T, F>) {
        self(weak)
    }
}

/// The "callback" of callback-less nodes.
struct NoCallback;

impl<T: ?Sized, F: Flavor> Callback<T, F> for NoCallback {
    fn run(self, _: &RawWeak<T, F>) {}
}

impl<T: ?Sized, F: Flavor, C: Callback<T, F>> NodeAlloc<T, F, C> {
    const VTABLE: NodeVTable<F> = NodeVTable {
        call: Self::call,
        release: Self::release,
    };

    /// Allocates a node with one handle and takes a weak count on `obj` for it.
    fn allocate(obj: &RawObj<T, F>, kind: Kind, callback: C, flags: u8) -> NonNull<Node<F>> {
        debug_assert_eq!(
            core::mem::offset_of!(Self, tail),
            core::mem::offset_of!(NodeHead<T, F>, node) + size_of::<Node<F>>(),
            "the tail follows the node directly, whatever the view and the callback"
        );
        obj.header().weak.increment();
        let alloc = Box::new(NodeAlloc {
            head: NodeHead {
                obj: obj.inner(),
                node: Node::new(1, flags, kind, 0),
            },
            tail: Tail {
                vtable: &Self::VTABLE,
                hash: F::Word::new(0),
            },
            callback: UnsafeCell::new(ManuallyDrop::new(callback)),
        });
        NodeHead::<T, F>::node(NonNull::from(Box::leak(alloc)).cast())
    }

    /// # Safety
    ///
    /// `node` is a `NodeAlloc<T, F, C>` whose `CALLBACK` flag the caller cleared (so it owns
    /// the callback), and the caller holds a handle on it for the whole call.
    unsafe fn call(node: NonNull<Node<F>>) {
        // SAFETY: the node is the `node` field of a `NodeAlloc<T, F, C>`, whose head comes first.
        let alloc = unsafe { NodeHead::<T, F>::of(node) }
            .cast::<Self>()
            .as_ptr();
        // SAFETY: the caller cleared `CALLBACK`, so the callback is still initialized and no
        // one else will take or drop it; the caller's handle keeps the allocation alive.
        let (callback, obj) = unsafe {
            (
                ManuallyDrop::take(&mut *(*alloc).callback.get()),
                (*alloc).head.obj,
            )
        };
        // A view of the caller's handle, typed as the node's maker saw the object: it neither
        // adds nor releases a handle count.
        let weak = ManuallyDrop::new(RawWeak {
            node,
            obj,
            _owns: PhantomData,
        });
        callback.run(&weak);
    }

    /// # Safety
    ///
    /// `node` is an unlinked `NodeAlloc<T, F, C>` without handles: nobody can reach it.
    unsafe fn release(node: NonNull<Node<F>>) {
        // SAFETY: the node is the `node` field of a `NodeAlloc<T, F, C>`, whose head comes first.
        let alloc = unsafe { NodeHead::<T, F>::of(node) }
            .cast::<Self>()
            .as_ptr();
        // SAFETY: nobody else can reach the node, so we may read and then free it. The flags
        // are ours alone now: a plain (Acquire) load sees the last change, made by whoever
        // held a handle before us.
        let (callback, obj) = unsafe {
            let pending = (*alloc).head.node.flags.load() & CALLBACK != 0;
            let callback = pending.then(|| ManuallyDrop::take(&mut *(*alloc).callback.get()));
            (callback, (*alloc).head.obj)
        };
        // SAFETY: the node came from `Box::new` in `allocate`; its callback was taken above or
        // earlier, and `ManuallyDrop` keeps the box from dropping it again.
        drop(unsafe { Box::from_raw(alloc) });
        // SAFETY: the node held one weak count on its object; it is gone now.
        unsafe { ObjInner::release_weak(obj) };
        // User code (the captures' destructors) runs last, with nothing of ours held.
        drop(callback);
    }
}

/// A counted handle to a weak-reference node, with the object it watches.
///
/// The object pointer is this handle's own view of the object: handles of one node may see it
/// as different types (`T` and a `dyn Trait` it implements). It is `!Send` and `!Sync`
/// (through `NonNull`); the public types declare when they may cross threads.
pub(crate) struct RawWeak<T: ?Sized, F: Flavor> {
    node: NonNull<Node<F>>,
    obj: NonNull<ObjInner<T, F>>,
    _owns: PhantomData<Node<F>>,
}

impl<T: ?Sized, F: Flavor> RawWeak<T, F> {
    #[inline]
    fn node(&self) -> &Node<F> {
        // SAFETY: our handle keeps the node alive.
        unsafe { self.node.as_ref() }
    }

    #[inline]
    fn header(&self) -> &Header<F> {
        // SAFETY: the node holds a weak count on its object.
        unsafe { ObjInner::header(self.obj) }
    }

    /// The object's shared callback-less node of `kind` (`SharedRef` or `SharedProxy`), made
    /// if it has none with handles.
    pub(crate) fn shared(obj: &RawObj<T, F>, kind: Kind) -> Self {
        debug_assert!(kind.is_shared());
        let slot = &obj.header().slot;
        let head = slot.lock().cast::<Node<F>>();
        // The shared nodes lead the list; a node whose last handle is being dropped (its
        // count is zero, its `drop` waits for the lock) is skipped and will be unlinked.
        let mut cursor = head;
        while let Some(existing) = NonNull::new(cursor) {
            // SAFETY: we hold the list lock, so every linked node is alive.
            let node = unsafe { existing.as_ref() };
            if !node.kind.is_shared() {
                break;
            }
            if node.kind == kind && node.handles.increment_if_nonzero() {
                slot.unlock(head.cast());
                return Self::adopt(existing, obj.inner());
            }
            cursor = node.next.get();
        }
        let node = NodeAlloc::allocate(obj, kind, NoCallback, LINKED);
        // SAFETY: we hold the list lock and `node` is new.
        let head = unsafe { insert(head, node) };
        slot.unlock(head.cast());
        Self::adopt(node, obj.inner())
    }

    /// A new, unshared node of `kind` (`CallbackRef` or `CallbackProxy`) whose callback runs
    /// when the object dies.
    ///
    /// The public constructors add the bounds the flavor needs (`Send` for the thread-safe
    /// flavor).
    pub(crate) fn with_callback<C: Callback<T, F>>(
        obj: &RawObj<T, F>,
        kind: Kind,
        callback: C,
    ) -> Self {
        debug_assert!(!kind.is_shared());
        let node = NodeAlloc::allocate(obj, kind, callback, LINKED | CALLBACK);
        let slot = &obj.header().slot;
        let head = slot.lock().cast::<Node<F>>();
        // SAFETY: we hold the list lock and `node` is new.
        let head = unsafe { insert(head, node) };
        slot.unlock(head.cast());
        Self::adopt(node, obj.inner())
    }

    /// Takes over a handle count already added for this handle.
    #[inline]
    fn adopt(node: NonNull<Node<F>>, obj: NonNull<ObjInner<T, F>>) -> Self {
        Self {
            node,
            obj,
            _owns: PhantomData,
        }
    }

    /// Splits the handle into its node and object pointers, keeping its handle count.
    #[inline]
    pub(crate) fn into_parts(self) -> (NonNull<Node<F>>, NonNull<ObjInner<T, F>>) {
        let this = ManuallyDrop::new(self);
        (this.node, this.obj)
    }

    /// Rebuilds a handle from [`into_parts`](Self::into_parts), with a view of the object
    /// that may differ from the original's by an unsizing coercion.
    ///
    /// # Safety
    ///
    /// `node` and `obj` come from one `into_parts`, `obj` possibly unsized since, and are
    /// given back once.
    #[inline]
    pub(crate) unsafe fn from_parts(node: NonNull<Node<F>>, obj: NonNull<ObjInner<T, F>>) -> Self {
        Self::adopt(node, obj)
    }

    #[inline]
    pub(crate) fn upgrade(&self) -> Option<RawObj<T, F>> {
        if self.header().strong.increment_if_nonzero() {
            // SAFETY: we just added a strong count for the new handle.
            Some(unsafe { RawObj::adopt(self.obj) })
        } else {
            None
        }
    }

    #[inline]
    pub(crate) fn is_alive(&self) -> bool {
        self.header().strong.get() != 0
    }

    /// The number of strong handles to the object (zero once it died).
    pub(crate) fn strong_count(&self) -> usize {
        self.header().strong.get()
    }

    /// Whether both are handles to the same weak-reference object.
    #[inline]
    pub(crate) fn ptr_eq(&self, other: &Self) -> bool {
        self.node == other.node
    }

    /// Whether the callback will still run: the object is alive and the callback is stored.
    pub(crate) fn callback_pending(&self) -> bool {
        self.is_alive() && self.node().flags.load() & CALLBACK != 0
    }

    pub(crate) fn kind(&self) -> Kind {
        self.node().kind
    }

    /// The address of the weak-reference object (the node), for display.
    pub(crate) fn node_ptr(&self) -> *const () {
        self.node.as_ptr().cast()
    }

    /// The cached hash, computing and caching it with `compute` from the referent if it is
    /// alive. `None` when the referent died before anyone hashed this reference.
    pub(crate) fn try_hash(&self, compute: impl FnOnce(&T) -> u64) -> Option<u64> {
        if let Some(hash) = self.cached_hash() {
            return Some(hash);
        }
        let Some(referent) = self.upgrade() else {
            // Another thread may have hashed the reference and then let the referent die
            // since our first look: its hash stands.
            return self.cached_hash();
        };
        // Published while the temporary handle still holds the referent: if dropping it is
        // the referent's death, the callbacks that then run (and any other thread) already
        // see the hash, never "dead and never hashed".
        let hash = self.publish_hash(compute(referent.value()));
        drop(referent);
        Some(hash)
    }

    /// Like [`try_hash`](Self::try_hash), but a dead, never-hashed reference hashes its own
    /// identity: it equals only itself, so that is consistent with `Eq`. The identity is not
    /// cached (it never changes), so `try_hash` keeps reporting `None` for such a reference.
    pub(crate) fn hash_value(&self, compute: impl FnOnce(&T) -> u64) -> u64 {
        self.try_hash(compute)
            .unwrap_or_else(|| self.node_ptr().addr() as u64)
    }

    fn cached_hash(&self) -> Option<u64> {
        let node = self.node();
        let mut spins = 0;
        loop {
            // Acquire (in `load`) pairs with the Release of `HASHED` in `publish_hash`.
            let flags = node.flags.load();
            if flags & HASHED != 0 {
                // SAFETY: our handle keeps the node alive.
                return Some(unsafe { Node::hash_word(self.node) }.load());
            }
            if flags & HASHING == 0 {
                return None;
            }
            // Another thread is storing the hash right now.
            crate::loom::backoff(&mut spins);
        }
    }

    /// Caches `hash` unless another thread got there first; returns the cached value.
    fn publish_hash(&self, hash: u64) -> u64 {
        let node = self.node();
        if node.flags.insert(HASHING) & (HASHING | HASHED) == 0 {
            // SAFETY: our handle keeps the node alive.
            unsafe { Node::hash_word(self.node) }.store(hash);
            node.flags.insert(HASHED);
            return hash;
        }
        // Someone else claimed it first; wait for their value so every caller agrees.
        self.cached_hash()
            .expect("the hash is set once claimed and never cleared")
    }
}

impl<T: ?Sized, F: Flavor> Clone for RawWeak<T, F> {
    fn clone(&self) -> Self {
        self.node().handles.increment();
        Self::adopt(self.node, self.obj)
    }
}

impl<T: ?Sized, F: Flavor> Drop for RawWeak<T, F> {
    #[inline]
    fn drop(&mut self) {
        if self.node().handles.decrement() {
            // SAFETY: that was the node's last handle; the node holds a weak count on the
            // object, so the header is alive.
            unsafe { drop_last_handle(self.node, ObjInner::header(self.obj)) };
        }
    }
}

/// What the drop of a node's last handle does: unlinks the node if its object is alive, then
/// frees it.
///
/// # Safety
///
/// The caller just removed the node's last handle, and `header` is its object's.
unsafe fn drop_last_handle<F: Flavor>(node_ptr: NonNull<Node<F>>, header: &Header<F>) {
    // SAFETY: the node is alive until `release_node` below.
    unsafe { unlink_if_linked(node_ptr.as_ref(), header) };
    // SAFETY: the handle count is zero (so it stays zero: nobody can take a new handle) and
    // the node is unlinked, so nobody else can reach it.
    unsafe { release_node(node_ptr) };
}

/// Unlinks a node whose last handle is gone from its object's list, unless the object's
/// death did already.
///
/// # Safety
///
/// The node's handle count is zero, and `header` is its object's.
unsafe fn unlink_if_linked<F: Flavor>(node: &Node<F>, header: &Header<F>) {
    // Acquire (in `load`) pairs with the Release that cleared `LINKED` when the object died:
    // if it is clear, the dying thread is done with this node's links.
    if node.flags.load() & LINKED != 0 {
        let slot = &header.slot;
        let mut head = slot.lock().cast::<Node<F>>();
        // Re-check under the lock: the object may have died while we waited for it.
        if node.flags.load() & LINKED != 0 {
            // SAFETY: we hold the list lock and the node is linked.
            head = unsafe { unlink(head, node) };
            node.flags.remove(LINKED);
        }
        slot.unlock(head.cast());
    }
}

// Nodes in a weak collection's slab: the collection (`collections/table.rs`) owns their memory
// and their `slab_state` and `slab_tag`; these functions are the list's side of them.

impl<F: Flavor> Node<F> {
    /// The collection's state of a slab node (read under its table lock).
    #[inline]
    pub(crate) fn slab_state(&self) -> u8 {
        self.slab_state.get()
    }

    /// Sets the collection's state of a slab node (under its table lock).
    #[inline]
    pub(crate) fn set_slab_state(&self, state: u8) {
        self.slab_state.set(state);
    }

    /// The collection's tag of a slab node (read under its table lock).
    #[inline]
    pub(crate) fn slab_tag(&self) -> u32 {
        self.slab_tag.get()
    }

    /// Sets the collection's tag of a slab node (under its table lock).
    #[inline]
    pub(crate) fn set_slab_tag(&self, tag: u32) {
        self.slab_tag.set(tag);
    }

    /// Whether the node has no handles left: a slab node its last handle released (it stays
    /// so), as opposed to one whose entry's handle a death lent to its removal.
    #[inline]
    pub(crate) fn released(&self) -> bool {
        self.handles.get() == 0
    }

    /// The link through which a collection queues the slab node for its table lock's holder.
    #[inline]
    pub(crate) fn queue_link(&self) -> &Cell<*mut Node<F>> {
        &self.next
    }
}

/// Makes the free slab node at `node` a weak reference to `obj` whose callback (the removal of
/// its collection entry) is pending (`CALLBACK` and `ENTRY`), with one handle (the entry's), and
/// links it; takes a weak count on `obj` for it.
///
/// # Safety
///
/// `node` is the `node` field of a free slab node (nobody reaches it) laid out as a
/// [`NodeHead<T, F>`], in a chunk of size `1 << shift` whose header's vtable handles it, with
/// the chunk's provenance; the caller holds its collection's table lock.
pub(crate) unsafe fn slab_link<T: ?Sized, F: Flavor>(
    node: NonNull<Node<F>>,
    obj: &RawObj<T, F>,
    shift: u8,
    state: u8,
    tag: u32,
) {
    obj.header().weak.increment();
    // SAFETY: the caller's node is laid out as a `NodeHead<T, F>`, which we may write.
    unsafe {
        ptr::addr_of_mut!((*NodeHead::<T, F>::of(node).as_ptr()).obj).write(obj.inner());
    }
    let linked = Node::new(1, LINKED | CALLBACK | ENTRY, Kind::CallbackRef, shift);
    linked.slab_state.set(state);
    linked.slab_tag.set(tag);
    // SAFETY: the node is free: nobody reads it until it is linked below.
    unsafe { node.write(linked) };
    let slot = &obj.header().slot;
    let head = slot.lock().cast::<Node<F>>();
    // SAFETY: we hold the list lock and `node` is new.
    let head = unsafe { insert(head, node) };
    slot.unlock(head.cast());
}

/// Takes the removal of a slab node's entry from its object's death: `true` if it was still
/// pending, and the caller (its collection, removing the entry) now owns the entry's handle;
/// `false` if a death took it ([`clear`]), and the death's `call` will release that handle.
/// The node's callback stays pending (for its outside handles: `callback_pending`), and does
/// nothing when the object dies.
#[inline]
pub(crate) fn slab_disown<F: Flavor>(node: &Node<F>) -> bool {
    // AcqRel (in `remove`): one read-modify-write decides, against `clear`'s, who owns the
    // removal.
    node.flags.remove(ENTRY) & ENTRY != 0
}

/// Releases a handle the caller holds on a slab node (its entry's, or one it took). If that was
/// the last, unlinks the node and returns `true`: the caller then owns the node, its slot and
/// its weak count on its object.
///
/// # Safety
///
/// The caller holds that handle, and `header` is the node's object's.
#[inline]
pub(crate) unsafe fn slab_release_handle<F: Flavor>(
    node: NonNull<Node<F>>,
    header: &Header<F>,
) -> bool {
    // SAFETY: our handle keeps the node alive until the decrement.
    let node = unsafe { node.as_ref() };
    if node.handles.decrement() {
        // SAFETY: that was the last handle; the header is the node's object's.
        unsafe { unlink_if_linked(node, header) };
        true
    } else {
        false
    }
}

/// [`slab_release_handle`] for a node its object's death unlinked, whose entry's handle it lent
/// to the caller: when that handle is the only one, nothing else can reach the node (it is in
/// no list, and no handle is left to clone), so it is the caller's without a read-modify-write.
///
/// # Safety
///
/// As for [`slab_release_handle`], and the node was unlinked by [`clear`], which lent the
/// caller the entry's handle.
#[inline]
pub(crate) unsafe fn slab_release_lent_handle<F: Flavor>(
    node: NonNull<Node<F>>,
    header: &Header<F>,
) -> bool {
    // SAFETY: our handle keeps the node alive.
    let node_ref = unsafe { node.as_ref() };
    debug_assert_eq!(
        node_ref.flags.load() & LINKED,
        0,
        "a death's node is unlinked"
    );
    // Acquire (in `is_unique`) pairs with the Release decrements of the handles dropped before:
    // what they did is visible to us, the node's owner from now on.
    if node_ref.handles.is_unique() {
        return true;
    }
    // SAFETY: forwarded from our caller.
    unsafe { slab_release_handle(node, header) }
}

/// A new handle on a slab node the caller keeps alive (its entry's handle is held).
///
/// # Safety
///
/// The node is alive and will be while the caller makes the handle; `obj` is its object, seen
/// as its collection sees it.
#[inline]
pub(crate) unsafe fn slab_handle<T: ?Sized, F: Flavor>(
    node: NonNull<Node<F>>,
    obj: NonNull<ObjInner<T, F>>,
) -> RawWeak<T, F> {
    // SAFETY: the caller keeps the node alive.
    unsafe { node.as_ref() }.handles.increment();
    RawWeak::adopt(node, obj)
}

/// Frees a node through its vtable.
///
/// # Safety
///
/// The node has no handles and is unlinked: nobody else can reach it.
unsafe fn release_node<F: Flavor>(node: NonNull<Node<F>>) {
    // SAFETY: the node is alive until `release` frees it.
    let release = unsafe { Node::vtable(node) }.release;
    // SAFETY: forwarded from our caller.
    unsafe { release(node) };
}

impl<T: ?Sized, F: Flavor> fmt::Debug for RawWeak<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.kind().python_name();
        let node = self.node_ptr();
        if self.is_alive() {
            let referent = ObjInner::value_ptr(self.obj).cast::<()>();
            let type_name = core::any::type_name::<T>();
            write!(f, "<{name} at {node:p}; to '{type_name}' at {referent:p}>")
        } else {
            write!(f, "<{name} at {node:p}; dead>")
        }
    }
}

/// Inserts `node` where its kind belongs and returns the new head: a shared reference first,
/// a shared proxy right after the leading shared references, any other node right after all
/// the leading shared nodes (so the rest of the list runs newest first).
///
/// # Safety
///
/// The caller holds the list lock, `head` is the current head, `node` is new and unlinked.
unsafe fn insert<F: Flavor>(head: *mut Node<F>, node: NonNull<Node<F>>) -> *mut Node<F> {
    // SAFETY: the node is new; only we can see it.
    let new = unsafe { node.as_ref() };
    let mut prev: *mut Node<F> = ptr::null_mut();
    let mut cursor = head;
    // SAFETY: under the list lock every linked node is alive.
    while let Some(linked) = unsafe { cursor.as_ref() } {
        if !new.kind.goes_after(linked.kind) {
            break;
        }
        prev = cursor;
        cursor = linked.next.get();
    }
    // SAFETY: `prev` is null or a linked node, alive under the lock.
    let next = match unsafe { prev.as_ref() } {
        Some(prev_node) => prev_node.next.replace(node.as_ptr()),
        None => head,
    };
    new.prev.set(prev);
    new.next.set(next);
    // SAFETY: `next` is null or a linked node, alive under the lock.
    if let Some(next_node) = unsafe { next.as_ref() } {
        next_node.prev.set(node.as_ptr());
    }
    if prev.is_null() { node.as_ptr() } else { head }
}

/// Unlinks `node` and returns the new head.
///
/// # Safety
///
/// The caller holds the list lock, `head` is the current head and `node` is linked.
unsafe fn unlink<F: Flavor>(head: *mut Node<F>, node: &Node<F>) -> *mut Node<F> {
    let (prev, next) = (node.prev.get(), node.next.get());
    // SAFETY: the neighbours of a linked node are linked, and alive under the lock.
    unsafe {
        if let Some(next_node) = next.as_ref() {
            next_node.prev.set(prev);
        }
        match prev.as_ref() {
            Some(prev_node) => {
                prev_node.next.set(next);
                head
            }
            None => next,
        }
    }
}

/// Calls `visit` on every node of `obj`'s list, under its lock, in list order.
///
/// `visit` gets the node's allocation pointer (not one derived from a reference to the
/// node), so it may make a handle from it.
fn for_each_linked<T: ?Sized, F: Flavor>(
    obj: &RawObj<T, F>,
    mut visit: impl FnMut(NonNull<Node<F>>, &Node<F>),
) {
    let slot = &obj.header().slot;
    let head = slot.lock().cast::<Node<F>>();
    let mut cursor = head;
    while let Some(ptr) = NonNull::new(cursor) {
        // SAFETY: under the list lock every linked node is alive.
        let node = unsafe { ptr.as_ref() };
        visit(ptr, node);
        cursor = node.next.get();
    }
    slot.unlock(head.cast());
}

/// The number of weak-reference objects of `obj` that still have handles.
pub(crate) fn weakref_count<T: ?Sized, F: Flavor>(obj: &RawObj<T, F>) -> usize {
    let mut count = 0;
    for_each_linked(obj, |_, node| count += usize::from(node.handles.get() != 0));
    count
}

/// New handles to every weak-reference object of `obj` that still has handles, in list order,
/// each seeing the object as `obj` does.
pub(crate) fn weakrefs<T: ?Sized, F: Flavor>(obj: &RawObj<T, F>) -> Vec<RawWeak<T, F>> {
    let mut found = Vec::new();
    for_each_linked(obj, |ptr, node| {
        if node.handles.increment_if_nonzero() {
            found.push(RawWeak::adopt(ptr, obj.inner()));
        }
    });
    found
}

/// Empties the list of a dead object and returns its pending callbacks, oldest link first
/// (that is, in list order: newest registration first), as a chain through `next`, each with
/// one handle taken for it.
///
/// # Safety
///
/// The object's strong count is zero and the caller holds a weak count on it.
pub(super) unsafe fn clear<F: Flavor>(header: &Header<F>) -> *mut Node<F> {
    let slot = &header.slot;
    if slot.is_empty() {
        // No weak reference was ever linked, or all are gone; with no strong handle left,
        // none can be added.
        return ptr::null_mut();
    }
    let mut cursor = slot.lock().cast::<Node<F>>();
    let (mut first, mut last): (*mut Node<F>, *mut Node<F>) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: under the list lock every linked node is alive.
    while let Some(node) = unsafe { cursor.as_ref() } {
        let next = node.next.get();
        // The callback set is fixed here. The Release in `remove` pairs with the Acquire in
        // `RawWeak::drop` (for `LINKED`) and in `slab_disown` (for a slab node's `ENTRY`);
        // after it, a node we did not take may be freed at any moment by its last handle, so
        // that is the last time we touch it.
        let pending = if node.slab_shift != 0 {
            // A collection's entry: its collection may take the removal (clear `ENTRY`) at any
            // moment, under its own lock; whoever clears the flag first has it. If we do, the
            // entry's handle keeps the node alive and is lent to the removal. (If the
            // collection did, the callback has nothing left to do.)
            node.flags.remove(LINKED | CALLBACK | ENTRY) & ENTRY != 0
        } else if node.flags.load() & CALLBACK != 0 && node.handles.increment_if_nonzero() {
            // A handle is taken now, so the callback runs even if user code drops the rest
            // meanwhile; a node whose handles are all gone (its last `drop` is waiting for
            // this lock) gets no callback. Only a death clears this `CALLBACK` while the node
            // has handles, so clearing it now (it is ours to run) races with nobody.
            node.flags.remove(LINKED | CALLBACK);
            true
        } else {
            node.flags.remove(LINKED);
            false
        };
        if pending {
            // The node is ours (a handle taken, or lent): the chain link is ours to write.
            node.next.set(ptr::null_mut());
            // SAFETY: `last` is null or a node we hold, as above.
            match unsafe { last.as_ref() } {
                Some(last_node) => last_node.next.set(cursor),
                None => first = cursor,
            }
            last = cursor;
        }
        cursor = next;
    }
    slot.unlock(ptr::null_mut());
    first
}

/// A handle to a node of a dead object, whatever the type its maker saw: what the death
/// protocol holds while a callback runs.
struct DeadHandle<F: Flavor>(NonNull<Node<F>>);

/// A node of a dead object, for the unraisable hook's report of a failed removal from a
/// collection (the removal consumed the entry's handle, so this holds none).
struct DeadNode<F: Flavor>(NonNull<Node<F>>);

impl<F: Flavor> fmt::Debug for DeadNode<F> {
    /// `<weakref at 0x…; dead>`, as `RawWeak`'s `Debug` shows a dead reference.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<weakref at {:p}; dead>", self.0)
    }
}

impl<F: Flavor> Drop for DeadHandle<F> {
    fn drop(&mut self) {
        // SAFETY: our handle keeps the node alive until the decrement.
        let node = unsafe { self.0.as_ref() };
        if node.handles.decrement() {
            debug_assert_eq!(
                node.flags.load() & LINKED,
                0,
                "a dead object's nodes are unlinked"
            );
            // SAFETY: the handle count is zero and the node was unlinked when its object died.
            unsafe { release_node(self.0) };
        }
    }
}

impl<F: Flavor> fmt::Debug for DeadHandle<F> {
    /// `<weakref at 0x…; dead>`, as `RawWeak`'s `Debug` shows a dead reference.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: our handle keeps the node alive.
        let name = unsafe { self.0.as_ref() }.kind.python_name();
        write!(f, "<{name} at {:p}; dead>", self.0)
    }
}

/// Runs the callbacks of a chain from [`clear`], each once, catching and reporting panics,
/// and releases the handles `clear` took.
///
/// # Safety
///
/// `chain` came from [`clear`] and is run once.
pub(super) unsafe fn run_callbacks<F: Flavor>(chain: *mut Node<F>) {
    let mut cursor = chain;
    while let Some(node) = NonNull::new(cursor) {
        // SAFETY: the node is held (a handle taken by `clear`, or its entry's handle lent);
        // the chain link is ours alone, read before the callback runs.
        let (next, slab) = unsafe { (node.as_ref().next.get(), node.as_ref().slab_shift != 0) };
        cursor = next;
        // SAFETY: the node is alive (held, as above).
        let call = unsafe { Node::vtable(node) }.call;
        if slab {
            // The removal of a collection's entry: it consumes the entry's handle `clear` lent
            // it, and runs no user code but the destructors of what it removed.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                // SAFETY: `clear` cleared `ENTRY` and lent us the entry's handle, which the
                // call consumes, once.
                unsafe { call(node) }
            }));
            if let Err(payload) = outcome {
                crate::unraisable::report("weakref callback", &DeadNode(node), payload);
            }
            continue;
        }
        let handle = DeadHandle(node);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: `clear` cleared `CALLBACK` for us, so the callback is ours; `handle` is
            // a live handle to this node for the whole call.
            unsafe { call(handle.0) }
        }));
        if let Err(payload) = outcome {
            crate::unraisable::report("weakref callback", &handle, payload);
        }
        drop(handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::Unsync;

    /// The kinds of `obj`'s list, in order, checking the back links on the way.
    fn kinds<F: Flavor>(obj: &RawObj<u8, F>) -> Vec<Kind> {
        let mut kinds = Vec::new();
        let mut expected_prev: *mut Node<F> = ptr::null_mut();
        for_each_linked(obj, |ptr, node| {
            assert_eq!(
                node.prev.get(),
                expected_prev,
                "back link of node {}",
                kinds.len()
            );
            assert!(node.flags.load() & LINKED != 0);
            expected_prev = ptr.as_ptr();
            kinds.push(node.kind);
        });
        kinds
    }

    fn callback_node<F: Flavor>(obj: &RawObj<u8, F>, kind: Kind) -> RawWeak<u8, F> {
        RawWeak::with_callback(obj, kind, |_: &RawWeak<u8, F>| {})
    }

    fn list_order<F: Flavor>() {
        use Kind::{CallbackRef as C, SharedRef as S};
        let obj = RawObj::<u8, F>::new(7);
        let c1 = callback_node(&obj, C);
        let s1 = RawWeak::shared(&obj, S);
        let c2 = callback_node(&obj, C);
        assert_eq!(kinds(&obj), [S, C, C]);
        let found = weakrefs(&obj);
        assert!(found[0].ptr_eq(&s1) && found[1].ptr_eq(&c2) && found[2].ptr_eq(&c1));
        drop(found);
        // Unlinking from the middle, the head and the tail keeps the links consistent.
        drop(c2);
        assert_eq!(kinds(&obj), [S, C]);
        drop(s1);
        assert_eq!(kinds(&obj), [C]);
        let s2 = RawWeak::shared(&obj, S);
        assert_eq!(kinds(&obj), [S, C]);
        drop(c1);
        assert_eq!(kinds(&obj), [S]);
        assert_eq!(weakref_count(&obj), 1);
        drop(obj);
        assert!(!s2.is_alive());
    }

    #[test]
    fn list_order_atomic() {
        list_order::<crate::flavor::Sync>();
    }

    #[test]
    fn list_order_local() {
        list_order::<Unsync>();
    }

    /// CPython's order with proxies: shared reference, shared proxy, then the rest newest
    /// first, whatever the order of creation; shared nodes are reused per kind.
    fn proxy_order<F: Flavor>() {
        use Kind::{CallbackProxy as CP, CallbackRef as C, SharedProxy as SP, SharedRef as S};
        let obj = RawObj::<u8, F>::new(7);
        let c1 = callback_node(&obj, C);
        let sp = RawWeak::shared(&obj, SP);
        assert_eq!(kinds(&obj), [SP, C]);
        let cp = callback_node(&obj, CP);
        assert_eq!(kinds(&obj), [SP, CP, C]);
        let s = RawWeak::shared(&obj, S);
        assert_eq!(kinds(&obj), [S, SP, CP, C]);
        let c2 = callback_node(&obj, C);
        assert_eq!(kinds(&obj), [S, SP, C, CP, C]);

        // Each shared kind is reused, never confused with the other.
        let sp_again = RawWeak::shared(&obj, SP);
        let s_again = RawWeak::shared(&obj, S);
        assert!(sp_again.ptr_eq(&sp) && s_again.ptr_eq(&s));
        assert!(!sp.ptr_eq(&s));
        assert_eq!(weakref_count(&obj), 5);
        let found = weakrefs(&obj);
        let expected = [&s, &sp, &c2, &cp, &c1];
        assert!(
            found
                .iter()
                .zip(expected)
                .all(|(got, want)| got.ptr_eq(want))
        );
        drop(found);

        // Without its shared reference, a new shared proxy still goes first; a new shared
        // reference goes before it again.
        drop((s, s_again, sp, sp_again));
        assert_eq!(kinds(&obj), [C, CP, C]);
        let sp = RawWeak::shared(&obj, SP);
        assert_eq!(kinds(&obj), [SP, C, CP, C]);
        let s = RawWeak::shared(&obj, S);
        assert_eq!(kinds(&obj), [S, SP, C, CP, C]);
        assert_eq!(format!("{sp:?}").split(' ').next(), Some("<weakproxy"));
        assert_eq!(format!("{cp:?}").split(' ').next(), Some("<weakproxy"));
        assert_eq!(format!("{s:?}").split(' ').next(), Some("<weakref"));
        drop(obj);
        assert!(format!("{cp:?}").ends_with("; dead>"));
        drop((c1, c2, cp, sp, s));
    }

    #[test]
    fn proxy_order_atomic() {
        proxy_order::<crate::flavor::Sync>();
    }

    #[test]
    fn proxy_order_local() {
        proxy_order::<Unsync>();
    }

    #[test]
    fn node_is_small() {
        // Count; flags, kind and the slab's byte, state and tag; two links. A node of its own
        // adds the object pointer, the vtable and the hash.
        assert_eq!(
            size_of::<Node<crate::flavor::Sync>>(),
            4 * size_of::<usize>()
        );
        assert_eq!(size_of::<Node<Unsync>>(), 4 * size_of::<usize>());
        let word = size_of::<usize>();
        assert_eq!(size_of::<NodeAlloc<u8, Unsync, NoCallback>>(), 7 * word);
        assert_eq!(
            size_of::<NodeAlloc<u8, crate::flavor::Sync, NoCallback>>(),
            7 * word
        );
        // A handle is the node and its view of the object.
        assert_eq!(size_of::<RawWeak<u8, Unsync>>(), 2 * word);
        assert_eq!(size_of::<Option<RawWeak<u8, Unsync>>>(), 2 * word);
    }
}
