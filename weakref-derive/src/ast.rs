//! The derive input, checked and reduced to what the expansion needs.
//!
//! The model borrows the user's tokens (the type's name and generics) instead of copying them,
//! so code generated from it and errors about it point at the user's own source.

use syn::{Data, DeriveInput, Fields, Generics, Ident};

use crate::attr;
use crate::ctxt::Ctxt;

/// A struct or enum that derives `Weakrefable`.
pub(crate) struct Container<'a> {
    /// The type's name.
    pub(crate) ident: &'a Ident,
    /// The type's generic parameters and where clause, exactly as declared.
    pub(crate) generics: &'a Generics,
    /// The options given by `#[weakref(...)]` on the type.
    pub(crate) attrs: attr::Container,
}

impl<'a> Container<'a> {
    /// Builds the model, recording in `cx` every reason the input cannot derive
    /// `Weakrefable`.
    ///
    /// The model is returned even when errors were recorded, so that the fallback expansion
    /// can still name the type and its trait.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        let attrs = attr::Container::from_ast(cx, &input.attrs);

        match &input.data {
            Data::Struct(data) => check_fields(cx, &data.fields),
            Data::Enum(data) => {
                for variant in &data.variants {
                    attr::reject_misplaced(cx, &variant.attrs, "enum variants");
                    check_fields(cx, &variant.fields);
                }
            }
            Data::Union(data) => cx.error_spanned_by(
                data.union_token,
                "`#[derive(Weakrefable)]` does not support unions: a union's active field is \
                 unknown, so generated code could not safely read it; \
                 only structs and enums are supported",
            ),
        }

        Container {
            ident: &input.ident,
            generics: &input.generics,
            attrs,
        }
    }
}

/// Checks the fields of a struct or of one enum variant.
fn check_fields(cx: &Ctxt, fields: &Fields) {
    for field in fields {
        attr::reject_misplaced(cx, &field.attrs, "fields");
    }
}
