//! The `impl` block under `#[forward]`, checked and reduced to what the expansion needs.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{
    FnArg, GenericArgument, Ident, ImplItem, ImplItemFn, ItemImpl, Lifetime, Path, PathArguments,
    ReturnType, Type, TypeParamBound,
};

use crate::attr;
use crate::ctxt::Ctxt;

/// An inherent `impl` block whose `&self` methods are forwarded.
pub(crate) struct Impl<'a> {
    pub(crate) item: &'a ItemImpl,
    /// The runtime crate's path.
    pub(crate) krate: Path,
    /// The proxy wrapper's path (`CounterProxy`, or `model::CounterProxy` for
    /// `impl model::Counter`), without generic arguments.
    pub(crate) proxy: Path,
    /// The generic arguments of the self type (`K, V` of `impl Cache<K, V>`), to which the
    /// wrapper adds its own.
    pub(crate) args: Vec<&'a GenericArgument>,
    pub(crate) methods: Vec<Method<'a>>,
    /// Whether the wrapper is the derive's default, `{Type}Proxy`, whose absence (a type
    /// derived without `#[weakref(proxy)]`) the expansion reports in words.
    pub(crate) default_proxy: bool,
}

/// A method to forward.
pub(crate) struct Method<'a> {
    pub(crate) original: &'a ImplItemFn,
    pub(crate) shape: Shape<'a>,
}

/// How a method is forwarded.
pub(crate) enum Shape<'a> {
    /// Called through `ProxyAccess::with`, returning its result (or awaited while a strong
    /// handle is held, for an `async fn`).
    Call,
    /// A getter returning `&U` borrowed from `self`: forwarded as a guard,
    /// `FieldRef<Strong, U>`, since the borrow cannot outlive a temporary strong handle.
    Lend(&'a Type),
}

impl<'a> Impl<'a> {
    /// Builds the model, recording in `cx` every reason a method cannot be forwarded. Returns
    /// `None` when the block itself is unsuitable; methods that cannot be forwarded are left
    /// out of `methods`.
    pub(crate) fn from_ast(cx: &Ctxt, args: &attr::Forward, item: &'a ItemImpl) -> Option<Self> {
        if let Some((_, trait_path, _)) = &item.trait_ {
            cx.error_spanned_by(
                trait_path,
                "`#[forward]` goes on an inherent impl block (`impl Counter { .. }`), whose \
                 `&self` methods it adds to the type's proxy wrapper; trait impls are not \
                 forwarded",
            );
            return None;
        }
        let (proxy, args_of_self) = proxy_path(cx, args, &item.self_ty)?;
        let type_name = type_name(&item.self_ty);
        let methods = item
            .items
            .iter()
            .filter_map(|impl_item| match impl_item {
                ImplItem::Fn(method) => Method::from_ast(cx, &type_name, method),
                ImplItem::Const(item) => reject_attrs(cx, &item.attrs),
                ImplItem::Type(item) => reject_attrs(cx, &item.attrs),
                _ => None,
            })
            .collect();
        Some(Impl {
            item,
            krate: args.krate(),
            proxy,
            args: args_of_self,
            methods,
            default_proxy: args.proxy.is_none(),
        })
    }
}

/// `#[weakref]` only means something on methods.
fn reject_attrs<T>(cx: &Ctxt, attrs: &[syn::Attribute]) -> Option<T> {
    attr::reject_misplaced(cx, attrs, "associated constants and types");
    None
}

/// The proxy wrapper's path and the self type's generic arguments.
fn proxy_path<'a>(
    cx: &Ctxt,
    args: &attr::Forward,
    self_ty: &'a Type,
) -> Option<(Path, Vec<&'a GenericArgument>)> {
    let path = match self_ty {
        Type::Path(path) if path.qself.is_none() => &path.path,
        _ => {
            cx.error_spanned_by(
                self_ty,
                "`#[forward]` needs an impl block of a named struct or enum that derives \
                 `Weakrefable`, such as `impl Counter { .. }` or `impl<T> Cache<T> { .. }`",
            );
            return None;
        }
    };
    let last = path.segments.last()?;
    let generic_args = match &last.arguments {
        PathArguments::None => Vec::new(),
        PathArguments::AngleBracketed(arguments) => arguments.args.iter().collect(),
        PathArguments::Parenthesized(_) => {
            cx.error_spanned_by(
                self_ty,
                "`#[forward]` cannot forward the methods of `Fn` types",
            );
            return None;
        }
    };
    let mut proxy = path.clone();
    match &args.proxy {
        Some(name) if name.segments.len() > 1 || name.leading_colon.is_some() => {
            proxy = name.clone();
        }
        Some(name) => {
            let segment = proxy.segments.last_mut()?;
            segment.ident = name.segments[0].ident.clone();
            segment.arguments = PathArguments::None;
        }
        None => {
            let segment = proxy.segments.last_mut()?;
            segment.ident = attr::default_proxy_ident(&last.ident);
            segment.arguments = PathArguments::None;
        }
    }
    Some((proxy, generic_args))
}

/// The self type's name for messages: the last path segment's identifier.
fn type_name(self_ty: &Type) -> String {
    match self_ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |segment| segment.ident.to_string()),
        other => other.to_token_stream().to_string(),
    }
}

impl<'a> Method<'a> {
    /// The method's forwarding shape, or `None` if it is skipped, is not a method (has no
    /// `self`), or cannot be forwarded (an error is then recorded).
    fn from_ast(cx: &Ctxt, type_name: &str, method: &'a ImplItemFn) -> Option<Self> {
        if attr::member_skip(cx, &method.attrs, "a method").is_some() {
            return None;
        }
        let sig = &method.sig;
        let receiver = sig.receiver()?;
        let name = &sig.ident;
        let how = "take `&self` (shared objects mutate through interior mutability: `Cell`, \
                   `RefCell`, `Mutex`, atomics), or leave the method out with \
                   `#[weakref(skip)]`";
        let receiver_lifetime = match classify(receiver) {
            Receiver::Shared(lifetime) => lifetime,
            Receiver::Mut => {
                cx.error_spanned_by(
                    receiver,
                    format_args!(
                        "`#[forward]` cannot forward `{name}`, which takes `&mut self`: a \
                         proxy reaches an object shared with every `Obj` handle to it, so it \
                         can only lend it as `&{type_name}`, never as `&mut {type_name}`; {how}"
                    ),
                );
                return None;
            }
            Receiver::Value => {
                cx.error_spanned_by(
                    receiver,
                    format_args!(
                        "`#[forward]` cannot forward `{name}`, which takes `self` by value: a \
                         proxy never owns its object, it only lends it, shared, for one call, \
                         through a temporary strong handle; {how}"
                    ),
                );
                return None;
            }
            Receiver::Other => {
                cx.error_spanned_by(
                    receiver,
                    format_args!(
                        "`#[forward]` cannot forward `{name}`, whose receiver is `{}`: a \
                         proxy can only lend its object as `&{type_name}`; {how}",
                        receiver.to_token_stream()
                    ),
                );
                return None;
            }
        };
        let shape = match return_shape(method, receiver_lifetime.as_ref()) {
            Ok(shape) => shape,
            Err(why) => {
                let output = match &sig.output {
                    ReturnType::Type(_, ty) => ty.to_token_stream(),
                    ReturnType::Default => TokenStream::new(),
                };
                cx.error_spanned_by(
                    output,
                    format_args!(
                        "`#[forward]` cannot forward `{name}`: {why}; return an owned value, \
                         call it through `proxy.with(|object| object.{name}(..))`, or leave it \
                         out with `#[weakref(skip)]`"
                    ),
                );
                return None;
            }
        };
        Some(Method {
            original: method,
            shape,
        })
    }
}

/// The kinds of receiver a method can have.
enum Receiver {
    /// `&self`, `&'a self`, `self: &Self`: forwarded; the lifetime if one is named.
    Shared(Option<Lifetime>),
    /// `&mut self`, `self: &mut Self`.
    Mut,
    /// `self`, `mut self`, `self: Self`.
    Value,
    /// `self: Box<Self>`, `self: Pin<&Self>`, ...
    Other,
}

fn classify(receiver: &syn::Receiver) -> Receiver {
    if let Some((_, lifetime)) = &receiver.reference {
        return match receiver.mutability {
            Some(_) => Receiver::Mut,
            None => Receiver::Shared(lifetime.clone()),
        };
    }
    if receiver.colon_token.is_none() {
        return Receiver::Value;
    }
    match &*receiver.ty {
        Type::Reference(reference) if is_self(&reference.elem) => match reference.mutability {
            Some(_) => Receiver::Mut,
            None => Receiver::Shared(reference.lifetime.clone()),
        },
        ty if is_self(ty) => Receiver::Value,
        _ => Receiver::Other,
    }
}

fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("Self"))
}

/// How to forward the method, judging by what it returns; `Err` says why it cannot be.
fn return_shape<'a>(
    method: &'a ImplItemFn,
    receiver: Option<&Lifetime>,
) -> Result<Shape<'a>, String> {
    let ReturnType::Type(_, output) = &method.sig.output else {
        return Ok(Shape::Call);
    };
    let sig = &method.sig;
    if let Type::Reference(reference) = &**output {
        if borrows_self(reference.lifetime.as_ref(), receiver) {
            if sig.inputs.len() > 1
                || sig.asyncness.is_some()
                || sig.unsafety.is_some()
                || sig
                    .generics
                    .params
                    .iter()
                    .any(|param| !matches!(param, syn::GenericParam::Lifetime(_)))
            {
                return Err(
                    "it returns a borrow of the object, which cannot outlive the proxy's \
                     temporary strong handle (only a getter, `fn(&self) -> &T` without other \
                     arguments, generics, `async` or `unsafe`, is forwarded, as a guard that \
                     holds the handle)"
                        .into(),
                );
            }
            let mut finder = BorrowFinder::new(receiver);
            finder.visit_type(&reference.elem);
            if finder.found.is_none() {
                return Ok(Shape::Lend(&reference.elem));
            }
        }
    }
    let mut finder = BorrowFinder::new(receiver);
    finder.visit_type(output);
    match finder.found {
        None => Ok(Shape::Call),
        Some(Found::Borrow) => Err("it returns a borrow of the object, which cannot outlive \
                                    the proxy's temporary strong handle"
            .into()),
        Some(Found::ImplTrait) => Err("it returns `impl Trait`, which (since edition 2024) \
                                       captures the borrow of `self` unless it says otherwise \
                                       with `+ use<..>`, and a borrow cannot outlive the \
                                       proxy's temporary strong handle"
            .into()),
    }
}

/// Whether a reference with `lifetime` (`None` when elided) borrows from `self`.
fn borrows_self(lifetime: Option<&Lifetime>, receiver: Option<&Lifetime>) -> bool {
    match lifetime {
        None => true,
        Some(lifetime) => lifetime.ident == "_" || Some(lifetime) == receiver,
    }
}

/// What [`BorrowFinder`] found first.
enum Found {
    Borrow,
    ImplTrait,
}

/// Looks for what ties a return type to the borrow of `self`: elided or `'_` lifetimes, the
/// receiver's named lifetime, and `impl Trait` without a precise `use<..>` bound (which
/// captures every lifetime in scope since edition 2024).
struct BorrowFinder<'r> {
    receiver: Option<&'r Lifetime>,
    found: Option<Found>,
}

impl<'r> BorrowFinder<'r> {
    fn new(receiver: Option<&'r Lifetime>) -> Self {
        BorrowFinder {
            receiver,
            found: None,
        }
    }

    fn found(&mut self, what: Found) {
        self.found.get_or_insert(what);
    }
}

impl<'ast> Visit<'ast> for BorrowFinder<'_> {
    fn visit_type_reference(&mut self, node: &'ast syn::TypeReference) {
        if node.lifetime.is_none() {
            self.found(Found::Borrow);
        }
        visit::visit_type_reference(self, node);
    }

    fn visit_lifetime(&mut self, node: &'ast Lifetime) {
        if borrows_self(Some(node), self.receiver) {
            self.found(Found::Borrow);
        }
    }

    fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
        let precise = node
            .bounds
            .iter()
            .any(|bound| matches!(bound, TypeParamBound::PreciseCapture(_)));
        if !precise {
            self.found(Found::ImplTrait);
        }
        visit::visit_type_impl_trait(self, node);
    }

    // Elided lifetimes in `fn(&T) -> &U` and `Fn(&T) -> &U` belong to those signatures.
    fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {}

    fn visit_parenthesized_generic_arguments(
        &mut self,
        _: &'ast syn::ParenthesizedGenericArguments,
    ) {
    }
}

/// The identifiers of a method's arguments are replaced by these, so that patterns such as
/// `(a, b): (u8, u8)` can be passed on.
pub(crate) fn argument_ident(index: usize) -> Ident {
    quote::format_ident!("__arg{}", index)
}

/// The method's arguments after `self`.
pub(crate) fn typed_inputs(method: &ImplItemFn) -> impl Iterator<Item = &syn::PatType> {
    method.sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(typed) => Some(typed),
        FnArg::Receiver(_) => None,
    })
}
