//! `weak!`: closures that capture objects weakly.

use crate::Weakrefable;
use crate::flavor::Flavor;
use crate::obj::Obj;
use crate::weakref::WeakRef;

/// A closure that captures objects weakly and upgrades them on each call; while any of them is
/// dead, a call does nothing and returns a default.
///
/// In the spirit of glib's `clone!`: the names before `=>` are captured as weak references
/// (an [`Obj`](crate::Obj) is downgraded, a [`WeakRef`](crate::WeakRef) cloned), and inside
/// the body the same names are strong handles to the live objects. The closure is always
/// `move`, and `Fn` when its body allows, so it fits a `Box<dyn Fn(..)>` event bus without
/// keeping its subscribers alive:
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use weakref_core::{weak, Obj, Weakrefable};
///
/// #[derive(Weakrefable, Default)]
/// struct Model {
///     clicks: AtomicU32,
/// }
///
/// let model = Obj::new(Model::default());
/// let mut handlers: Vec<Box<dyn Fn(u32) + Send + Sync>> = Vec::new();
/// handlers.push(Box::new(weak!(model => move |n: u32| {
///     model.clicks.fetch_add(n, Ordering::Relaxed);
/// })));
///
/// for handler in &handlers {
///     handler(2);
/// }
/// assert_eq!(model.clicks.load(Ordering::Relaxed), 2);
/// drop(model); // the handler does not keep it alive: it now does nothing
/// handlers[0](5);
/// ```
///
/// # Forms
///
/// * `weak!(a, b => |args| body)`: captures the variables `a` and `b`; while either is dead,
///   a call returns `Default::default()` (`()` for a body that returns nothing).
/// * `weak!(a, view = self.view.clone() => |args| body)`: captures an expression under a
///   name.
/// * `weak!(a; else 0 => |args| -> u32 { body })`: returns `0` while an object is dead.
///
/// Arguments may have types (`|x: u32, y|`) and the closure a return type (then the body is a
/// block, as for any closure); each argument pattern is one token tree (a name, `_`, or a
/// parenthesized pattern such as `(x, y)`). `move` may be written or not: the captures are
/// moved either way. Works with either flavor's handles.
///
/// ```
/// use weakref_core::{unsync, weak, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Score(u32);
///
/// let score = unsync::Obj::new(Score(7));
/// let doubled = weak!(score; else 0 => |bonus: u32| -> u32 { score.0 * 2 + bonus });
/// assert_eq!(doubled(1), 15);
/// drop(score);
/// assert_eq!(doubled(1), 0);
/// ```
#[macro_export]
macro_rules! weak {
    ($($name:ident $(= $value:expr)?),+ $(,)? ; else $default:expr => $($closure:tt)+) => {
        $crate::__weak_closure!([$($name $(= $value)?),+] ($default) $($closure)+)
    };
    ($($name:ident $(= $value:expr)?),+ $(,)? => $($closure:tt)+) => {
        $crate::__weak_closure!(
            [$($name $(= $value)?),+] (::core::default::Default::default()) $($closure)+
        )
    };
}

/// The expansion of [`weak!`]: takes the weak captures, then writes the closure.
#[doc(hidden)]
#[macro_export]
macro_rules! __weak_closure {
    ([$($name:ident $(= $value:expr)?),+] ($default:expr) $(move)? || -> $ret:ty $body:block) => {{
        $crate::__weak_captures!($($name $(= $value)?),+);
        move || -> $ret {
            $crate::__weak_upgrades!(($default) $($name),+);
            $body
        }
    }};
    ([$($name:ident $(= $value:expr)?),+] ($default:expr) $(move)? || $body:expr) => {{
        $crate::__weak_captures!($($name $(= $value)?),+);
        move || {
            $crate::__weak_upgrades!(($default) $($name),+);
            $body
        }
    }};
    ([$($name:ident $(= $value:expr)?),+] ($default:expr)
        $(move)? | $($arg:tt $(: $ty:ty)?),* $(,)? | -> $ret:ty $body:block) => {{
        $crate::__weak_captures!($($name $(= $value)?),+);
        move |$($arg $(: $ty)?),*| -> $ret {
            $crate::__weak_upgrades!(($default) $($name),+);
            $body
        }
    }};
    ([$($name:ident $(= $value:expr)?),+] ($default:expr)
        $(move)? | $($arg:tt $(: $ty:ty)?),* $(,)? | $body:expr) => {{
        $crate::__weak_captures!($($name $(= $value)?),+);
        move |$($arg $(: $ty)?),*| {
            $crate::__weak_upgrades!(($default) $($name),+);
            $body
        }
    }};
}

/// The captures of a [`weak!`] closure: each name bound to a weak handle.
#[doc(hidden)]
#[macro_export]
macro_rules! __weak_captures {
    ($($name:ident $(= $value:expr)?),+) => {
        $(
            let $name =
                $crate::__private::weak_capture(&$crate::__weak_value!($name $(= $value)?));
        )+
    };
}

/// The start of a [`weak!`] closure's body: each name upgraded, or the default returned.
#[doc(hidden)]
#[macro_export]
macro_rules! __weak_upgrades {
    (($default:expr) $($name:ident),+) => {
        $(
            let ::core::option::Option::Some($name) = $crate::__private::weak_upgrade(&$name)
            else {
                return $default;
            };
        )+
    };
}

/// The value a [`weak!`] capture takes: the expression after `=`, or the variable itself.
#[doc(hidden)]
#[macro_export]
macro_rules! __weak_value {
    ($name:ident = $value:expr) => {
        $value
    };
    ($name:ident) => {
        $name
    };
}

/// What [`weak!`](crate::weak!) can capture weakly.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`weak!` cannot capture `{Self}` weakly",
    label = "expected an `Obj` or a `WeakRef`",
    note = "`weak!` captures objects (`Obj<T>`, downgraded) and weak references (`WeakRef<T>`, cloned)"
)]
pub trait WeakCapture {
    /// The weak handle the closure keeps.
    type Weak;

    /// The weak handle to keep.
    fn capture(&self) -> Self::Weak;
}

impl<T: ?Sized + Weakrefable, F: Flavor> WeakCapture for Obj<T, F> {
    type Weak = WeakRef<T, F>;

    fn capture(&self) -> WeakRef<T, F> {
        WeakRef::new(self)
    }
}

impl<T: ?Sized, F: Flavor> WeakCapture for WeakRef<T, F> {
    type Weak = WeakRef<T, F>;

    fn capture(&self) -> WeakRef<T, F> {
        self.clone()
    }
}

/// The weak handle [`weak!`](crate::weak!) keeps for `value`.
#[doc(hidden)]
pub fn weak_capture<H: WeakCapture>(value: &H) -> H::Weak {
    value.capture()
}

/// The strong handle a [`weak!`](crate::weak!) closure gets on each call.
#[doc(hidden)]
#[inline]
pub fn weak_upgrade<T: ?Sized, F: Flavor>(weak: &WeakRef<T, F>) -> Option<Obj<T, F>> {
    weak.upgrade()
}
