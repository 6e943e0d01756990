//! Parsing of the attributes the macros read: `#[weakref(...)]` on the derive input and its
//! fields, `#[weakref(...)]` on the methods of a `#[forward]` impl, and the arguments of
//! `#[forward(...)]` itself.
//!
//! Each key is parsed independently: a mistake in one key is recorded in the [`Ctxt`] and
//! parsing resumes at the next comma, so every mistake in every attribute is reported at once.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::format_ident;
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitStr, Path, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{CRATE, PROXY, SKIP, Symbol, WEAKREF};

/// Each key accepted on the container, with what follows it, for the "unknown key" message.
const CONTAINER_KEYS: &[(Symbol, &str)] =
    &[(CRATE, " = \"...\""), (PROXY, ""), (PROXY, " = \"...\"")];

/// The keys accepted on a field or on a forwarded method.
const MEMBER_KEYS: &[(Symbol, &str)] = &[(SKIP, "")];

/// The derive's attribute, for messages.
const WEAKREF_ATTR: &str = "`#[weakref(...)]`";

/// The attribute macro's arguments, for messages.
const FORWARD_ATTR: &str = "`#[forward(...)]`";

/// The arguments accepted by `#[forward(...)]`.
const FORWARD_KEYS: &[(Symbol, &str)] = &[(PROXY, " = \"...\""), (CRATE, " = \"...\"")];

/// The options given by `#[weakref(...)]` on the struct or enum.
pub(crate) struct Container {
    /// `#[weakref(crate = "path")]`, with the path's tokens spanned at the string literal;
    /// `None` if the key is absent or its value was malformed (an error already reported).
    crate_path: Option<Path>,
    /// What to call the proxy wrapper, if there is to be one.
    proxy: ProxyName,
}

/// Whether the type gets a proxy wrapper, and its name.
enum ProxyName {
    /// No `proxy` key: no wrapper; `proxy(&obj)` returns the bare `WeakProxy`.
    Absent,
    /// `proxy`: `{Type}Proxy`. Also what a malformed `proxy = ...` yields, so that the code
    /// naming the wrapper raises no follow-up error besides the reported one.
    Default,
    /// `proxy = "Name"`.
    Renamed(Ident),
}

impl Container {
    /// Reads every `#[weakref(...)]` among the container's attributes, recording mistakes in
    /// `cx`.
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut crate_path = Once::new(CRATE, WEAKREF_ATTR);
        let mut proxy = Once::new(PROXY, WEAKREF_ATTR);

        for attr in attrs {
            if !WEAKREF.matches(attr.path()) {
                continue;
            }
            let parsed = attr.parse_nested_meta(|meta| {
                let key = if CRATE.matches(&meta.path) {
                    let value = parse_crate_path(&meta);
                    crate_path.set(cx, &meta.path, value.as_ref().ok().cloned());
                    value.map(drop)
                } else if PROXY.matches(&meta.path) {
                    let value = parse_proxy_name(&meta);
                    proxy.set(cx, &meta.path, value.as_ref().ok().cloned());
                    value.map(drop)
                } else {
                    Err(unknown_key(&meta.path, WEAKREF_ATTR, CONTAINER_KEYS, None))
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

        let proxy = match proxy.into_inner() {
            None => ProxyName::Absent,
            Some(Some(Some(name))) => ProxyName::Renamed(name),
            Some(Some(None) | None) => ProxyName::Default,
        };

        Container {
            crate_path: crate_path.into_inner().flatten(),
            proxy,
        }
    }

    /// The path of the runtime crate: `path` for `#[weakref(crate = "path")]`, otherwise
    /// `::weakref_core`.
    ///
    /// A malformed `crate` path also yields the default, which lets the fallback expansion
    /// resolve in the common case where the dependency is not renamed.
    pub(crate) fn krate(&self) -> Path {
        krate_or_default(self.crate_path.as_ref())
    }

    /// The name of the proxy wrapper of the type `ident`, or `None` without `proxy`.
    pub(crate) fn proxy_ident(&self, ident: &Ident) -> Option<Ident> {
        match &self.proxy {
            ProxyName::Absent => None,
            ProxyName::Default => Some(default_proxy_ident(ident)),
            ProxyName::Renamed(name) => Some(name.clone()),
        }
    }
}

/// The runtime crate's path: `krate` if given, otherwise `::weakref_core`.
fn krate_or_default(krate: Option<&Path>) -> Path {
    match krate {
        Some(krate) => krate.clone(),
        None => syn::parse_quote!(::weakref_core),
    }
}

/// `{ident}Proxy`, spanned at `ident`.
pub(crate) fn default_proxy_ident(ident: &Ident) -> Ident {
    format_ident!("{}Proxy", ident, span = ident.span())
}

/// Reads `#[weakref(skip)]` among the attributes of a field or of a forwarded method
/// (`place` says which, for messages: "a field", "a method"). Returns its `skip` key, if it is
/// there.
pub(crate) fn member_skip(cx: &Ctxt, attrs: &[Attribute], place: &str) -> Option<Path> {
    let mut skip = Once::new(SKIP, WEAKREF_ATTR);
    for attr in attrs {
        if !WEAKREF.matches(attr.path()) {
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            let key = if SKIP.matches(&meta.path) {
                let value = parse_flag(&meta, SKIP);
                skip.set(cx, &meta.path, meta.path.clone());
                value
            } else {
                let hint = CONTAINER_KEYS
                    .iter()
                    .any(|(key, _)| key.matches(&meta.path))
                    .then_some("goes on the struct or enum itself");
                let description = format!("the `#[weakref(...)]` of {place}");
                Err(unknown_key(&meta.path, &description, MEMBER_KEYS, hint))
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
    skip.into_inner()
}

/// Records an error for each `#[weakref]` attribute in `attrs`, which belong to a place the
/// macros do not read attributes from (`place` is that place, in the plural: "enum
/// variants").
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

/// The arguments of `#[forward(...)]`.
pub(crate) struct Forward {
    crate_path: Option<Path>,
    /// `proxy = "Name"` (or a path, `proxy = "module::Name"`).
    pub(crate) proxy: Option<Path>,
}

impl Forward {
    /// Parses the attribute's arguments, recording mistakes in `cx`.
    pub(crate) fn parse(cx: &Ctxt, args: TokenStream) -> Self {
        let mut crate_path = Once::new(CRATE, FORWARD_ATTR);
        let mut proxy = Once::new(PROXY, FORWARD_ATTR);
        let parser = syn::meta::parser(|meta| {
            let key = if CRATE.matches(&meta.path) {
                let value = parse_crate_path(&meta);
                crate_path.set(cx, &meta.path, value.as_ref().ok().cloned());
                value.map(drop)
            } else if PROXY.matches(&meta.path) {
                let value = parse_proxy_path(&meta);
                proxy.set(cx, &meta.path, value.as_ref().ok().cloned());
                value.map(drop)
            } else {
                Err(unknown_key(&meta.path, FORWARD_ATTR, FORWARD_KEYS, None))
            };
            if let Err(error) = key {
                cx.push(error);
                skip_to_next_key(meta.input);
            }
            Ok(())
        });
        if let Err(error) = parser.parse2(args) {
            cx.push(error);
        }
        Forward {
            crate_path: crate_path.into_inner().flatten(),
            proxy: proxy.into_inner().flatten(),
        }
    }

    /// The path of the runtime crate (see [`Container::krate`]).
    pub(crate) fn krate(&self) -> Path {
        krate_or_default(self.crate_path.as_ref())
    }
}

/// A key that may be given at most once.
struct Once<T> {
    key: Symbol,
    /// The attribute, for the message: "`#[weakref(...)]`".
    attribute: &'static str,
    value: Option<T>,
}

impl<T> Once<T> {
    fn new(key: Symbol, attribute: &'static str) -> Self {
        Once {
            key,
            attribute,
            value: None,
        }
    }

    /// Stores the first value; any later one is an error spanned at its key `at`.
    fn set(&mut self, cx: &Ctxt, at: &Path, value: T) {
        if self.value.is_some() {
            cx.error_spanned_by(
                at,
                format_args!(
                    "duplicate `{}` key in {}; give it only once",
                    self.key, self.attribute
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

/// Checks that a flag key (`skip`) has no value.
fn parse_flag(meta: &ParseNestedMeta<'_>, key: Symbol) -> syn::Result<()> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        Ok(())
    } else {
        Err(meta.error(format_args!("`{key}` takes no value: write just `{key}`")))
    }
}

/// Parses the string literal after `key =`; `usage` shows the expected form.
fn parse_string(meta: &ParseNestedMeta<'_>, key: Symbol, usage: &str) -> syn::Result<LitStr> {
    if !meta.input.peek(Token![=]) {
        return Err(syn::Error::new_spanned(
            &meta.path,
            format_args!("expected a value for `{key}`: {usage}"),
        ));
    }
    let input = meta.value()?;
    let literal: LitStr = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            format_args!("expected a string literal: {usage}"),
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
    Ok(literal)
}

/// Parses the value of `crate = "path"`.
fn parse_crate_path(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    let literal = parse_string(meta, CRATE, "`crate = \"path::to::weakref_core\"`")?;
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

/// Parses the derive's `proxy` (`None`) or `proxy = "Name"` (an identifier, spanned at the
/// literal).
fn parse_proxy_name(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Ident>> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(None);
    }
    let literal = parse_string(meta, PROXY, "`proxy` or `proxy = \"CounterHandle\"`")?;
    match syn::parse_str::<Ident>(&literal.value()) {
        Ok(ident) => Ok(Some(Ident::new(&ident.to_string(), literal.span()))),
        Err(_) => Err(syn::Error::new(
            literal.span(),
            format_args!(
                "`{}` is not a valid proxy name; expected the identifier of the wrapper to \
                 generate, such as \"CounterHandle\"",
                literal.value()
            ),
        )),
    }
}

/// Parses the value of `#[forward(proxy = "...")]`: the wrapper's name or path.
fn parse_proxy_path(meta: &ParseNestedMeta<'_>) -> syn::Result<Path> {
    let literal = parse_string(meta, PROXY, "`proxy = \"CounterHandle\"`")?;
    let path = literal.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            literal.span(),
            format_args!(
                "`{}` is not a valid proxy name; expected the name (or path) of the type's \
                 proxy wrapper, such as \"CounterHandle\"",
                literal.value()
            ),
        )
    })?;
    Ok(respan_path(path, literal.span()))
}

/// `path` with every identifier spanned at `span`.
fn respan_path(mut path: Path, span: Span) -> Path {
    for segment in &mut path.segments {
        segment.ident.set_span(span);
    }
    path
}

/// The error for a key that an attribute does not have. `description` names the attribute,
/// `keys` are the valid ones, and `hint` is added after them.
fn unknown_key(
    key: &Path,
    description: &str,
    keys: &[(Symbol, &str)],
    hint: Option<&str>,
) -> syn::Error {
    let expected = keys
        .iter()
        .map(|(name, value)| format!("`{name}{value}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let one_of = if keys.len() == 1 { "" } else { "one of " };
    let hint = hint.map_or_else(String::new, |hint| {
        format!(" (`{}` {hint})", display_path(key))
    });
    syn::Error::new_spanned(
        key,
        format_args!(
            "unknown key `{}` in {description}; expected {one_of}{expected}{hint}",
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
