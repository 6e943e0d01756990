//! The flavor-generic core: objects, weak-reference nodes and the death protocol.
//!
//! The public types of the crate root and of [`unsync`](crate::unsync) are thin wrappers
//! around [`RawObj`] and [`RawWeak`] with their [`Flavor`](crate::flavor::Flavor) fixed.
//!
//! # Memory layout
//!
//! An object is one allocation, [`ObjInner`]: a three-word [`Header`] (strong count, weak
//! count, weaklist slot) followed by the value. The slot stays null until the first weak
//! reference is made. Each weak reference is one [`Node`] allocation with its callback stored
//! inline; the nodes of an object form an intrusive doubly-linked list headed by the slot, in
//! CPython's order: the shared callback-less reference first, the shared callback-less proxy
//! right after it, then the others (references and proxies with callbacks), newest first.
//!
//! # Counts
//!
//! * `strong`: the `Obj` handles. When it reaches zero the object is dead for good (an upgrade
//!   never raises it from zero), and [`death::die`] runs.
//! * `weak`: one per node, plus one held by the strong handles collectively until the value
//!   is dropped. The header is freed when it reaches zero.
//! * a node's `handles`: the `WeakRef` handles to it. At zero the node is unlinked and freed.

pub(crate) mod death;
mod node;
mod obj;

pub(crate) use node::{Kind, RawWeak, weakref_count, weakrefs};
pub(crate) use obj::RawObj;
