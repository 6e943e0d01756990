//! Rewriting `Self` in tokens copied into the proxy wrapper's impls.
//!
//! A field type or a method signature may say `Self`, meaning the proxied type. Copied into
//! an `impl CounterProxy<P>`, the same `Self` would mean the wrapper, so it is replaced by the
//! proxied type itself before the tokens are emitted.

use syn::visit_mut::{self, VisitMut};
use syn::{QSelf, Type, TypePath};

/// Replaces every `Self` type, and every `Self::Name` path in type position, by `ty`.
pub(crate) struct ReplaceSelf<'a> {
    ty: &'a Type,
}

impl<'a> ReplaceSelf<'a> {
    /// A rewriter that puts `ty` where `Self` was.
    pub(crate) fn new(ty: &'a Type) -> Self {
        ReplaceSelf { ty }
    }

    /// `node` with every `Self` type replaced.
    pub(crate) fn type_(&mut self, node: &Type) -> Type {
        let mut node = node.clone();
        self.visit_type_mut(&mut node);
        node
    }
}

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, node: &mut Type) {
        if let Type::Path(TypePath { qself: None, path }) = node {
            if path.leading_colon.is_none()
                && path
                    .segments
                    .first()
                    .is_some_and(|first| first.ident == "Self" && first.arguments.is_none())
            {
                if path.segments.len() == 1 {
                    *node = self.ty.clone();
                    return;
                }
                // `Self::Assoc` becomes `<Ty>::Assoc`.
                let rest = path.segments.iter().skip(1).cloned().collect();
                let lt = Default::default();
                let gt = Default::default();
                *node = Type::Path(TypePath {
                    qself: Some(QSelf {
                        lt_token: lt,
                        ty: Box::new(self.ty.clone()),
                        position: 0,
                        as_token: None,
                        gt_token: gt,
                    }),
                    path: syn::Path {
                        leading_colon: Some(Default::default()),
                        segments: rest,
                    },
                });
                return;
            }
        }
        visit_mut::visit_type_mut(self, node);
    }
}
