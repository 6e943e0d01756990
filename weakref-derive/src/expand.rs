//! Writes the tokens of `#[derive(Weakrefable)]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ast::Container;
use crate::ctxt::Ctxt;
use crate::fallback;

/// Expands `#[derive(Weakrefable)]` on `input`: the trait impl, or, if the input has mistakes,
/// every one of them as `compile_error!` together with the fallback impl.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input);
    match cx.check() {
        Ok(()) => impl_weakrefable(&container),
        Err(errors) => fallback::expand(&container, &errors),
    }
}

/// The `Weakrefable` impl for the container, wrapped in an anonymous `const` so that it adds
/// no names to the user's module.
///
/// The impl carries the type's own generics and where clause and nothing more: the trait is a
/// marker with no items, so no field needs to satisfy any bound.
pub(crate) fn impl_weakrefable(container: &Container<'_>) -> TokenStream {
    let trait_path = container.attrs.trait_path();
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #trait_path for #ident #ty_generics #where_clause {}
        };
    }
}
