//! Collects every error found in the input so that they are all reported in one compilation.

use std::cell::RefCell;
use std::fmt::Display;
use std::thread;

use quote::ToTokens;

/// An error sink shared by the parsing and checking passes.
///
/// Recording an error never stops the pass that found it; the derive keeps looking for more
/// mistakes and reports them together through [`Ctxt::check`]. Errors are recorded through a
/// shared reference so that closures handed to syn's parsers can record them too.
pub(crate) struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty collector.
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Vec::new()),
        }
    }

    /// Records an error whose span covers all of `tokens`.
    pub(crate) fn error_spanned_by(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error produced by syn (or built by hand with its own span).
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Ends the collection: `Ok` if nothing was recorded, otherwise every recorded error
    /// combined into one, in the order they were found.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self.errors.take();
        errors
            .into_iter()
            .reduce(|mut combined, next| {
                combined.combine(next);
                combined
            })
            .map_or(Ok(()), Err)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // A collector dropped with errors still inside would silently accept invalid input.
        assert!(
            thread::panicking() || self.errors.get_mut().is_empty(),
            "weakref-derive: errors were recorded but never reported"
        );
    }
}
