//! Writes the forwarding methods of `#[forward]`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{
    GenericArgument, GenericParam, Generics, Ident, PathArguments, ReturnType, Type, TypeParam,
    WherePredicate, parse_quote,
};

use super::ast::{Impl, Method, Shape, argument_ident, typed_inputs};
use crate::generics;
use crate::replace_self::ReplaceSelf;

/// The inherent impl on the proxy wrapper with a forwarder for each method of `model`.
pub(crate) fn forwarders(model: &Impl<'_>) -> TokenStream {
    if model.methods.is_empty() {
        return TokenStream::new();
    }
    let item = model.item;
    let krate = &model.krate;
    let self_ty = &*item.self_ty;
    let param = fresh_param(model);
    let mut replace_self = ReplaceSelf::new(self_ty);

    let mut impl_generics =
        generics::insert_after_lifetimes(&item.generics, TypeParam::from(param.clone()));
    replace_self.visit_generics_mut(&mut impl_generics);
    let bound: WherePredicate = parse_quote!(#param: #krate::ProxyAccess<Target = #self_ty>);
    impl_generics.make_where_clause().predicates.push(bound);
    let (impl_generics, _, where_clause) = impl_generics.split_for_impl();

    let param_ty: Type = parse_quote!(#param);
    let mut proxy = model.proxy.clone();
    let args = generics::insert_arg_after_lifetimes(model.args.iter().copied(), param_ty);
    if let Some(last) = proxy.segments.last_mut() {
        last.arguments = PathArguments::AngleBracketed(parse_quote!(<#args>));
    }

    let methods = model
        .methods
        .iter()
        .map(|method| forwarder(model, method, &param, &mut replace_self));
    let check = wrapper_check(model);
    quote! {
        #[allow(dead_code, clippy::needless_lifetimes)]
        impl #impl_generics #proxy #where_clause {
            #(#methods)*
        }

        #check
    }
}

/// For the default wrapper name, a check that the type has a wrapper at all: if it was derived
/// without `#[weakref(proxy)]`, besides rustc's "cannot find type `CounterProxy`" the user
/// reads which attribute to add.
fn wrapper_check(model: &Impl<'_>) -> TokenStream {
    if !model.default_proxy {
        return TokenStream::new();
    }
    let krate = &model.krate;
    let self_ty = &*model.item.self_ty;
    let (impl_generics, _, where_clause) = model.item.generics.split_for_impl();
    quote! {
        #[doc(hidden)]
        #[allow(
            dead_code,
            clippy::extra_unused_lifetimes,
            clippy::extra_unused_type_parameters,
            clippy::multiple_bound_locations
        )]
        const _: () = {
            // The argument gives the function the bounds the type implies (`T: 'a`).
            fn has_proxy_wrapper #impl_generics (_: &#self_ty) #where_clause {
                #krate::__private::assert_proxy_wrapper::<#self_ty>();
            }
        };
    }
}

/// A type parameter name for the wrapped proxy that neither the impl nor a method uses.
fn fresh_param(model: &Impl<'_>) -> Ident {
    let mut taken: Vec<&Ident> = generics::param_idents(&model.item.generics).collect();
    for method in &model.methods {
        taken.extend(generics::param_idents(&method.original.sig.generics));
    }
    generics::fresh_param(taken.iter().copied())
}

/// One forwarder: the method's signature on the wrapper, returning `Result<_, ReferenceError>`.
fn forwarder(
    model: &Impl<'_>,
    method: &Method<'_>,
    param: &Ident,
    replace_self: &mut ReplaceSelf<'_>,
) -> TokenStream {
    let krate = &model.krate;
    let self_ty = &*model.item.self_ty;
    let original = method.original;
    let sig = &original.sig;
    let vis = &original.vis;
    let name = &sig.ident;
    let type_name = self_ty.to_token_stream().to_string().replace(' ', "");

    let mut generics = sig.generics.clone();
    replace_self.visit_generics_mut(&mut generics);
    let (_, _, where_clause) = generics.split_for_impl();
    let params = &generics.params;
    let params = if params.is_empty() {
        TokenStream::new()
    } else {
        quote!(<#params>)
    };

    let inputs: Vec<(Ident, Type)> = typed_inputs(original)
        .enumerate()
        .map(|(index, input)| (argument_ident(index), replace_self.type_(&input.ty)))
        .collect();
    let arg_names = inputs.iter().map(|(ident, _)| ident);
    let arg_decls = inputs.iter().map(|(ident, ty)| quote!(#ident: #ty));
    let turbofish = turbofish(&sig.generics);
    let cfgs = original
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("deprecated"));
    let result = |ok: TokenStream| quote!(::core::result::Result<#ok, #krate::ReferenceError>);
    let access = quote!(<#param as #krate::ProxyAccess>);
    let deref = quote!(::core::ops::Deref::deref(self));
    let intro = format!(
        "Forwards to `{type_name}::{name}` through a temporary strong handle, held for the \
         whole call; `Err(ReferenceError)` if the object has died."
    );

    match &method.shape {
        Shape::Lend(target) => {
            let target = replace_self.type_(target);
            let output = result(quote!(#krate::FieldRef<#access::Strong, #target>));
            let doc = format!(
                "Lends what `{type_name}::{name}` returns, through a guard that holds a strong \
                 handle while it lives; `Err(ReferenceError)` if the object has died."
            );
            quote! {
                #[doc = #doc]
                #(#cfgs)*
                #[inline]
                #vis fn #name #params (&self) -> #output #where_clause {
                    #access::map(#deref, <#self_ty>::#name)
                }
            }
        }
        Shape::Call => {
            let output = match &sig.output {
                ReturnType::Default => quote!(()),
                ReturnType::Type(_, ty) => {
                    let mut ty = replace_self.type_(ty);
                    AddCapture(param).visit_type_mut(&mut ty);
                    ty.to_token_stream()
                }
            };
            let output = result(output);
            let call = quote!(<#self_ty>::#name #turbofish);
            if sig.asyncness.is_some() {
                let doc =
                    format!("{intro} The handle is held until the returned future completes.");
                quote! {
                    #[doc = #doc]
                    #(#cfgs)*
                    #vis async fn #name #params (&self, #(#arg_decls),*) -> #output #where_clause {
                        let strong = #access::get(#deref)?;
                        ::core::result::Result::Ok(
                            #call(::core::ops::Deref::deref(&strong), #(#arg_names),*).await,
                        )
                    }
                }
            } else if sig.unsafety.is_some() {
                let doc = format!(
                    "{intro}\n\n# Safety\n\nThe contract of `{type_name}::{name}`: this \
                     forwarder adds no requirement of its own."
                );
                quote! {
                    #[doc = #doc]
                    #(#cfgs)*
                    #[inline]
                    #[allow(clippy::undocumented_unsafe_blocks)]
                    #vis unsafe fn #name #params (&self, #(#arg_decls),*) -> #output #where_clause {
                        // SAFETY (of the generated block): the forwarder is an `unsafe fn`
                        // with the method's own contract, which its caller upholds.
                        #access::with(#deref, move |this| unsafe {
                            #call(this, #(#arg_names),*)
                        })
                    }
                }
            } else {
                quote! {
                    #[doc = #intro]
                    #(#cfgs)*
                    #[inline]
                    #vis fn #name #params (&self, #(#arg_decls),*) -> #output #where_clause {
                        #access::with(#deref, move |this| #call(this, #(#arg_names),*))
                    }
                }
            }
        }
    }
}

/// `::<T, N>` for the method's type and const parameters (lifetimes are left to inference:
/// late-bound ones cannot be given explicitly), or nothing.
fn turbofish(generics: &Generics) -> TokenStream {
    let args: Punctuated<GenericArgument, syn::Token![,]> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => {
                let ident = &param.ident;
                Some(GenericArgument::Type(parse_quote!(#ident)))
            }
            GenericParam::Const(param) => {
                let ident = &param.ident;
                Some(GenericArgument::Type(parse_quote!(#ident)))
            }
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#args>)
    }
}

/// Adds the wrapped proxy's parameter to every `use<..>` bound in a return type: precise
/// capturing must list every type parameter in scope, and the forwarder has one more.
struct AddCapture<'a>(&'a Ident);

impl VisitMut for AddCapture<'_> {
    fn visit_precise_capture_mut(&mut self, node: &mut syn::PreciseCapture) {
        let ident = self.0;
        node.params.push(syn::CapturedParam::Ident(ident.clone()));
        visit_mut::visit_precise_capture_mut(self, node);
    }
}
