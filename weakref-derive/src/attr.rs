//! Parsing of the container attribute `#[weakref(...)]`.
//!
//! Each key is parsed independently: a mistake in one key is recorded in the [`Ctxt`] and
//! parsing resumes at the next comma, so every mistake in every `#[weakref(...)]` attribute is
//! reported at once.

use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Attribute, LitStr, Path, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{CRATE, Symbol, WEAKREF};

/// Each key accepted on the container, with what follows it, for the "unknown key" message.
const CONTAINER_KEYS: &[(Symbol, &str)] = &[(CRATE, " = \"...\"")];

/// The options given by `#[weakref(...)]` on the struct or enum.
pub(crate) struct Container {
    /// `#[weakref(crate = "path")]`, with the path's tokens spanned at the string literal;
    /// `None` if the key is absent or its value was malformed (an error already reported).
    crate_path: Option<Path>,
}

impl Container {
    /// Reads every `#[weakref(...)]` among the container's attributes, recording mistakes in
    /// `cx`.
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut crate_path = Once::new(CRATE);

        for attr in attrs {
            if !WEAKREF.matches(attr.path()) {
                continue;
            }
            let parsed = attr.parse_nested_meta(|meta| {
                let key = if CRATE.matches(&meta.path) {
                    let value = parse_crate_path(&meta);
                    crate_path.set(cx, &meta.path, value.as_ref().ok().cloned());
                    value.map(drop)
                } else {
                    Err(unknown_key(&meta.path))
                };
                if let Err(error) = key {
                    cx.push(error);
                    skip_to_next_key(meta.input);
                }
                Ok(())
            });
            if let Err(error) = parsed {
                cx.push(error);
            }
        }

        Container {
            crate_path: crate_path.into_inner().flatten(),
        }
    }

    /// The path of the `Weakrefable` trait to implement: `path::Weakrefable` for
    /// `#[weakref(crate = "path")]`, otherwise `::weakref_core::Weakrefable`.
    ///
    /// A malformed `crate` path also yields the default, which lets the fallback impl resolve
    /// in the common case where the dependency is not renamed.
    pub(crate) fn trait_path(&self) -> Path {
        match &self.crate_path {
            Some(krate) => syn::parse_quote!(#krate::Weakrefable),
            None => syn::parse_quote!(::weakref_core::Weakrefable),
        }
    }
}

/// Records an error for each `#[weakref]` attribute in `attrs`, which belong to a place the
/// derive does not read attributes from (`place` is that place, in the plural: "fields").
pub(crate) fn reject_misplaced(cx: &Ctxt, attrs: &[Attribute], place: &str) {
    for attr in attrs {
        if WEAKREF.matches(attr.path()) {
            cx.error_spanned_by(
                attr,
                format_args!(
                    "`#[weakref]` is not supported on {place} yet; \
                     `#[weakref(...)]` goes on the struct or enum itself"
                ),
            );
        }
    }
}

/// A key that may be given at most once.
struct Once<T> {
    key: Symbol,
    value: Option<T>,
}

impl<T> Once<T> {
    fn new(key: Symbol) -> Self {
        Once { key, value: None }
    }

    /// Stores the first value; any later one is an error spanned at its key `at`.
    fn set(&mut self, cx: &Ctxt, at: &Path, value: T) {
        if self.value.is_some() {
            cx.error_spanned_by(
                at,
                format_args!(
                    "duplicate `{}` key in `#[weakref(...)]`; give it only once",
                    self.key
                ),
            );
        } else {
            self.value = Some(value);
        }
    }

    fn into_inner(self) -> Option<T> {
        self.value
    }
}

/// Parses the value of `crate = "path"`.
fn parse_crate_path(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    const USAGE: &str = "`#[weakref(crate = \"path::to::weakref_core\")]`";
    if !meta.input.peek(Token![=]) {
        return Err(syn::Error::new_spanned(
            &meta.path,
            format_args!("expected a value for `crate`: {USAGE}"),
        ));
    }
    let input = meta.value()?;
    let literal: LitStr = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            format_args!("expected a string literal: {USAGE}"),
        )
    })?;
    if !literal.suffix().is_empty() {
        return Err(syn::Error::new(
            literal.span(),
            format_args!(
                "unexpected suffix `{}` on the string literal",
                literal.suffix()
            ),
        ));
    }
    literal.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            literal.span(),
            format_args!(
                "`{}` is not a valid `crate` path; expected the path under which \
                 weakref_core is reachable, such as \"weakref_core\" or \"my_crate::weakref\"",
                literal.value()
            ),
        )
    })
}

/// The error for a key that `#[weakref(...)]` does not have.
fn unknown_key(key: &Path) -> syn::Error {
    let expected = CONTAINER_KEYS
        .iter()
        .map(|(name, value)| format!("`{name}{value}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let one_of = if CONTAINER_KEYS.len() == 1 {
        ""
    } else {
        "one of "
    };
    syn::Error::new_spanned(
        key,
        format_args!(
            "unknown key `{}` in `#[weakref(...)]`; expected {one_of}{expected}",
            display_path(key)
        ),
    )
}

/// `key` as the user wrote it, without the spaces `TokenStream`'s `Display` inserts.
fn display_path(key: &Path) -> String {
    let segments = key
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    match key.leading_colon {
        Some(_) => format!("::{segments}"),
        None => segments,
    }
}

/// Discards what is left of the current key's value, so that parsing resumes at the next `,`.
fn skip_to_next_key(input: ParseStream<'_>) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<TokenTree>().is_err() {
            break;
        }
    }
}
