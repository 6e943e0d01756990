//! What the derive emits when the input has mistakes.
//!
//! Besides the errors, the derive still implements the trait and, for a type that asked for one
//! with `proxy` (even with a malformed name, then called `{Type}Proxy`), defines the proxy
//! wrapper: without them, every use of the type as `Weakrefable`, and every `#[forward]` impl
//! of it, would raise a follow-up error that hides the real one. The fallback leaves out only the
//! field accessors, which depend on the fields, the part of the input most likely to be
//! wrong.

use proc_macro2::TokenStream;

use crate::ast::Container;
use crate::expand::{self, Accessors};

/// `compile_error!` invocations for every error in `errors`, followed by the trait impl and
/// the proxy wrapper (if the type asked for one) without accessors.
pub(crate) fn expand(container: &Container<'_>, errors: &syn::Error) -> TokenStream {
    let mut tokens = errors.to_compile_error();
    tokens.extend(expand::expand(container, Accessors::Omit));
    tokens
}
