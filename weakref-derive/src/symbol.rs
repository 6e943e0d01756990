//! The names the derive recognises inside the user's attributes.
//!
//! Every key of `#[weakref(...)]` is a [`Symbol`] constant here, so adding a key is one constant
//! plus one arm in `attr.rs`.

use std::fmt;

use syn::Path;

/// An attribute name or attribute key, compared against single-identifier paths.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Symbol(&'static str);

/// The helper attribute itself: `#[weakref(...)]`.
pub(crate) const WEAKREF: Symbol = Symbol("weakref");

/// `#[weakref(crate = "path")]`: the path under which the `weakref_core` crate is reachable.
/// Also an argument of `#[forward(...)]`.
pub(crate) const CRATE: Symbol = Symbol("crate");

/// `#[weakref(proxy)]` / `#[weakref(proxy = "Name")]`: generate the proxy wrapper, named
/// `{Type}Proxy` or `Name`. Also an argument of `#[forward(...)]`, naming the wrapper to add
/// methods to.
pub(crate) const PROXY: Symbol = Symbol("proxy");

/// `#[weakref(skip)]` on a field (no accessor) or on a method of a `#[forward]` impl (not
/// forwarded).
pub(crate) const SKIP: Symbol = Symbol("skip");

impl Symbol {
    /// Whether `path` is exactly this one identifier (no `::`, no generic arguments).
    pub(crate) fn matches(self, path: &Path) -> bool {
        path.leading_colon.is_none()
            && path.segments.len() == 1
            && path.segments[0].arguments.is_none()
            && path.segments[0].ident == self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
