//! What the derive emits when the input has mistakes.
//!
//! Besides the errors, the derive still implements the trait: without the impl, every use of
//! the type as `Weakrefable` elsewhere in the crate would raise a follow-up error that hides
//! the real one. The fallback implements only the trait and never depends on the parts of the
//! input that were found to be wrong.

use proc_macro2::TokenStream;

use crate::ast::Container;
use crate::expand;

/// `compile_error!` invocations for every error in `errors`, followed by the trait impl.
pub(crate) fn expand(container: &Container<'_>, errors: &syn::Error) -> TokenStream {
    let mut tokens = errors.to_compile_error();
    tokens.extend(expand::impl_weakrefable(container));
    tokens
}
