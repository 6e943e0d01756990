//! Writes the tokens of `#[derive(Weakrefable)]`: the trait impl and the proxy wrapper.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Generics, Ident, Path, Type, TypeParam, WherePredicate, parse_quote};

use crate::ast::Container;
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::generics;
use crate::replace_self::ReplaceSelf;

/// Expands `#[derive(Weakrefable)]` on `input`: the trait impl and the proxy wrapper, or, if the
/// input has mistakes, every one of them as `compile_error!` together with the fallback.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input);
    match cx.check() {
        Ok(()) => expand(&container, Accessors::Generate),
        Err(errors) => fallback::expand(&container, &errors),
    }
}

/// Whether the wrapper gets its field accessors; the fallback leaves them out, since the
/// fields may be what was wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accessors {
    Generate,
    Omit,
}

/// The trait impls and, if the type asked for one (`#[weakref(proxy)]`), the proxy wrapper with
/// its impls.
///
/// Everything but the wrapper struct itself goes in an anonymous `const`, so that it adds no
/// names to the user's module.
pub(crate) fn expand(container: &Container<'_>, accessors: Accessors) -> TokenStream {
    let krate = container.attrs.krate();
    let param = generics::fresh_param(generics::param_idents(container.generics));
    let wrapper = container
        .attrs
        .proxy_ident(container.ident)
        .map(|ident| Wrapper::new(container, &krate, ident, param.clone()));

    let weakrefable = impl_weakrefable(container, &krate, &param, wrapper.as_ref());
    let (definition, impls) = match &wrapper {
        Some(wrapper) => (
            wrapper.definition(container),
            wrapper.impls(container, accessors),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    quote! {
        #definition

        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_attributes, unused_qualifications)]
        const _: () = {
            #weakrefable
            #impls
        };
    }
}

/// The `Weakrefable` impl, the `Proxied` impl that names the proxy wrapper (or the bare
/// proxy, without `#[weakref(proxy)]`), and with a wrapper the marker that `#[forward]` checks.
///
/// The impls carry the type's own generics and where clause and nothing more: the traits have
/// no methods, so no field needs to satisfy any bound.
fn impl_weakrefable(
    container: &Container<'_>,
    krate: &Path,
    param: &Ident,
    wrapper: Option<&Wrapper>,
) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let proxy = match wrapper {
        Some(wrapper) => {
            let wrapper_ident = &wrapper.ident;
            let (_, wrapper_ty_generics, _) = wrapper.generics.split_for_impl();
            quote!(#wrapper_ident #wrapper_ty_generics)
        }
        None => quote!(#param),
    };
    let wrapped = wrapper.map(|_| {
        quote! {
            #[automatically_derived]
            impl #impl_generics #krate::__private::ProxyWrapper for #ident #ty_generics
            #where_clause
            {
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Weakrefable for #ident #ty_generics #where_clause {}

        #[automatically_derived]
        impl #impl_generics #krate::Proxied for #ident #ty_generics #where_clause {
            type Proxy<#param: #krate::ProxyAccess<Target = Self>> = #proxy;
        }

        #wrapped
    }
}

/// The proxy wrapper of one type: `CounterProxy<P>` for `Counter`.
struct Wrapper {
    ident: Ident,
    /// The wrapped proxy's type parameter, `P`.
    param: Ident,
    /// The wrapper's generics: the type's, with `P` after the lifetimes, and a default for
    /// `P` when the type has no type or const parameters (which it could not refer to).
    generics: Generics,
    /// The proxied type, as `Counter<'a, T, N>`.
    proxied: Type,
    krate: Path,
}

impl Wrapper {
    fn new(container: &Container<'_>, krate: &Path, ident: Ident, param: Ident) -> Self {
        let type_ident = container.ident;
        let (_, ty_generics, _) = container.generics.split_for_impl();
        let proxied: Type = parse_quote!(#type_ident #ty_generics);
        let mut type_param = TypeParam::from(param.clone());
        if !generics::has_type_or_const_params(container.generics) {
            type_param.eq_token = Some(Default::default());
            type_param.default = Some(parse_quote!(#krate::WeakProxy<#proxied>));
        }
        Wrapper {
            ident,
            generics: generics::insert_after_lifetimes(container.generics, type_param),
            param,
            proxied,
            krate: krate.clone(),
        }
    }

    /// The struct, with the visibility of the proxied type.
    fn definition(&self, container: &Container<'_>) -> TokenStream {
        let Wrapper {
            ident,
            param,
            generics,
            proxied,
            ..
        } = self;
        let vis = container.vis;
        let where_clause = &generics.where_clause;
        let doc = format!(
            "A weak proxy to a `{type_ident}`, generated by `#[derive(Weakrefable)]`: what \
             `proxy` returns for it.\n\n\
             It derefs to the proxy it wraps, `{param}` (a `WeakProxy<{type_ident}>` of \
             either flavor), and adds an accessor for each field of `{type_ident}` that is as \
             visible as the type, plus the methods of its `#[forward]` impl blocks; each \
             returns `Err(ReferenceError)` once the object has died.",
            type_ident = container.ident,
        );
        quote! {
            #[doc = #doc]
            #[repr(transparent)]
            #[allow(dead_code)]
            #vis struct #ident #generics (#param, ::core::marker::PhantomData<#proxied>)
            #where_clause;
        }
    }

    /// The conversion and formatting impls, and the field accessors.
    fn impls(&self, container: &Container<'_>, accessors: Accessors) -> TokenStream {
        let Wrapper {
            ident,
            param,
            generics,
            ..
        } = self;
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let clone = with_predicate(generics, parse_quote!(#param: ::core::clone::Clone));
        let (clone_impl_generics, _, clone_where_clause) = clone.split_for_impl();
        let debug = with_predicate(generics, parse_quote!(#param: ::core::fmt::Debug));
        let (debug_impl_generics, _, debug_where_clause) = debug.split_for_impl();
        let accessors = match accessors {
            Accessors::Generate => self.accessors(container),
            Accessors::Omit => TokenStream::new(),
        };
        quote! {
            #[automatically_derived]
            impl #impl_generics ::core::convert::From<#param> for #ident #ty_generics
            #where_clause
            {
                #[inline]
                fn from(proxy: #param) -> Self {
                    #ident(proxy, ::core::marker::PhantomData)
                }
            }

            #[automatically_derived]
            impl #impl_generics ::core::ops::Deref for #ident #ty_generics #where_clause {
                type Target = #param;

                #[inline]
                fn deref(&self) -> &#param {
                    &self.0
                }
            }

            #[automatically_derived]
            impl #impl_generics ::core::convert::AsRef<#param> for #ident #ty_generics
            #where_clause
            {
                #[inline]
                fn as_ref(&self) -> &#param {
                    &self.0
                }
            }

            #[automatically_derived]
            impl #impl_generics ::core::borrow::Borrow<#param> for #ident #ty_generics
            #where_clause
            {
                #[inline]
                fn borrow(&self) -> &#param {
                    &self.0
                }
            }

            #[automatically_derived]
            impl #clone_impl_generics ::core::clone::Clone for #ident #ty_generics
            #clone_where_clause
            {
                #[inline]
                fn clone(&self) -> Self {
                    #ident(::core::clone::Clone::clone(&self.0), ::core::marker::PhantomData)
                }
            }

            #[automatically_derived]
            impl #debug_impl_generics ::core::fmt::Debug for #ident #ty_generics
            #debug_where_clause
            {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::fmt::Debug::fmt(&self.0, f)
                }
            }

            #accessors
        }
    }

    /// An accessor per field, with the field's visibility: a guard lending the field, or
    /// `Err(ReferenceError)`.
    ///
    /// The projection closure's parameter is typed, so rustc need not deduce the closure's
    /// signature from `map`'s (see "Compile cost of the derive" in `benches/README.md`).
    fn accessors(&self, container: &Container<'_>) -> TokenStream {
        if container.fields.is_empty() {
            return TokenStream::new();
        }
        let Wrapper {
            ident,
            param,
            generics,
            proxied,
            krate,
        } = self;
        let bounded = with_predicate(
            generics,
            parse_quote!(#param: #krate::ProxyAccess<Target = #proxied>),
        );
        let (impl_generics, ty_generics, where_clause) = bounded.split_for_impl();
        let mut replace_self = ReplaceSelf::new(proxied);
        let accessors = container.fields.iter().map(|field| {
            let vis = &field.original.vis;
            let accessor = &field.accessor;
            let member = &field.member;
            let ty = replace_self.type_(&field.original.ty);
            let name = match &field.original.ident {
                Some(name) => format!("`{name}` field"),
                None => format!("field `{}`", quote!(#member)),
            };
            let doc = format!(
                "Lends the {name} of the `{type_ident}`, through a guard that holds a strong \
                 handle while it lives; `Err(ReferenceError)` if the object has died.",
                type_ident = container.ident,
            );
            quote! {
                #[doc = #doc]
                #[inline]
                #vis fn #accessor(&self) -> ::core::result::Result<
                    #krate::FieldRef<<#param as #krate::ProxyAccess>::Strong, #ty>,
                    #krate::ReferenceError,
                > {
                    #krate::ProxyAccess::map(&self.0, |this: &#proxied| &this.#member)
                }
            }
        });
        quote! {
            #[allow(dead_code)]
            impl #impl_generics #ident #ty_generics #where_clause {
                #(#accessors)*
            }
        }
    }
}

/// `generics` with `predicate` added to its where clause.
fn with_predicate(generics: &Generics, predicate: WherePredicate) -> Generics {
    let mut generics = generics.clone();
    generics.make_where_clause().predicates.push(predicate);
    generics
}
