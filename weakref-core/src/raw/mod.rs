//! The flavor-generic core: objects, weak-reference nodes and the death protocol.
//!
//! The public types (`Obj`, `WeakRef`, `WeakProxy`) are thin wrappers around [`RawObj`] and
//! [`RawWeak`].
//!
//! # Memory layout
//!
//! An object is one allocation, [`ObjInner`]: a three-word header (strong count, weak count,
//! weaklist slot) followed by the value. The slot stays null until the first weak reference
//! is made. Each weak reference is one node allocation with its callback stored inline; the
//! nodes of an object form an intrusive doubly-linked list headed by the slot, in CPython's
//! order: the shared callback-less reference first, the shared callback-less proxy right after
//! it, then the others (references and proxies with callbacks), newest first.
//!
//! The list part of a node does not depend on the object's type, so nodes made through
//! different views of one object (`Obj<T>` and the `Obj<dyn Trait>` coerced from it) share one
//! list; each node keeps the object pointer of the view it was made through, after the list
//! part, and each handle carries its own view.
//!
//! # Counts
//!
//! * `strong`: the `Obj` handles. When it reaches zero the object is dead for good (an upgrade
//!   never raises it from zero), and [`death::begin`] runs.
//! * `weak`: one per node, plus one held by the strong handles collectively until the value
//!   is dropped. The header is freed when it reaches zero.
//! * a node's `handles`: the `WeakRef` handles to it. At zero the node is unlinked and freed.

pub(crate) mod death;
mod node;
mod obj;

pub use node::Node;
pub(crate) use node::{
    Kind, NodeHead, NodeVTable, RawWeak, SlabHeader, slab_disown, slab_handle, slab_link,
    slab_release_handle, slab_release_lent_handle, weakref_count, weakrefs,
};
pub use obj::ObjInner;
pub(crate) use obj::RawObj;
