//! `#[derive(Weakrefable)]`.
use proc_macro::TokenStream;

/// Derives `weakref_core::Weakrefable`.
#[proc_macro_derive(Weakrefable, attributes(weakref))]
pub fn derive_weakrefable(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
