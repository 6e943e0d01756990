//! `#[derive(Weakrefable)]`, the derive macro of `weakref_core`.
//!
//! Python only lets you weakly reference objects whose type reserves a `__weakref__` slot;
//! `weakref_core` does the same at compile time with its marker trait `Weakrefable`. This crate
//! implements that trait for a struct or enum. Use it through `weakref_core`, which re-exports
//! the derive under the same name as the trait:
//!
//! ```
//! use weakref_core::Weakrefable;
//!
//! #[derive(Weakrefable)]
//! struct Node {
//!     name: String,
//! }
//! # fn assert_weakrefable<T: Weakrefable>() {}
//! # assert_weakrefable::<Node>();
//! ```
//!
//! # What it generates
//!
//! One empty impl, with the type's generics and where clause unchanged and no added bounds
//! (the trait has no items, so no field has to satisfy anything):
//!
//! ```text
//! #[doc(hidden)]
//! #[allow(non_upper_case_globals, unused_attributes, unused_qualifications)]
//! const _: () = {
//!     #[automatically_derived]
//!     impl<'a, T: Clone> ::weakref_core::Weakrefable for Node<'a, T> where T: Default {}
//! };
//! ```
//!
//! Structs of every shape (named, tuple, unit) and enums are supported, with lifetime, type and
//! const parameters. Unions are rejected: a union's active field is unknown, so generated code
//! could not safely read it.
//!
//! # The `#[weakref(...)]` attribute
//!
//! On the struct or enum itself, `#[weakref(...)]` takes these keys:
//!
//! - `crate = "path"`: the path under which `weakref_core` is reachable, for code that
//!   re-exports it or renames the dependency. The impl then names `path::Weakrefable` instead
//!   of `::weakref_core::Weakrefable`.
//!
//! ```
//! mod support {
//!     pub use weakref_core as weakref;
//! }
//!
//! #[derive(weakref_core::Weakrefable)]
//! #[weakref(crate = "support::weakref")]
//! struct Handle(u32);
//! # fn assert_weakrefable<T: support::weakref::Weakrefable>() {}
//! # assert_weakrefable::<Handle>();
//! ```
//!
//! `#[weakref]` on fields or enum variants is not supported yet and is an error, as are unknown
//! keys and keys given twice.
//!
//! # Errors
//!
//! Every mistake in the input is reported in the same compilation, each pointing at the
//! offending tokens. The trait is still implemented alongside the errors, so they are not
//! followed by "the trait `Weakrefable` is not implemented" errors wherever the type is used.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `weakref_core::Weakrefable` for a struct or enum, allowing weak references to
/// its objects.
///
/// Works on named, tuple and unit structs and on enums, generic or not; the impl keeps the
/// type's bounds and where clause and adds none.
///
/// ```
/// use weakref_core::Weakrefable;
///
/// #[derive(Weakrefable)]
/// struct Point {
///     x: f64,
///     y: f64,
/// }
///
/// #[derive(Weakrefable)]
/// enum Tree<'a, T: Clone, const N: usize>
/// where
///     T: Default,
/// {
///     Leaf(T),
///     Branch([&'a Tree<'a, T, N>; N]),
/// }
///
/// fn assert_weakrefable<T: ?Sized + Weakrefable>() {}
/// assert_weakrefable::<Point>();
/// assert_weakrefable::<Tree<'static, String, 2>>();
/// ```
///
/// The container attribute `#[weakref(crate = "path")]` names the path under which
/// `weakref_core` is reachable, when it is not `::weakref_core`:
///
/// ```
/// mod support {
///     pub use weakref_core as weakref;
/// }
///
/// #[derive(support::weakref::Weakrefable)]
/// #[weakref(crate = "support::weakref")]
/// struct Handle(u32);
/// ```
///
/// Unions cannot derive it, because their active field is unknown:
///
/// ```compile_fail
/// use weakref_core::Weakrefable;
///
/// #[derive(Weakrefable)]
/// union Bits {
///     int: u32,
///     float: f32,
/// }
/// ```
#[proc_macro_derive(Weakrefable, attributes(weakref))]
pub fn derive_weakrefable(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
