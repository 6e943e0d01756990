//! The derive input, checked and reduced to what the expansion needs.
//!
//! The model borrows the user's tokens (the type's name, generics and fields) instead of
//! copying them, so code generated from it and errors about it point at the user's own source.

use syn::{Data, DeriveInput, Fields, Generics, Ident, Member, Visibility};

use crate::attr;
use crate::ctxt::Ctxt;

/// A struct or enum that derives `Weakrefable`.
pub(crate) struct Container<'a> {
    /// The type's name.
    pub(crate) ident: &'a Ident,
    /// The type's visibility, which the proxy wrapper shares.
    pub(crate) vis: &'a Visibility,
    /// The type's generic parameters and where clause, exactly as declared.
    pub(crate) generics: &'a Generics,
    /// The options given by `#[weakref(...)]` on the type.
    pub(crate) attrs: attr::Container,
    /// The fields that get an accessor on the proxy wrapper: a struct's fields that are at
    /// least as visible as the struct itself, minus those marked `#[weakref(skip)]`. Enums and
    /// unions have none (which variant is live is unknown), nor has a type without a wrapper.
    pub(crate) fields: Vec<Field<'a>>,
}

/// A field of a struct, with the accessor the proxy wrapper gets for it.
pub(crate) struct Field<'a> {
    /// The field as the user wrote it (its visibility and type are reused).
    pub(crate) original: &'a syn::Field,
    /// How to reach it: `name` or `0`.
    pub(crate) member: Member,
    /// The accessor's name: the field's name, or `_0`, `_1`, ... for a tuple struct.
    pub(crate) accessor: Ident,
}

impl<'a> Container<'a> {
    /// Builds the model, recording in `cx` every reason the input cannot derive
    /// `Weakrefable`.
    ///
    /// The model is returned even when errors were recorded, so that the fallback expansion
    /// can still name the type and its trait.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = attr::Container::from_ast(cx, &input.attrs);

        let fields = match &input.data {
            Data::Struct(data) => {
                let wrapper = attrs.proxy_ident(&input.ident).is_some();
                struct_fields(cx, &input.ident, &input.vis, &data.fields, wrapper)
            }
            Data::Enum(data) => {
                for variant in &data.variants {
                    attr::reject_misplaced(cx, &variant.attrs, "enum variants");
                    for field in &variant.fields {
                        attr::reject_misplaced(cx, &field.attrs, "the fields of enum variants");
                    }
                }
                Vec::new()
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Weakrefable)]` does not support unions: a union's active field \
                     is unknown, so generated code could not safely read it; \
                     only structs and enums are supported",
                );
                Vec::new()
            }
        };

        Container {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            attrs,
            fields,
        }
    }
}

/// The fields of the struct `ident` that get an accessor, reading their `#[weakref(skip)]`;
/// none if the struct has no proxy wrapper (`wrapper`), where a `skip` is an error.
///
/// A field gets one when it is visible wherever the wrapper is, that is, at least as visible
/// as the struct (`vis`). The accessor then has the field's visibility, so it is usable exactly
/// where the field is. A less visible field, typically a private field of a public type, is
/// usually read through a getter of the same name, which `#[forward]` forwards; an accessor
/// would clash with it.
fn struct_fields<'a>(
    cx: &Ctxt,
    ident: &Ident,
    vis: &Visibility,
    fields: &'a Fields,
    wrapper: bool,
) -> Vec<Field<'a>> {
    let mut accessors = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let skip = attr::member_skip(cx, &field.attrs, "a field");
        if let (Some(skip), false) = (&skip, wrapper) {
            cx.error_spanned_by(
                skip,
                format_args!(
                    "`skip` leaves a field's accessor out of the proxy wrapper, but `{ident}` \
                     has none: add `#[weakref(proxy)]` to `{ident}` to generate it, or remove \
                     `#[weakref(skip)]`"
                ),
            );
        }
        if !wrapper || skip.is_some() || reach(&field.vis) < reach(vis) {
            continue;
        }
        let (member, accessor) = match &field.ident {
            Some(ident) => (Member::Named(ident.clone()), ident.clone()),
            None => {
                let span = syn::spanned::Spanned::span(&field.ty);
                let member = Member::Unnamed(syn::Index {
                    index: index as u32,
                    span,
                });
                (member, Ident::new(&format!("_{index}"), span))
            }
        };
        accessors.push(Field {
            original: field,
            member,
            accessor,
        });
    }
    accessors
}

/// How far a visibility reaches, for comparing a field's with its struct's: everywhere,
/// the crate, some module (`pub(super)`, `pub(in path)`), or this module only.
///
/// Two restricted visibilities count as equal: telling whether `pub(in a::b)` reaches as far
/// as `pub(super)` needs the module tree, which a derive cannot see. That is harmless, since the
/// accessor always has the field's own visibility.
fn reach(vis: &Visibility) -> u8 {
    match vis {
        Visibility::Public(_) => 3,
        Visibility::Restricted(restricted) if restricted.path.is_ident("crate") => 2,
        Visibility::Restricted(restricted) if restricted.path.is_ident("self") => 0,
        Visibility::Restricted(_) => 1,
        Visibility::Inherited => 0,
    }
}
