//! The marker trait that grants a type weak references.

/// Types whose objects may be weakly referenced.
///
/// Python only lets you take a weak reference to objects whose type reserves a `__weakref__`
/// slot: `weakref.ref(5)` raises `TypeError: cannot create weak reference to 'int' object`.
/// This crate does the same at compile time. Every [`Obj`](crate::Obj) carries the slot, but
/// only types that implement `Weakrefable` may use it, so giving an `Obj<i32>` to
/// [`WeakRef::new`](crate::WeakRef::new) is a compile error.
///
/// Implement it with the derive, which works on structs and enums, generic or not:
///
/// ```
/// use weakref_core::{Obj, WeakRef, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Node {
///     name: String,
/// }
///
/// let node = Obj::new(Node { name: "root".into() });
/// let weak = WeakRef::new(&node);
/// assert_eq!(weak.upgrade().unwrap().name, "root");
/// ```
///
/// A type without it cannot be weakly referenced:
///
/// ```compile_fail
/// use weakref_core::{Obj, WeakRef};
///
/// let five = Obj::new(5_i32);
/// let weak = WeakRef::new(&five); // error: cannot create weak reference to 'i32' object
/// ```
///
/// Implementing the trait by hand (`impl Weakrefable for MyType {}`) is equivalent to the
/// derive; the trait has no items and no safety requirements.
#[diagnostic::on_unimplemented(
    message = "cannot create weak reference to '{Self}' object",
    label = "'{Self}' does not support weak references",
    note = "only types that implement `Weakrefable` can be weakly referenced: add `#[derive(Weakrefable)]` to your type's definition, or wrap a foreign type such as `{Self}` in a struct that derives it"
)]
pub trait Weakrefable {}
