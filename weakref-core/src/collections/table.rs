//! What every weak collection is made of: a slab of weak-reference nodes (each entry *is* the
//! weak reference watching its object), an index of slot numbers, and the lock word through
//! which deaths reach the table without ever waiting for it.
//!
//! # Layout
//!
//! An entry is a [`SlabNode`]: the object pointer and the list part of a weak-reference node
//! (handle count, flags, two links; see `raw/node.rs`), then the collection's own part (`X`:
//! the key of a `WeakValueDictionary`, the value of a `WeakKeyDictionary`, nothing for a
//! `WeakSet`). Nodes live in chunks of a fixed power-of-two size, aligned to it, each starting
//! with a [`SlabHeader`] that holds what all the collection's nodes share (the functions a death
//! or a last handle calls, a pointer back to the table, the lazily made cache of weak-reference
//! hashes), so a node finds it by masking its own address. Slots are numbered across chunks;
//! the index is a `hashbrown::HashTable<u32>` of slot numbers, hashed by the 32-bit key hash
//! each indexed node keeps in its `slab_tag`.
//!
//! # The states of a slot
//!
//! * `FREE`: no entry; on the free list, or beyond the high-water mark.
//! * `INDEXED`: an entry: in the index, linked to its object's list with a pending callback
//!   (its removal), holding one handle (the entry's). `slab_tag` is its key hash.
//! * `DETACHED`: out of the index, but still with handles: outside handles (a `KeyedRef`, a
//!   `getweakrefs` result, a checked-out entry's) or a death that is taking its removal. Holds
//!   one reference to the table, so that the table outlives it. `slab_tag` is the epoch at which
//!   it left the index.
//! * `LIMBO`: released (no handles, unlinked) while an iterator was open: its slot, its part and
//!   its weak count on its object are kept until the last iterator closes.
//!
//! Orthogonal bits: `MOVED` (the collection's part was moved out: handed to the caller that
//! removed the entry, or lent to a checkout) and `BUSY` (checked out: a `WeakKeyDictionary`
//! entry whose value is lent to an entry handle or a `get_with` closure; its value's readers and
//! writers wait).
//!
//! # Who removes an entry
//!
//! An indexed node's `ENTRY` flag says its removal is still pending. Clearing it (one
//! read-modify-write) takes the removal, and exactly one party does: the object's death (in
//! `node::clear`, under the object's list lock) or the collection removing the entry explicitly
//! (`slab_disown`, under the table lock). (The node's `CALLBACK` flag stays set for its outside
//! handles' `callback_pending` until the object dies, as a `KeyedRef`'s callback does in Python;
//! it does nothing then.) The winner owns the entry's handle and releases it;
//! whoever releases a node's last handle retires the node (or sends it to the table to be
//! retired). Nothing ever waits for the other party.
//!
//! # The lock word
//!
//! The table's state is guarded by one lock word ([`TableLock`](crate::flavor::TableLock)): a
//! lock bit and, while it is held, a stack of nodes. A death (the `call` of a slab node) and a
//! last handle (its `release`) must not wait for the table lock: the holder may be their own
//! thread (a key's `Eq` dropped the last handle of another key) or a thread running a key's
//! `Eq` that waits for something the dying thread holds. So they lock the table if it is free
//! and do their work, and otherwise push the node onto the word and return; every holder, when
//! it releases the lock, takes the pushed nodes and does their work before the word can become
//! unlocked (the release is a compare-exchange from "locked, nothing pushed" to "unlocked"; a
//! push makes it fail). Both are read-modify-writes of one atomic word, so they are totally
//! ordered: a push either precedes the holder's release (which then sees it) or follows it (and
//! then the pusher found the word unlocked, or locked by a later holder, which will see it).
//! No fence is needed, and no work is stranded. The pushes are intrusive (through the node's
//! list link, free once the node is unlinked), so a death allocates nothing.
//!
//! A node waiting on the word is kept alive by the handle that makes it a message: a death's
//! node by the entry's handle the death was lent, a released node by the table itself (its slot
//! is not free until the message is done).
//!
//! # Iteration
//!
//! An iterator registers itself (a count and an epoch) and walks the slots below the high-water
//! mark of its creation. It copies a batch of entries (their object pointers and a clone of
//! their part) under the lock and upgrades each object as it is reached, outside it (one lock
//! round trip per batch, not per entry; in both flavors, this tight copy loop followed by the
//! upgrades takes fewer instructions per entry than finding, upgrading and copying each entry
//! under the lock one step at a time, even where the lock is a few plain loads and stores).
//! While any
//! iterator is open, released nodes go to `LIMBO` instead of the free list and new entries take
//! fresh slots, so a slot an iterator has not reached yet still holds the entry it held when the
//! iterator was created (or holds nothing new), and the object pointers it copied stay valid: no
//! handle is cloned and nothing is kept alive by the iterator. An entry is visible to an
//! iterator if it is indexed, or left the index at or after the iterator's epoch (an entry
//! removed after `iter()` is still yielded, unless its part was moved out).
//!
//! # Nothing dropped under the lock
//!
//! What an operation takes out (keys, values, comparison temporaries, waiters to wake) goes to
//! the guard's [`Bin`], which is emptied after the lock is released, as are references to the
//! table that retired nodes held. (A retired node's weak count on its object is released under
//! the lock: that runs no user code, at most it frees the memory of an object already dropped.)
//! The only user code that runs under the lock is what the collections document: keys' `Eq` and
//! `Borrow`, and keys' or values' `Clone` where a method returns clones.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::ptr::{self, NonNull};
use std::alloc::{self, Layout};

use hashbrown::{HashTable, hash_table};

use crate::flavor::{Count, Flavor, TableLock};
use crate::obj::Obj;
use crate::raw::{
    Node, NodeHead, NodeVTable, ObjInner, RawObj, RawWeak, SlabHeader, slab_disown, slab_handle,
    slab_link, slab_release_handle, slab_release_lent_handle,
};

/// No entry: a free slot.
pub(crate) const FREE: u8 = 0;
/// An entry, in the index.
pub(crate) const INDEXED: u8 = 1;
/// Out of the index, still with handles; holds a reference to the table.
pub(crate) const DETACHED: u8 = 2;
/// Released while an iterator was open; retired when the last one closes.
pub(crate) const LIMBO: u8 = 3;
const STATE: u8 = 0b11;
/// The collection's part of the node was moved out.
pub(crate) const MOVED: u8 = 1 << 2;
/// The entry is checked out: its value is lent.
pub(crate) const BUSY: u8 = 1 << 3;

/// The end of the free list.
const NONE: u32 = u32::MAX;

/// A slot's number is its chunk's index, shifted by this, plus its place in the chunk: finding
/// a slot's node is a shift and a mask, not a division. (Numbers past a chunk's capacity are
/// never used.)
const CHUNK_BITS: u32 = 8;
const IN_CHUNK: u32 = (1 << CHUNK_BITS) - 1;

/// The 32-bit key hash a node keeps, from the hasher's 64 bits.
#[inline]
pub(crate) fn fold(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

/// The index's hash of a node with key hash `tag`: the bits hashbrown uses for the bucket
/// (low) and the control byte (top 7) both depend on the whole tag.
#[inline]
fn expand(tag: u32) -> u64 {
    u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// An entry: laid out as a weak-reference node made through the view `T` (object pointer,
/// then the node), then the collection's part.
#[repr(C)]
pub(crate) struct SlabNode<T: ?Sized, X, F: Flavor> {
    /// First, so that the part, the object pointer and the node's state and tag (what a lookup
    /// reads) share the node's first 32 bytes, and most often one cache line.
    extra: UnsafeCell<MaybeUninit<X>>,
    head: NodeHead<T, F>,
}

impl<T: ?Sized, X, F: Flavor> SlabNode<T, X, F> {
    /// The list part of the node at `node`, with the node's provenance.
    #[inline]
    fn list(node: NonNull<Self>) -> NonNull<Node<F>> {
        // SAFETY: projecting to a field of a node we point to creates no reference.
        let head = unsafe { NonNull::new_unchecked(ptr::addr_of_mut!((*node.as_ptr()).head)) };
        NodeHead::<T, F>::node(head)
    }

    /// The node whose list part is at `list`.
    ///
    /// # Safety
    ///
    /// `list` is the list part of a `SlabNode<T, X, F>`, with its chunk's provenance.
    #[inline]
    unsafe fn from_list(list: NonNull<Node<F>>) -> NonNull<Self> {
        // SAFETY: the list part is within the node's head, which is `offset_of!(Self, head)`
        // bytes into the node.
        unsafe {
            NodeHead::<T, F>::of(list)
                .byte_sub(mem::offset_of!(Self, head))
                .cast()
        }
    }
}

/// The shape of a collection's chunks.
struct Geometry<T: ?Sized, X, F: Flavor>(PhantomData<SlabNode<T, X, F>>);

impl<T: ?Sized, X, F: Flavor> Geometry<T, X, F> {
    const NODE: usize = size_of::<SlabNode<T, X, F>>();
    const ALIGN: usize = align_of::<SlabNode<T, X, F>>();
    /// Where the first node starts, after the header.
    const FIRST: usize = size_of::<SlabHeader<F>>().next_multiple_of(Self::ALIGN);
    /// The chunk's size and alignment: a page, or more for nodes so large that fewer than 16
    /// would fit.
    const BYTES: usize = {
        let mut bytes = 4096;
        while bytes < Self::ALIGN || bytes < Self::FIRST + 16 * Self::NODE {
            bytes *= 2;
        }
        bytes
    };
    const SHIFT: u8 = Self::BYTES.trailing_zeros() as u8;
    const CAPACITY: usize = {
        let capacity = (Self::BYTES - Self::FIRST) / Self::NODE;
        assert!(
            capacity <= 1 << CHUNK_BITS,
            "a chunk's slots are numbered in its 8 bits"
        );
        capacity
    };

    fn layout() -> Layout {
        Layout::from_size_align(Self::BYTES, Self::BYTES).expect("a power of two below 2^31")
    }
}

/// The slots: chunks of nodes, the free list and the high-water mark.
pub(crate) struct Slab<T: ?Sized, X, F: Flavor> {
    /// Each chunk's base, with the provenance of its whole allocation.
    chunks: Vec<NonNull<u8>>,
    /// Slots below it have been handed out at least once (numbers past a chunk's capacity
    /// excepted).
    high_water: u32,
    /// The first free slot below `high_water`, each linking to the next by its tag.
    free: u32,
    _nodes: PhantomData<SlabNode<T, X, F>>,
}

impl<T: ?Sized, X, F: Flavor> Slab<T, X, F> {
    fn new() -> Self {
        Self {
            chunks: Vec::new(),
            high_water: 0,
            free: NONE,
            _nodes: PhantomData,
        }
    }

    /// The slot numbered `index`, below the high-water mark.
    #[inline]
    pub(crate) fn slot(&self, index: u32) -> Slot<T, X, F> {
        let chunk = self.chunks[(index >> CHUNK_BITS) as usize];
        let at = (index & IN_CHUNK) as usize;
        // SAFETY: the chunk holds `CAPACITY` nodes from `FIRST` on.
        let node = unsafe {
            chunk
                .add(Geometry::<T, X, F>::FIRST)
                .cast::<SlabNode<T, X, F>>()
                .add(at)
        };
        Slot { index, node }
    }

    /// The slot of a node of this slab, from its list part.
    #[inline]
    fn slot_of(node: NonNull<Node<F>>) -> Slot<T, X, F> {
        let mask = Geometry::<T, X, F>::BYTES - 1;
        // SAFETY: the node is in a chunk of ours, which starts with its header.
        let header = unsafe {
            &*node
                .as_ptr()
                .map_addr(|addr| addr & !mask)
                .cast::<SlabHeader<F>>()
        };
        let at = (node.as_ptr().addr() - header.first_node.addr()) / Geometry::<T, X, F>::NODE;
        // SAFETY: the node is the list part of a `SlabNode`, whose head comes first, with the
        // chunk's provenance.
        let node = unsafe { SlabNode::<T, X, F>::from_list(node) };
        Slot {
            index: header.first_slot + at as u32,
            node,
        }
    }

    /// A slot for a new entry: a free one, unless `fresh_only` (an iterator is open), or one
    /// past the high-water mark.
    fn allocate(
        &mut self,
        fresh_only: bool,
        table: NonNull<()>,
        vtable: &'static NodeVTable<F>,
    ) -> Slot<T, X, F> {
        if !fresh_only && self.free != NONE {
            let slot = self.slot(self.free);
            self.free = slot.tag();
            return slot;
        }
        let mut index = self.high_water;
        if (index & IN_CHUNK) as usize == Geometry::<T, X, F>::CAPACITY {
            // The next chunk's first number.
            index = (index | IN_CHUNK) + 1;
        }
        if (index >> CHUNK_BITS) as usize == self.chunks.len() {
            self.grow(table, vtable);
        }
        self.high_water = index + 1;
        self.slot(index)
    }

    /// Adds a chunk.
    #[cold]
    fn grow(&mut self, table: NonNull<()>, vtable: &'static NodeVTable<F>) {
        let first_slot = u32::try_from(self.chunks.len())
            .ok()
            .filter(|&chunk| chunk < 1 << (32 - CHUNK_BITS))
            .map(|chunk| chunk << CHUNK_BITS)
            .expect("a weak collection holds fewer than 2^24 chunks of entries");
        let layout = Geometry::<T, X, F>::layout();
        // SAFETY: the layout's size is not zero.
        let base = unsafe { alloc::alloc(layout) };
        let Some(base) = NonNull::new(base) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: the chunk is ours; its first node is `FIRST` bytes in.
        let first_node =
            unsafe { base.add(Geometry::<T, X, F>::FIRST) }.cast::<SlabNode<T, X, F>>();
        let header = SlabHeader::new(
            vtable,
            table,
            SlabNode::list(first_node).as_ptr(),
            Geometry::<T, X, F>::NODE as u32,
            Geometry::<T, X, F>::CAPACITY as u32,
            first_slot,
        );
        // SAFETY: the chunk starts with room for its header, suitably aligned.
        unsafe { base.cast::<SlabHeader<F>>().write(header) };
        self.chunks.push(base);
    }

    /// Puts `slot`, whose node was retired, back on the free list. Only its state and tag are
    /// read while it is free; linking it again writes the whole node.
    fn release(&mut self, slot: Slot<T, X, F>) {
        slot.set_state(FREE);
        slot.set_tag(self.free);
        self.free = slot.index;
    }

    /// Frees every chunk.
    ///
    /// # Safety
    ///
    /// No node is alive and nothing reaches the slab any more.
    unsafe fn free_chunks(&mut self) {
        for &base in &self.chunks {
            // SAFETY: each chunk starts with its header; its nodes are all gone.
            unsafe { base.cast::<SlabHeader<F>>().as_ref().free_hashes() };
            // SAFETY: made by `alloc` with this layout in `grow`.
            unsafe { alloc::dealloc(base.as_ptr(), Geometry::<T, X, F>::layout()) };
        }
        self.chunks.clear();
    }
}

/// An entry's slot: its number and its node. Used under the table's lock, while the node is
/// not retired (free slots are only read for their state).
pub(crate) struct Slot<T: ?Sized, X, F: Flavor> {
    pub(crate) index: u32,
    node: NonNull<SlabNode<T, X, F>>,
}

impl<T: ?Sized, X, F: Flavor> Clone for Slot<T, X, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized, X, F: Flavor> Copy for Slot<T, X, F> {}

impl<T: ?Sized, X, F: Flavor> Slot<T, X, F> {
    /// The list part of the node, with its chunk's provenance.
    #[inline]
    fn list_ptr(self) -> NonNull<Node<F>> {
        SlabNode::list(self.node)
    }

    /// The list part of the node.
    #[inline]
    pub(crate) fn list(&self) -> &Node<F> {
        // SAFETY: a slot below the high-water mark holds a node, initialized (linking writes
        // the whole node; a free one keeps its last one), and the chunk outlives `self`'s use.
        unsafe { self.list_ptr().as_ref() }
    }

    /// The node's state bits.
    #[inline]
    pub(crate) fn state(self) -> u8 {
        self.list().slab_state()
    }

    #[inline]
    fn set_state(self, state: u8) {
        self.list().set_slab_state(state);
    }

    /// The node's tag: its key hash while indexed.
    #[inline]
    pub(crate) fn tag(self) -> u32 {
        self.list().slab_tag()
    }

    #[inline]
    fn set_tag(self, tag: u32) {
        self.list().set_slab_tag(tag);
    }

    /// Whether the entry is checked out.
    #[inline]
    pub(crate) fn busy(self) -> bool {
        self.state() & BUSY != 0
    }

    /// Whether the entry is indexed.
    #[inline]
    pub(crate) fn indexed(self) -> bool {
        self.state() & STATE == INDEXED
    }

    /// The object pointer of the node, which is linked or has handles.
    #[inline]
    pub(crate) fn obj(self) -> NonNull<ObjInner<T, F>> {
        // SAFETY: the node was made through the view `T` and its object pointer was written.
        unsafe { NodeHead::<T, F>::obj_of(self.list_ptr()) }
    }

    /// The collection's part of the node.
    ///
    /// # Safety
    ///
    /// The node holds its part (not `MOVED`), and the caller holds the table lock for `'a`.
    #[inline]
    pub(crate) unsafe fn extra<'a>(self) -> &'a X {
        // SAFETY: as the caller promises; the part is only touched under the lock.
        unsafe { (*(*self.node.as_ptr()).extra.get()).assume_init_ref() }
    }

    /// The collection's part of the node, mutably.
    ///
    /// # Safety
    ///
    /// As for [`extra`](Self::extra), and nobody else borrows it meanwhile.
    #[inline]
    pub(crate) unsafe fn extra_mut<'a>(self) -> &'a mut X {
        // SAFETY: as the caller promises.
        unsafe { (*(*self.node.as_ptr()).extra.get()).assume_init_mut() }
    }

    /// Moves the collection's part out of the node and marks it `MOVED`.
    ///
    /// # Safety
    ///
    /// The node holds its part, and the caller holds the table lock.
    pub(crate) unsafe fn take_extra(self) -> X {
        self.set_state(self.state() | MOVED);
        // SAFETY: the part is initialized (not `MOVED` until now) and read once.
        unsafe { (*(*self.node.as_ptr()).extra.get()).assume_init_read() }
    }

    /// Puts a part back into the node, which was `MOVED`.
    ///
    /// # Safety
    ///
    /// The node is `MOVED`, and the caller holds the table lock.
    pub(crate) unsafe fn put_extra(self, extra: X) {
        self.set_state(self.state() & !MOVED);
        // SAFETY: the part is uninitialized (moved out), so nothing is overwritten.
        unsafe { (*(*self.node.as_ptr()).extra.get()).write(extra) };
    }

    /// Ends the checkout of the entry (its part is back, or gone).
    pub(crate) fn end_checkout(self) {
        self.set_state(self.state() & !BUSY);
    }

    /// Marks the entry checked out (its part was taken).
    pub(crate) fn start_checkout(self) {
        self.set_state(self.state() | BUSY);
    }

    /// A strong handle to the object, if it is alive.
    #[inline]
    pub(crate) fn upgrade(self) -> Option<Obj<T, F>> {
        // SAFETY: the node holds a weak count on its object.
        unsafe { upgrade(self.obj()) }
    }

    /// Whether the object is alive.
    #[inline]
    pub(crate) fn is_alive(self) -> bool {
        // SAFETY: the node holds a weak count on its object.
        unsafe { ObjInner::header(self.obj()) }.strong.get() != 0
    }

    /// The address of the object's value (without metadata).
    #[inline]
    pub(crate) fn value_addr(self) -> usize {
        ObjInner::value_ptr(self.obj()).cast::<()>().addr()
    }

    /// A new handle to the weak reference that is the node, which is indexed.
    pub(crate) fn handle(self) -> RawWeak<T, F> {
        // SAFETY: an indexed node is alive (the entry's handle), as long as we hold the lock.
        unsafe { slab_handle(self.list_ptr(), self.obj()) }
    }
}

/// A strong handle to the object at `obj`, if it is alive.
///
/// # Safety
///
/// Something (a node) holds a weak count on the object.
#[inline]
pub(crate) unsafe fn upgrade<T: ?Sized, F: Flavor>(
    obj: NonNull<ObjInner<T, F>>,
) -> Option<Obj<T, F>> {
    // SAFETY: the caller's weak count keeps the header alive.
    if unsafe { ObjInner::header(obj) }
        .strong
        .increment_if_nonzero()
    {
        // SAFETY: we just added a strong count for the new handle.
        Some(Obj::from_raw_obj(unsafe { RawObj::adopt(obj) }))
    } else {
        None
    }
}

/// Up to one item inline, more in a vector (which allocates only from the second).
pub(crate) struct Few<E> {
    one: Option<E>,
    more: Vec<E>,
}

impl<E> Few<E> {
    const fn new() -> Self {
        Self {
            one: None,
            more: Vec::new(),
        }
    }

    /// Keeps `item`, and lends it back.
    fn push(&mut self, item: E) -> &E {
        if self.one.is_none() {
            self.one.insert(item)
        } else {
            self.more.push(item);
            self.more.last().expect("just pushed")
        }
    }
}

type Waiter<F> = <<F as crate::flavor::internal::Internal>::TableLock as TableLock>::Waiter;

/// What an operation took out under the lock: dropped (or woken) after it is released. The first
/// comparison temporary is kept inline (a lookup by value takes one); the rest is made on first
/// use, so that an operation that takes nothing out pays nothing for it.
pub(crate) struct Bin<T: ?Sized, X, F: Flavor> {
    temp: Option<Obj<T, F>>,
    rest: Option<Contents<T, X, F>>,
}

/// What a [`Bin`] holds.
struct Contents<T: ?Sized, X, F: Flavor> {
    /// Strong handles taken to compare keys: the last one of an object may be among them.
    temps: Few<Obj<T, F>>,
    /// Keys or values removed, or not stored.
    extras: Few<X>,
    /// Threads to wake.
    waiters: Vec<Waiter<F>>,
}

impl<T: ?Sized, X, F: Flavor> Bin<T, X, F> {
    const fn new() -> Self {
        Self {
            temp: None,
            rest: None,
        }
    }

    #[inline]
    fn contents(&mut self) -> &mut Contents<T, X, F> {
        self.rest.get_or_insert_with(|| Contents {
            temps: Few::new(),
            extras: Few::new(),
            waiters: Vec::new(),
        })
    }

    /// Whether nothing but (maybe) the first temporary was put in.
    #[inline]
    fn is_all_but_temp_empty(&self) -> bool {
        self.rest.is_none()
    }

    /// Keeps a strong handle taken to compare a key, and lends it back.
    #[inline]
    pub(crate) fn temp(&mut self, temp: Obj<T, F>) -> &Obj<T, F> {
        if self.temp.is_none() {
            return self.temp.insert(temp);
        }
        self.contents().temps.push(temp)
    }

    /// Keeps `extra` to drop after the lock; one without drop glue is simply forgotten.
    #[inline]
    pub(crate) fn discard(&mut self, extra: X) {
        if mem::needs_drop::<X>() {
            self.contents().extras.push(extra);
        } else {
            mem::forget(extra);
        }
    }
}

impl<T: ?Sized, X, F: Flavor> Drop for Contents<T, X, F> {
    fn drop(&mut self) {
        for waiter in &self.waiters {
            F::TableLock::wake(waiter);
        }
        // The fields drop next: temporaries first (their drops may run deaths, which may use
        // the collection: its lock is free), then the removed parts.
    }
}

/// The table's state, guarded by its lock word.
pub(crate) struct State<T: ?Sized, X, F: Flavor> {
    /// Indexed slots, hashed by their nodes' tags.
    index: HashTable<u32>,
    pub(crate) slab: Slab<T, X, F>,
    /// Open iterators.
    iterators: u32,
    /// Bumped by each new iterator; stamps nodes leaving the index.
    epoch: u32,
    /// Released slots kept for open iterators.
    limbo: Vec<u32>,
    /// Hashes of keys a vacant entry (or a constructor) reserved: their writers wait.
    reservations: Vec<u64>,
    /// Threads waiting for a checked-out entry or a reserved key.
    waiters: Vec<Waiter<F>>,
}

/// The lock, the state and the reference count of a table, whatever its hasher.
pub(crate) struct Core<T: ?Sized, X, F: Flavor> {
    /// This core, with the provenance of the whole table's allocation (from `Box::leak`), for
    /// what may free it: references to it, and its chunks' headers, are made from this.
    this: NonNull<Core<T, X, F>>,
    /// The collection (one), its open iterators, and its detached nodes.
    refs: F::Count,
    lock: F::TableLock,
    state: UnsafeCell<State<T, X, F>>,
    /// Frees the [`Table`] this core starts.
    free: unsafe fn(NonNull<Core<T, X, F>>),
}

/// A weak collection's shared state: the core, then the hasher.
#[repr(C)]
pub(crate) struct Table<T: ?Sized, X, S, F: Flavor> {
    core: Core<T, X, F>,
    pub(crate) hasher: S,
}

/// Whether a slab node is visible to an iterator made at `epoch`: it is indexed, or it left the
/// index at or after `epoch` and still holds its part.
#[inline]
fn visible<F: Flavor>(list: &Node<F>, epoch: u32) -> bool {
    let state = list.slab_state();
    match state & STATE {
        FREE => false,
        INDEXED => true,
        _ => state & MOVED == 0 && list.slab_tag().wrapping_sub(epoch) as i32 >= 0,
    }
}

/// What [`State::probe`] found: the entry, or the place for a new one.
pub(crate) enum Probe<'a, T: ?Sized, X, F: Flavor> {
    Found(Slot<T, X, F>),
    Vacant(Vacancy<'a, T, X, F>),
}

/// The place for a new entry in the index, and the slab to take its slot from.
pub(crate) struct Vacancy<'a, T: ?Sized, X, F: Flavor> {
    entry: hash_table::VacantEntry<'a, u32>,
    slab: &'a mut Slab<T, X, F>,
    /// Whether an iterator is open (new entries then take fresh slots).
    fresh_only: bool,
    tag: u32,
}

impl<T: ?Sized, X, F: Flavor> Vacancy<'_, T, X, F> {
    /// Stores a new entry watching `obj`, with part `extra` and the extra state bits `state`;
    /// returns its slot.
    pub(crate) fn insert(
        self,
        core: &Core<T, X, F>,
        obj: &RawObj<T, F>,
        extra: X,
        state: u8,
    ) -> Slot<T, X, F> {
        let slot = self
            .slab
            .allocate(self.fresh_only, core.this.cast(), &Core::<T, X, F>::VTABLE);
        // SAFETY: the slot is free.
        unsafe { link_new(slot, obj, self.tag, extra, state) };
        self.entry.insert(slot.index);
        slot
    }
}

/// Writes a new entry into the free `slot` and links its node to `obj`.
///
/// # Safety
///
/// The slot is free, and the caller holds its table's lock.
unsafe fn link_new<T: ?Sized, X, F: Flavor>(
    slot: Slot<T, X, F>,
    obj: &RawObj<T, F>,
    tag: u32,
    extra: X,
    state: u8,
) {
    // SAFETY: the slot is free (our caller's promise): nobody reads its part or its node.
    unsafe {
        (*(*slot.node.as_ptr()).extra.get()).write(extra);
        slab_link(
            slot.list_ptr(),
            obj,
            Geometry::<T, X, F>::SHIFT,
            INDEXED | state,
            tag,
        );
    }
}

/// An iterator's place in the slab.
#[derive(Clone, Copy)]
pub(crate) struct Cursor {
    /// The next slot to visit.
    next: u32,
    /// The high-water mark when the iterator was made.
    bound: u32,
    epoch: u32,
}

impl Cursor {
    /// Slots not yet visited.
    pub(crate) fn remaining(&self) -> usize {
        (self.bound - self.next) as usize
    }
}

impl<T: ?Sized, X, F: Flavor> State<T, X, F> {
    /// The indexed slot whose node has tag `tag` and satisfies `eq`.
    #[inline]
    pub(crate) fn find(
        &self,
        tag: u32,
        mut eq: impl FnMut(Slot<T, X, F>) -> bool,
    ) -> Option<Slot<T, X, F>> {
        let slab = &self.slab;
        let mut found = None;
        self.index.find(expand(tag), |&index| {
            let slot = slab.slot(index);
            let matches = slot.tag() == tag && eq(slot);
            if matches {
                found = Some(slot);
            }
            matches
        })?;
        found
    }

    /// The indexed slot whose node has tag `tag` and satisfies `eq`, or else the place where a
    /// new entry with that tag goes: one probe for both.
    #[inline]
    pub(crate) fn probe(
        &mut self,
        tag: u32,
        mut eq: impl FnMut(Slot<T, X, F>) -> bool,
    ) -> Probe<'_, T, X, F> {
        let slab = &self.slab;
        let mut found = None;
        let entry = self.index.entry(
            expand(tag),
            |&index| {
                let slot = slab.slot(index);
                let matches = slot.tag() == tag && eq(slot);
                if matches {
                    found = Some(slot);
                }
                matches
            },
            |&other| expand(slab.slot(other).tag()),
        );
        match (entry, found) {
            (hash_table::Entry::Vacant(entry), _) => Probe::Vacant(Vacancy {
                entry,
                slab: &mut self.slab,
                fresh_only: self.iterators != 0,
                tag,
            }),
            (hash_table::Entry::Occupied(_), Some(slot)) => Probe::Found(slot),
            (hash_table::Entry::Occupied(_), None) => unreachable!("a match was recorded"),
        }
    }

    /// Some indexed slot satisfying `pick`, in the index's order.
    pub(crate) fn find_any(
        &self,
        mut pick: impl FnMut(Slot<T, X, F>) -> bool,
    ) -> Option<Slot<T, X, F>> {
        self.slots().find(|&slot| pick(slot))
    }

    /// Every indexed slot, in the index's order.
    pub(crate) fn slots(&self) -> impl Iterator<Item = Slot<T, X, F>> + '_ {
        self.index.iter().map(|&index| self.slab.slot(index))
    }

    /// The number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Stores a new entry watching `obj`, with key hash `tag` and part `extra`, and the extra
    /// state bits `state`; returns its slot.
    pub(crate) fn insert(
        &mut self,
        core: &Core<T, X, F>,
        obj: &RawObj<T, F>,
        tag: u32,
        extra: X,
        state: u8,
    ) -> Slot<T, X, F> {
        let slot = self.slab.allocate(
            self.iterators != 0,
            core.this.cast(),
            &Core::<T, X, F>::VTABLE,
        );
        // SAFETY: the slot is free.
        unsafe { link_new(slot, obj, tag, extra, state) };
        let slab = &self.slab;
        self.index.insert_unique(expand(tag), slot.index, |&other| {
            expand(slab.slot(other).tag())
        });
        slot
    }

    /// Takes the node in `slot` out of the index, and marks it so.
    fn unindex(&mut self, slot: Slot<T, X, F>) {
        let found = self
            .index
            .find_entry(expand(slot.tag()), |&other| other == slot.index)
            .expect("an indexed node is in the index");
        found.remove();
        self.mark_detached(slot);
    }

    /// Marks the node in `slot`, just out of the index, detached, stamped with the epoch.
    fn mark_detached(&self, slot: Slot<T, X, F>) {
        slot.set_tag(self.epoch);
        slot.set_state((slot.state() & !STATE) | DETACHED);
    }

    /// Removes the entry in `slot` (indexed), on the collection's initiative; its part goes to
    /// the bin unless `MOVED`. The node is retired now or when its last handle goes.
    pub(crate) fn remove(
        &mut self,
        core: &Core<T, X, F>,
        slot: Slot<T, X, F>,
        bin: &mut Bin<T, X, F>,
    ) {
        self.unindex(slot);
        self.detach(core, slot, bin);
    }

    /// The rest of a removal, for a node out of the index.
    fn detach(&mut self, core: &Core<T, X, F>, slot: Slot<T, X, F>, bin: &mut Bin<T, X, F>) {
        // The node is alive: the entry's handle is held, by us or by a death.
        let own = slab_disown(slot.list());
        // SAFETY: if `own`, the entry's handle is ours to release; its object's header is
        // alive while the node is.
        if own && unsafe { slab_release_handle(slot.list_ptr(), ObjInner::header(slot.obj())) } {
            self.retire_or_keep(slot, bin);
            return;
        }
        // Outside handles remain (their last drop sends the node back), or a death took the
        // removal (its `call` will release the entry's handle): the node outlives its entry,
        // and holds a reference to the table until then. Messages about it wait for our lock,
        // so taking the reference now, after the release, is in time.
        core.refs.increment();
    }

    /// A message from the lock word: the node's last handle was released (`released`), or a
    /// death took its removal and lent us the entry's handle.
    fn process(
        &mut self,
        core: &Core<T, X, F>,
        node: NonNull<Node<F>>,
        bin: &mut Bin<T, X, F>,
        refs: &mut usize,
    ) {
        let slot = Slab::<T, X, F>::slot_of(node);
        // The node is alive: its slot is not free until we retire it below.
        if slot.list().released() {
            // Detached, now without handles: retire it, and release its reference.
            self.retire_or_keep(slot, bin);
            *refs += 1;
            return;
        }
        let was_indexed = slot.indexed();
        if was_indexed {
            self.unindex(slot);
        }
        // SAFETY: the entry's handle is ours, lent by the death that unlinked the node; the
        // object's header lives as long as the node.
        let last = unsafe { slab_release_lent_handle(node, ObjInner::header(slot.obj())) };
        match (was_indexed, last) {
            // Retired now; a detached node's reference goes with it.
            (true, true) => self.retire_or_keep(slot, bin),
            (false, true) => {
                self.retire_or_keep(slot, bin);
                *refs += 1;
            }
            // Outside handles remain: the node now holds a reference to the table.
            (true, false) => core.refs.increment(),
            (false, false) => {}
        }
    }

    /// Retires the released node in `slot`, or keeps it for the open iterators.
    fn retire_or_keep(&mut self, slot: Slot<T, X, F>, bin: &mut Bin<T, X, F>) {
        if self.iterators == 0 {
            self.retire(slot, bin);
            return;
        }
        // An iterator skips entries whose object is dead, so their part is not needed.
        if slot.state() & MOVED == 0 && !slot.is_alive() {
            // SAFETY: the part is there (not `MOVED`) and we hold the lock.
            bin.discard(unsafe { slot.take_extra() });
        }
        slot.set_state((slot.state() & !STATE) | LIMBO);
        self.limbo.push(slot.index);
    }

    /// Frees the released node in `slot`: its part goes to the bin, its weak count is released.
    fn retire(&mut self, slot: Slot<T, X, F>, bin: &mut Bin<T, X, F>) {
        if slot.state() & MOVED == 0 {
            // SAFETY: the part is there and we hold the lock.
            bin.discard(unsafe { slot.take_extra() });
        }
        // SAFETY: the node held this weak count, and is gone. Releasing it runs no user code:
        // if it was the last, the object's memory is freed (its value was dropped already).
        unsafe { ObjInner::release_weak(slot.obj()) };
        self.slab.release(slot);
    }

    /// Registers an iterator.
    pub(crate) fn open_cursor(&mut self) -> Cursor {
        self.iterators += 1;
        self.epoch = self.epoch.wrapping_add(1);
        Cursor {
            next: 0,
            bound: self.slab.high_water,
            epoch: self.epoch,
        }
    }

    /// Unregisters an iterator; the last one retires the nodes kept for them.
    pub(crate) fn close_cursor(&mut self, bin: &mut Bin<T, X, F>) {
        self.iterators -= 1;
        if self.iterators == 0 {
            for index in mem::take(&mut self.limbo) {
                let slot = self.slab.slot(index);
                self.retire(slot, bin);
            }
        }
    }

    /// Copies up to `room` entries visible to `cursor` into `buf` (which has room for them),
    /// from where it is, advancing it: each entry's object pointer and `copy` of its part
    /// (`reads_part`: whether `copy` reads it). Stops early at an entry whose part is lent
    /// (checked out), returning `true`; that entry is visited again next time. If a `copy`
    /// panics, the cursor is left past that entry, after the ones copied before it, which stay
    /// in `buf`: each entry is copied at most once.
    ///
    /// A slot is visible if its entry is indexed, or left the index at or after the cursor's
    /// epoch and still holds its part. The walk goes a chunk at a time, by node address.
    #[inline]
    pub(crate) fn fill<B>(
        &self,
        cursor: &mut Cursor,
        buf: &mut Vec<(NonNull<ObjInner<T, F>>, B)>,
        room: usize,
        reads_part: bool,
        mut copy: impl FnMut(Option<&X>) -> B,
    ) -> bool {
        /// Sets the length of `buf` to what was written, and the cursor to the next slot to
        /// visit, also if a copy panics midway (so that the copies made are dropped, by
        /// whoever drops `buf`, after the lock, and are not made again).
        struct Written<'a, E> {
            buf: &'a mut Vec<E>,
            len: usize,
            cursor: &'a mut u32,
            next: u32,
        }
        impl<E> Drop for Written<'_, E> {
            fn drop(&mut self) {
                // SAFETY: the first `len` elements are initialized (written below).
                unsafe { self.buf.set_len(self.len) };
                *self.cursor = self.next;
            }
        }
        assert!(
            buf.capacity() - buf.len() >= room,
            "the caller made the room"
        );
        let capacity = Geometry::<T, X, F>::CAPACITY as u32;
        let numbers = IN_CHUNK + 1;
        let target = buf.len() + room;
        let (bound, epoch) = (cursor.bound, cursor.epoch);
        let mut out = Written {
            len: buf.len(),
            buf,
            next: cursor.next,
            cursor: &mut cursor.next,
        };
        while out.next < bound && out.len < target {
            let first = out.next & !IN_CHUNK;
            let end = bound.min(first + capacity);
            // Visiting at most `room` slots writes at most `room` entries: one bound for both.
            let steps = (end - out.next).min((target - out.len) as u32);
            let start = out.next;
            let mut node = self.slab.slot(start).node;
            for step in 0..steps {
                let list = SlabNode::list(node);
                // SAFETY: the slot holds a node (it is below the high-water mark), initialized.
                let list = unsafe { list.as_ref() };
                let state = list.slab_state();
                if state == INDEXED || visible(list, epoch) {
                    if reads_part && state & BUSY != 0 {
                        out.next = start + step;
                        return true;
                    }
                    // SAFETY: a visible node is linked or has handles, made through the view
                    // `T`.
                    let obj = unsafe { NodeHead::<T, F>::obj_of(SlabNode::list(node)) };
                    let part = if reads_part {
                        // SAFETY: a visible node holds its part unless `MOVED`, and then it is
                        // `BUSY` (handled above); we hold the lock.
                        Some(unsafe { (*(*node.as_ptr()).extra.get()).assume_init_ref() })
                    } else {
                        None
                    };
                    // Past this entry if the copy panics.
                    out.next = start + step + 1;
                    let entry = (obj, copy(part));
                    // SAFETY: below `target`, within the room the caller made.
                    unsafe { out.buf.as_mut_ptr().add(out.len).write(entry) };
                    out.len += 1;
                }
                // SAFETY: at most one past the chunk's last node (`end` is in the chunk).
                node = unsafe { node.add(1) };
            }
            let slot = start + steps;
            // Past the chunk's last slot, the next chunk's first (the numbers between are
            // unused).
            out.next = if slot == first + capacity {
                (first + numbers).min(bound)
            } else {
                slot
            };
        }
        false
    }

    /// Removes every entry; their parts go to the bin.
    pub(crate) fn clear(&mut self, core: &Core<T, X, F>, bin: &mut Bin<T, X, F>) {
        let slots: Vec<u32> = self.index.drain().collect();
        for index in slots {
            let slot = self.slab.slot(index);
            self.mark_detached(slot);
            self.detach(core, slot, bin);
        }
    }

    /// Whether a key with hash `hash` is reserved.
    #[inline]
    pub(crate) fn reserved(&self, hash: u64) -> bool {
        !self.reservations.is_empty() && self.reservations.contains(&hash)
    }

    /// Reserves the key with hash `hash`.
    pub(crate) fn reserve(&mut self, hash: u64) {
        self.reservations.push(hash);
    }

    /// Ends the reservation of `hash`, if there is one (there is at most one: reserving waits
    /// for the reservation of an equal hash to end), and wakes the waiters.
    pub(crate) fn unreserve(&mut self, hash: u64, bin: &mut Bin<T, X, F>) {
        if let Some(at) = self
            .reservations
            .iter()
            .position(|&reserved| reserved == hash)
        {
            self.reservations.swap_remove(at);
            self.wake_all(bin);
        }
    }

    /// Hands every waiting thread to the bin, to be woken after the lock is released.
    pub(crate) fn wake_all(&mut self, bin: &mut Bin<T, X, F>) {
        if !self.waiters.is_empty() {
            bin.contents().waiters.append(&mut self.waiters);
        }
    }

    /// Registers the calling thread to be woken at the next check-in or end of a reservation;
    /// the caller then releases the lock and parks. Panics in the single-threaded flavor, where
    /// the entry waited for is held by the thread itself, with `why`.
    #[track_caller]
    pub(crate) fn register_waiter(&mut self, why: &str) {
        match F::TableLock::waiter() {
            Some(waiter) => self.waiters.push(waiter),
            None => panic!("{why}"),
        }
    }
}

/// What a holder works with: the state, the bin, the core.
pub(crate) type Parts<'a, T, X, F> = (
    &'a mut State<T, X, F>,
    &'a mut Bin<T, X, F>,
    &'a Core<T, X, F>,
);

/// The table lock, held, with what the holder takes out; released (with the work of pushed
/// nodes done first) when dropped, and only then is the bin emptied.
pub(crate) struct Guard<'a, T: ?Sized, X, F: Flavor> {
    core: NonNull<Core<T, X, F>>,
    /// Dropped by hand, and only if not empty: an empty bin owns nothing (its vectors never
    /// allocated), and skipping its drop keeps the common release short.
    bin: ManuallyDrop<Bin<T, X, F>>,
    /// References to the table to release after unlocking (retired detached nodes held them).
    refs: usize,
    _lock: PhantomData<&'a Core<T, X, F>>,
}

impl<T: ?Sized, X, F: Flavor> Guard<'_, T, X, F> {
    /// The state, and the bin, to use together.
    #[inline]
    pub(crate) fn parts(&mut self) -> Parts<'_, T, X, F> {
        // SAFETY: we hold the lock, so the state is ours alone until we release it; the core
        // outlives the guard.
        unsafe {
            let core = self.core.as_ref();
            (&mut *core.state.get(), &mut *self.bin, core)
        }
    }

    /// The state.
    #[inline]
    pub(crate) fn state(&mut self) -> &mut State<T, X, F> {
        self.parts().0
    }

    /// Releases the lock and parks until woken; the caller registered as a waiter.
    pub(crate) fn park(self) {
        drop(self);
        F::TableLock::park();
    }
}

impl<T: ?Sized, X, F: Flavor> Drop for Guard<'_, T, X, F> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the core outlives the guard (the guard's holder keeps a reference to it).
        let core = unsafe { self.core.as_ref() };
        loop {
            let pushed = core.lock.unlock_or_take();
            if pushed.is_null() {
                break;
            }
            self.drain(pushed.cast());
        }
        if self.refs != 0 || !self.bin.is_all_but_temp_empty() {
            self.empty_bin();
            return;
        }
        // Otherwise the bin holds at most its inline temporary, and owns nothing else: it is
        // not dropped, only that.
        drop(self.bin.temp.take());
    }
}

/// The table lock, held for a section that takes nothing out (it has no bin): released when
/// dropped, with the work of nodes pushed meanwhile done (by a full [`Guard`]) first.
pub(crate) struct BareGuard<'a, T: ?Sized, X, F: Flavor> {
    core: &'a Core<T, X, F>,
}

impl<T: ?Sized, X, F: Flavor> BareGuard<'_, T, X, F> {
    /// The state.
    #[inline]
    pub(crate) fn state(&mut self) -> &mut State<T, X, F> {
        // SAFETY: we hold the lock, so the state is ours alone until we release it.
        unsafe { &mut *self.core.state.get() }
    }
}

impl<T: ?Sized, X, F: Flavor> Drop for BareGuard<'_, T, X, F> {
    #[inline]
    fn drop(&mut self) {
        let pushed = self.core.lock.unlock_or_take();
        if !pushed.is_null() {
            self.finish(pushed.cast());
        }
    }
}

impl<T: ?Sized, X, F: Flavor> BareGuard<'_, T, X, F> {
    /// Does the work of the nodes pushed while we held the lock (which we still hold), with a
    /// full guard, which then releases the lock and empties its bin.
    #[cold]
    fn finish(&self, pushed: *mut Node<F>) {
        let mut guard = Guard {
            core: self.core.this,
            bin: ManuallyDrop::new(Bin::new()),
            refs: 0,
            _lock: PhantomData,
        };
        guard.drain(pushed);
    }
}

impl<T: ?Sized, X, F: Flavor> Guard<'_, T, X, F> {
    /// Does the work of the nodes pushed onto the lock word (still locked).
    #[cold]
    fn drain(&mut self, mut cursor: *mut Node<F>) {
        // SAFETY: we hold the lock.
        let core = unsafe { self.core.as_ref() };
        // SAFETY: as above.
        let state = unsafe { &mut *core.state.get() };
        while let Some(node) = NonNull::new(cursor) {
            // Read before the node is processed (which may free its slot).
            // SAFETY: a pushed node stays alive until processed.
            cursor = unsafe { node.as_ref() }.queue_link().get();
            state.process(core, node, &mut self.bin, &mut self.refs);
        }
    }

    /// Does the work of `node`, whose death or release found the lock free.
    fn process_one(&mut self, node: NonNull<Node<F>>) {
        // SAFETY: we hold the lock.
        let core = unsafe { self.core.as_ref() };
        // SAFETY: as above.
        let state = unsafe { &mut *core.state.get() };
        state.process(core, node, &mut self.bin, &mut self.refs);
    }

    /// Empties the bin and releases the references, after the lock was released.
    #[cold]
    fn empty_bin(&mut self) {
        /// Releases the references even if a destructor in the bin panics.
        struct Release<T: ?Sized, X, F: Flavor>(NonNull<Core<T, X, F>>, usize);
        impl<T: ?Sized, X, F: Flavor> Drop for Release<T, X, F> {
            fn drop(&mut self) {
                for _ in 0..self.1 {
                    // SAFETY: each is a reference a retired node held, handed to us.
                    unsafe { Core::release(self.0) };
                }
            }
        }
        let _release = Release(self.core, mem::take(&mut self.refs));
        // SAFETY: the bin is dropped once, here (the guard is being dropped).
        drop(unsafe { ManuallyDrop::take(&mut self.bin) });
    }
}

impl<T: ?Sized, X, F: Flavor> Core<T, X, F> {
    /// What the collection's slab nodes do: both go through the lock word.
    const VTABLE: NodeVTable<F> = NodeVTable {
        call: Self::deliver,
        release: Self::deliver,
    };

    /// Takes the lock, waiting for it if held (or panicking in the single-threaded flavor).
    #[inline]
    pub(crate) fn lock(&self) -> Guard<'_, T, X, F> {
        self.lock.lock();
        Guard {
            core: self.this,
            bin: ManuallyDrop::new(Bin::new()),
            refs: 0,
            _lock: PhantomData,
        }
    }

    /// Takes the lock for a destructor's cleanup (ending a reservation): as
    /// [`lock`](Self::lock), except while the thread panics in the single-threaded flavor with
    /// the lock held further up its stack (user code under the lock used the collection, and
    /// panicked for it): then `None`, as a second panic would abort, and the cleanup is skipped.
    pub(crate) fn lock_for_cleanup(&self) -> Option<Guard<'_, T, X, F>> {
        if F::TableLock::CONCURRENT || !std::thread::panicking() {
            return Some(self.lock());
        }
        self.lock.try_lock().then(|| Guard {
            core: self.this,
            bin: ManuallyDrop::new(Bin::new()),
            refs: 0,
            _lock: PhantomData,
        })
    }

    /// Takes the lock for a section that takes nothing out, as [`lock`](Self::lock) does.
    #[inline]
    pub(crate) fn lock_bare(&self) -> BareGuard<'_, T, X, F> {
        self.lock.lock();
        BareGuard { core: self }
    }

    /// A death's or a last handle's message: done now if the lock is free, else by the holder.
    ///
    /// # Safety
    ///
    /// `node` is a slab node of a table of this type, whose death lent us the entry's handle
    /// (`call`) or whose last handle was released (`release`).
    unsafe fn deliver(node: NonNull<Node<F>>) {
        let mask = Geometry::<T, X, F>::BYTES - 1;
        // SAFETY: the node is in one of our chunks, which starts with its header.
        let header = unsafe {
            &*node
                .as_ptr()
                .map_addr(|addr| addr & !mask)
                .cast::<SlabHeader<F>>()
        };
        let core = header.table.cast::<Self>();
        // SAFETY: the table outlives its nodes: an indexed node's collection cannot be dropped
        // without the lock (whose holder will process us), and a detached one holds a reference.
        let this = unsafe { core.as_ref() };
        let link = |below: *mut ()| {
            // SAFETY: the node is alive (as above), and its list link is ours until processed:
            // it is unlinked from its object's list.
            unsafe { node.as_ref() }.queue_link().set(below.cast());
        };
        if this.lock.lock_or_push(node.as_ptr().cast(), link) {
            let mut guard = Guard {
                core,
                bin: ManuallyDrop::new(Bin::new()),
                refs: 0,
                _lock: PhantomData,
            };
            guard.process_one(node);
            // The guard drops here: unlocks (after other pushed work), then empties the bin
            // and releases the references, which may free the table.
        }
    }

    /// Releases a reference to the table at `this`, freeing it if it was the last.
    ///
    /// # Safety
    ///
    /// The caller holds the reference, and uses nothing of the table after.
    pub(crate) unsafe fn release(this: NonNull<Self>) {
        // SAFETY: our reference keeps the table alive until the decrement.
        if unsafe { this.as_ref() }.refs.decrement() {
            // SAFETY: that was the last reference: nothing reaches the table any more.
            unsafe { (this.as_ref().free)(this) };
        }
    }

    /// Takes another reference to the table (the caller holds one).
    fn retain(&self) -> NonNull<Self> {
        self.refs.increment();
        self.this
    }
}

impl<T: ?Sized, X, S, F: Flavor> TableRef<T, X, S, F> {
    /// A new table with one reference (the collection's), room for `capacity` entries.
    pub(crate) fn new(capacity: usize, hasher: S) -> Self {
        let table = Box::new(Table {
            core: Core {
                this: NonNull::dangling(),
                refs: F::Count::new(1),
                lock: F::TableLock::new(),
                state: UnsafeCell::new(State {
                    index: HashTable::with_capacity(capacity),
                    slab: Slab::new(),
                    iterators: 0,
                    epoch: 0,
                    limbo: Vec::new(),
                    reservations: Vec::new(),
                    waiters: Vec::new(),
                }),
                free: Table::<T, X, S, F>::free,
            },
            hasher,
        });
        let table = NonNull::from(Box::leak(table));
        // SAFETY: the table is ours alone until we return; `core` is its first field
        // (`repr(C)`), and the pointer has the whole allocation's provenance.
        unsafe { (*table.as_ptr()).core.this = table.cast() };
        TableRef(table)
    }
}

impl<T: ?Sized, X, S, F: Flavor> Table<T, X, S, F> {
    /// The lock, the state and the count.
    #[inline]
    pub(crate) fn core(&self) -> &Core<T, X, F> {
        &self.core
    }

    /// A weak handle to each entry whose object is alive, taken under the lock: what
    /// `WeakSet::weakrefs` and `WeakKeyDictionary::keyrefs` return.
    pub(crate) fn live_handles(&self) -> Vec<RawWeak<T, F>> {
        // Declared before the guard, as everything taken under the lock.
        let mut refs = Vec::new();
        let mut guard = self.core().lock();
        let state = guard.state();
        refs.reserve_exact(state.len());
        refs.extend(
            state
                .slots()
                .filter(|&slot| slot.is_alive())
                .map(|slot| slot.handle()),
        );
        drop(guard);
        refs
    }

    /// Frees the table.
    ///
    /// # Safety
    ///
    /// `core` starts a `Table<T, X, S, F>` made by `new`, and its last reference is gone.
    unsafe fn free(core: NonNull<Core<T, X, F>>) {
        // SAFETY: `Table` is `repr(C)` with its core first; it came from `Box::new`.
        let mut table = unsafe { Box::from_raw(core.cast::<Self>().as_ptr()) };
        let state = table.core.state.get_mut();
        debug_assert!(state.index.is_empty() && state.iterators == 0);
        // SAFETY: with no reference left, no node is alive: every entry was removed when the
        // collection was dropped, every detached node released its reference, every iterator
        // closed (retiring what it kept).
        unsafe { state.slab.free_chunks() };
        drop(table);
    }
}

/// A counted reference to a table: what a collection holds.
pub(crate) struct TableRef<T: ?Sized, X, S, F: Flavor>(NonNull<Table<T, X, S, F>>);

impl<T: ?Sized, X, S, F: Flavor> core::ops::Deref for TableRef<T, X, S, F> {
    type Target = Table<T, X, S, F>;

    #[inline]
    fn deref(&self) -> &Table<T, X, S, F> {
        // SAFETY: our reference keeps the table alive.
        unsafe { self.0.as_ref() }
    }
}

impl<T: ?Sized, X, S, F: Flavor> TableRef<T, X, S, F> {
    /// Removes every entry (as the collection is dropped, or cleared): their parts go to the
    /// bin, dropped after the lock.
    pub(crate) fn clear(&self) {
        let mut guard = self.core().lock();
        let (state, bin, core) = guard.parts();
        state.clear(core, bin);
    }

    /// Whether both are references to one table.
    pub(crate) fn ptr_eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    /// A reference to the core, for an iterator.
    pub(crate) fn core_ref(&self) -> CoreRef<T, X, F> {
        CoreRef(self.core().retain())
    }
}

impl<T: ?Sized, X, S, F: Flavor> Drop for TableRef<T, X, S, F> {
    fn drop(&mut self) {
        self.clear();
        // SAFETY: our reference, given up; nothing of the table is used after. `core` is the
        // table's first field (`repr(C)`).
        unsafe { Core::<T, X, F>::release(self.0.cast()) };
    }
}

/// A counted reference to a table's core: what an iterator holds.
pub(crate) struct CoreRef<T: ?Sized, X, F: Flavor>(NonNull<Core<T, X, F>>);

impl<T: ?Sized, X, F: Flavor> core::ops::Deref for CoreRef<T, X, F> {
    type Target = Core<T, X, F>;

    #[inline]
    fn deref(&self) -> &Core<T, X, F> {
        // SAFETY: our reference keeps the table alive.
        unsafe { self.0.as_ref() }
    }
}

impl<T: ?Sized, X, F: Flavor> Drop for CoreRef<T, X, F> {
    fn drop(&mut self) {
        // SAFETY: our reference, given up.
        unsafe { Core::release(self.0) };
    }
}
