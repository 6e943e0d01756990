//! `#[forward]`: adds a type's `&self` methods to its proxy wrapper.
//!
//! Three stages, as for the derive: [`ast`] reads the `impl` block and checks each method,
//! [`expand`] writes the forwarders, and this module puts the user's block back, without the
//! `#[weakref(...)]` attributes only this macro reads, next to them and to any errors.

mod ast;
mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ImplItem, ItemImpl};

use crate::attr;
use crate::ctxt::Ctxt;
use crate::symbol::WEAKREF;

/// Expands `#[forward(args)]` on `input`.
pub(crate) fn forward(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = attr::Forward::parse(&cx, args);
    let item: ItemImpl = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            cx.error_spanned_by(
                &input,
                "`#[forward]` goes on an inherent impl block, `impl Counter { .. }`, of a type \
                 that derives `Weakrefable`",
            );
            let errors = cx.check().err().map(|errors| errors.to_compile_error());
            return quote!(#errors #input);
        }
    };
    let forwarders = ast::Impl::from_ast(&cx, &attrs, &item)
        .map(|model| expand::forwarders(&model))
        .unwrap_or_default();
    let item = without_our_attributes(item);
    let errors = cx.check().err().map(|errors| errors.to_compile_error());
    quote! {
        #errors
        #item
        #forwarders
    }
}

/// The user's impl block without the `#[weakref(...)]` attributes on its items, which only
/// this macro reads (the compiler would reject them).
fn without_our_attributes(mut item: ItemImpl) -> ItemImpl {
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            ImplItem::Fn(method) => &mut method.attrs,
            ImplItem::Const(item) => &mut item.attrs,
            ImplItem::Type(item) => &mut item.attrs,
            _ => continue,
        };
        attrs.retain(|attr| !WEAKREF.matches(attr.path()));
    }
    item
}
