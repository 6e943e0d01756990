//! The generics of the proxy wrapper: the proxied type's own, plus the wrapped proxy `P`.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{GenericArgument, GenericParam, Generics, Ident, Type, TypeParam};

/// An identifier for the wrapped proxy's type parameter that none of `taken` uses: `P`, or
/// `P_`, `P__`, ... when the user's generics already have a `P`.
pub(crate) fn fresh_param<'a>(taken: impl IntoIterator<Item = &'a Ident> + Clone) -> Ident {
    let mut name = String::from("P");
    while taken.clone().into_iter().any(|ident| *ident == name) {
        name.push('_');
    }
    Ident::new(&name, Span::call_site())
}

/// The identifiers of the type and const parameters in `generics`.
pub(crate) fn param_idents(generics: &Generics) -> impl Iterator<Item = &Ident> + Clone {
    generics.params.iter().filter_map(|param| match param {
        GenericParam::Type(param) => Some(&param.ident),
        GenericParam::Const(param) => Some(&param.ident),
        GenericParam::Lifetime(_) => None,
    })
}

/// `generics` with the type parameter `param` inserted after the lifetimes, where Rust wants
/// type parameters to start, and before any parameter with a default, which must come last.
pub(crate) fn insert_after_lifetimes(generics: &Generics, param: TypeParam) -> Generics {
    let mut params = Punctuated::new();
    let mut inserted = false;
    for existing in &generics.params {
        if !inserted && !matches!(existing, GenericParam::Lifetime(_)) {
            params.push(GenericParam::Type(param.clone()));
            inserted = true;
        }
        params.push(existing.clone());
    }
    if !inserted {
        params.push(GenericParam::Type(param));
    }
    Generics {
        lt_token: Some(Default::default()),
        params,
        gt_token: Some(Default::default()),
        where_clause: generics.where_clause.clone(),
    }
}

/// Generic arguments (as written on a type path) with `ty` inserted after the lifetimes,
/// mirroring [`insert_after_lifetimes`].
pub(crate) fn insert_arg_after_lifetimes<'a>(
    args: impl IntoIterator<Item = &'a GenericArgument>,
    ty: Type,
) -> Punctuated<GenericArgument, syn::Token![,]> {
    let mut out = Punctuated::new();
    let mut inserted = false;
    for arg in args {
        if !inserted && !matches!(arg, GenericArgument::Lifetime(_)) {
            out.push(GenericArgument::Type(ty.clone()));
            inserted = true;
        }
        out.push(arg.clone());
    }
    if !inserted {
        out.push(GenericArgument::Type(ty));
    }
    out
}

/// Whether `generics` has type or const parameters (lifetimes do not count).
pub(crate) fn has_type_or_const_params(generics: &Generics) -> bool {
    param_idents(generics).next().is_some()
}
