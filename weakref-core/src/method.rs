//! `WeakMethod` (Python's `weakref.WeakMethod`): a method bound to an object that does not keep
//! the object alive.

use core::fmt;
use core::hash::{Hash, Hasher};

use crate::Weakrefable;
use crate::flavor::{self, Flavor, SendIf};
use crate::obj::Obj;
use crate::raw::{Kind, RawWeak};
use crate::weakref::WeakRef;

/// A method bound to an object without keeping it alive: Python's `weakref.WeakMethod`.
///
/// A plain weak reference to a bound method dies at once, since nothing else holds the bound
/// method; a `WeakMethod` holds the object weakly and the method (any function or closure
/// taking the object first) strongly, and calls it while the object lives. It is how an event
/// source holds its subscribers' handlers without keeping the subscribers alive.
///
/// ```
/// use weakref_core::{Obj, WeakMethod, Weakrefable};
///
/// #[derive(Weakrefable)]
/// struct Printer {
///     prefix: &'static str,
/// }
///
/// impl Printer {
///     fn update(&self, event: &str) -> String {
///         format!("{}{event}", self.prefix)
///     }
/// }
///
/// let printer = Obj::new(Printer { prefix: "> " });
/// let handler = WeakMethod::new(&printer, Printer::update);
/// assert_eq!(handler.call(("saved",)), Some("> saved".to_string()));
/// drop(printer);
/// assert_eq!(handler.call(("closed",)), None); // the object died: nothing to call
/// ```
///
/// Arguments are passed as a tuple, as `Fn::call` takes them (see [`Method`]). The method may
/// take the object as a trait object, for `WeakMethod<dyn Trait, ..>` (a closure then names the
/// object's type in full, `|o: &(dyn Trait + 'static)| ..`, since an `Obj<dyn Trait>` holds a
/// `dyn Trait + 'static`):
///
/// ```
/// use weakref_core::{coerce, Obj, WeakMethod, Weakrefable};
///
/// trait Observer: Weakrefable + Send + Sync {
///     fn notify(&self, event: &str) -> usize;
/// }
///
/// #[derive(Weakrefable)]
/// struct Counter;
///
/// impl Observer for Counter {
///     fn notify(&self, event: &str) -> usize {
///         event.len()
///     }
/// }
///
/// let observer: Obj<dyn Observer> = coerce!(Obj::new(Counter));
/// let handler = WeakMethod::new(&observer, <dyn Observer>::notify);
/// assert_eq!(handler.call(("four",)), Some(4));
/// ```
///
/// # As in Python
///
/// Each `WeakMethod` is a weak-reference object of its own (counted by
/// [`getweakrefcount`](crate::getweakrefcount)), never a shared one. Two are equal when both
/// objects are alive and equal and their methods are equal (`M: PartialEq`). To compare
/// functions, make the `WeakMethod`s from copies of one function pointer (such as
/// `let update: fn(&Printer, &str) -> String = Printer::update;`): function pointers compare
/// by address, and Rust does not promise one address per function. Once either object died,
/// a `WeakMethod` equals only itself ([`ptr_eq`](Self::ptr_eq)).
/// It hashes as its object (`T: Hash`), with the hash kept after the object dies, like
/// [`WeakRef`](crate::WeakRef).
pub struct WeakMethod<T: ?Sized, M, F: Flavor = flavor::Sync> {
    weak: WeakRef<T, F>,
    method: M,
}

impl<T: ?Sized + Weakrefable, M, F: Flavor> WeakMethod<T, M, F> {
    /// `method` bound to `obj`, which it does not keep alive: Python's
    /// `weakref.WeakMethod(obj.method)`.
    ///
    /// ```
    /// use weakref_core::{getweakrefcount, Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Clock(u64);
    ///
    /// impl Clock {
    ///     fn now(&self) -> u64 {
    ///         self.0
    ///     }
    /// }
    ///
    /// let clock = Obj::new(Clock(12));
    /// let now = WeakMethod::new(&clock, Clock::now);
    /// assert_eq!(now.call(()), Some(12));
    /// assert_eq!(getweakrefcount(&clock), 1);
    /// ```
    pub fn new(obj: &Obj<T, F>, method: M) -> Self {
        let weak = RawWeak::with_callback(&obj.raw, Kind::CallbackRef, |_: &RawWeak<T, F>| {});
        Self {
            weak: WeakRef { raw: weak },
            method,
        }
    }

    /// [`new`](Self::new), with a `callback` that runs when the object dies, given the (dead)
    /// `WeakMethod`: Python's `WeakMethod(obj.method, callback)`.
    ///
    /// The callback follows the rules of
    /// [`WeakRef::with_callback`](crate::generic::WeakRef::with_callback): it runs once,
    /// newest first among the object's callbacks, and never if every handle to this
    /// `WeakMethod` was dropped first. It is given a handle to this `WeakMethod`
    /// ([`ptr_eq`](Self::ptr_eq) to it), with a clone of the method.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use weakref_core::{Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Sensor;
    ///
    /// impl Sensor {
    ///     fn read(&self) -> u8 {
    ///         42
    ///     }
    /// }
    ///
    /// let unsubscribed = Arc::new(Mutex::new(false));
    /// let flag = Arc::clone(&unsubscribed);
    /// let sensor = Obj::new(Sensor);
    /// let read = WeakMethod::with_callback(&sensor, Sensor::read, move |dead| {
    ///     assert!(!dead.is_alive());
    ///     *flag.lock().unwrap() = true;
    /// });
    /// drop(sensor);
    /// assert!(*unsubscribed.lock().unwrap());
    /// assert_eq!(read.call(()), None);
    /// ```
    #[must_use = "dropping the `WeakMethod` unregisters its callback: keep it for as long as the callback should run"]
    pub fn with_callback<C>(obj: &Obj<T, F>, method: M, callback: C) -> Self
    where
        M: Clone + SendIf<F> + 'static,
        C: FnOnce(&WeakMethod<T, M, F>) + SendIf<F> + 'static,
    {
        let method_for_callback = method.clone();
        let weak =
            RawWeak::with_callback(&obj.raw, Kind::CallbackRef, move |raw: &RawWeak<T, F>| {
                let dead = WeakMethod {
                    weak: WeakRef { raw: raw.clone() },
                    method: method_for_callback,
                };
                callback(&dead);
            });
        Self {
            weak: WeakRef { raw: weak },
            method,
        }
    }
}

impl<T: ?Sized, M, F: Flavor> WeakMethod<T, M, F> {
    /// Calls the method on the object with `args` (a tuple, as `Fn::call` takes them) if the
    /// object is alive: Python's `wm()(*args)`, or `None` (Python's `wm()` returning `None`).
    ///
    /// A strong handle is held for the whole call, so the object cannot die while the method
    /// runs; if the method drops the object's other handles, it dies when `call` returns.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Adder(i32);
    ///
    /// impl Adder {
    ///     fn add(&self, a: i32, b: i32) -> i32 {
    ///         self.0 + a + b
    ///     }
    /// }
    ///
    /// let adder = Obj::new(Adder(1));
    /// let add = WeakMethod::new(&adder, Adder::add);
    /// assert_eq!(add.call((2, 3)), Some(6));
    /// ```
    pub fn call<Args>(&self, args: Args) -> Option<M::Output>
    where
        M: Method<T, Args>,
    {
        let obj = self.weak.upgrade()?;
        Some(self.method.call_method(&obj, args))
    }

    /// The object, if it is alive (the receiver Python's `wm()` binds).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let method = WeakMethod::new(&node, |_: &Node| ());
    /// assert!(Obj::ptr_eq(&method.target().unwrap(), &node));
    /// ```
    pub fn target(&self) -> Option<Obj<T, F>> {
        self.weak.upgrade()
    }

    /// The method (Python's `wm.__func__` of the bound method).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node(u8);
    ///
    /// fn value(node: &Node) -> u8 {
    ///     node.0
    /// }
    ///
    /// let node = Obj::new(Node(3));
    /// let method = WeakMethod::new(&node, value as fn(&Node) -> u8);
    /// assert_eq!((method.method())(&node), 3);
    /// ```
    pub fn method(&self) -> &M {
        &self.method
    }

    /// Whether the object is still alive.
    ///
    /// ```
    /// use weakref_core::{Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let method = WeakMethod::new(&node, |_: &Node| ());
    /// assert!(method.is_alive());
    /// drop(node);
    /// assert!(!method.is_alive());
    /// ```
    pub fn is_alive(&self) -> bool {
        self.weak.is_alive()
    }

    /// Whether two handles are handles to the same weak-reference object (Python's `is`).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// fn touch(_: &Node) {}
    ///
    /// let node = Obj::new(Node);
    /// let first = WeakMethod::new(&node, touch);
    /// let second = WeakMethod::new(&node, touch);
    /// assert!(first.ptr_eq(&first.clone()));
    /// assert!(!first.ptr_eq(&second)); // each `WeakMethod` is a weak reference of its own
    /// ```
    pub fn ptr_eq(&self, other: &Self) -> bool {
        self.weak.ptr_eq(&other.weak)
    }

    /// The weak reference to the object, a handle to this `WeakMethod`'s weak-reference
    /// object (as [`getweakrefs`](crate::getweakrefs) lists it).
    ///
    /// ```
    /// use weakref_core::{getweakrefs, Obj, WeakMethod, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Node;
    ///
    /// let node = Obj::new(Node);
    /// let method = WeakMethod::new(&node, |_: &Node| ());
    /// assert!(getweakrefs(&node)[0].ptr_eq(method.as_weakref()));
    /// ```
    pub fn as_weakref(&self) -> &WeakRef<T, F> {
        &self.weak
    }
}

impl<T: ?Sized, M: Clone, F: Flavor> Clone for WeakMethod<T, M, F> {
    /// Another handle to the same weak-reference object, with a clone of the method.
    fn clone(&self) -> Self {
        Self {
            weak: self.weak.clone(),
            method: self.method.clone(),
        }
    }
}

impl<T: ?Sized + PartialEq, M: PartialEq, F: Flavor> PartialEq for WeakMethod<T, M, F> {
    /// Python's rule: both alive, equal objects and equal methods; otherwise the same
    /// weak-reference object only.
    fn eq(&self, other: &Self) -> bool {
        match (self.weak.upgrade(), other.weak.upgrade()) {
            (Some(a), Some(b)) => *a == *b && self.method == other.method,
            _ => self.ptr_eq(other),
        }
    }
}

impl<T: ?Sized + Eq, M: Eq, F: Flavor> Eq for WeakMethod<T, M, F> {}

impl<T: ?Sized + Hash, M, F: Flavor> Hash for WeakMethod<T, M, F> {
    /// The object's hash, cached at the first hash and kept after it dies, as
    /// [`WeakRef`](crate::WeakRef) hashes (Python's `WeakMethod.__hash__` is `ref.__hash__`).
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.weak.hash(state);
    }
}

impl<T: ?Sized, M, F: Flavor> fmt::Debug for WeakMethod<T, M, F> {
    /// `<weakmethod <weakref at 0x…; to 'Type' at 0x…>>`, never touching the object.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<weakmethod {:?}>", self.weak)
    }
}

/// Methods that take a receiver of type `T` and the arguments `Args` (a tuple): what a
/// [`WeakMethod`] can call.
///
/// Every function and closure whose first parameter is `&T`, with up to six more, implements
/// it, so methods (`Printer::update`), trait methods on trait objects
/// (`<dyn Observer>::notify`) and closures all work. Implement it by hand for callable types
/// of your own.
///
/// ```
/// use weakref_core::Method;
///
/// fn greet(name: &str, punctuation: char) -> String {
///     format!("hello {name}{punctuation}")
/// }
///
/// assert_eq!(greet.call_method("ada", ('!',)), "hello ada!");
/// ```
pub trait Method<T: ?Sized, Args> {
    /// What a call returns.
    type Output;

    /// Calls the method on `receiver` with `args`.
    ///
    /// ```
    /// use weakref_core::Method;
    ///
    /// let len = |s: &str| s.len();
    /// assert_eq!(len.call_method("four", ()), 4);
    /// ```
    fn call_method(&self, receiver: &T, args: Args) -> Self::Output;
}

/// Implements [`Method`] for every `Fn(&T, ..)` with the given argument types.
macro_rules! method_fn {
    ($($arg:ident: $Arg:ident),*) => {
        impl<T: ?Sized, Func, R, $($Arg),*> Method<T, ($($Arg,)*)> for Func
        where
            Func: Fn(&T $(, $Arg)*) -> R,
        {
            type Output = R;

            #[inline]
            fn call_method(&self, receiver: &T, ($($arg,)*): ($($Arg,)*)) -> R {
                self(receiver $(, $arg)*)
            }
        }
    };
}

method_fn!();
method_fn!(a: A);
method_fn!(a: A, b: B);
method_fn!(a: A, b: B, c: C);
method_fn!(a: A, b: B, c: C, d: D);
method_fn!(a: A, b: B, c: C, d: D, e: E);
method_fn!(a: A, b: B, c: C, d: D, e: E, f: G);
