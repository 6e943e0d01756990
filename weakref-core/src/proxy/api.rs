//! `WeakProxy`, `proxy` and `proxy_with_callback`, written once and instantiated per flavor by
//! [`proxy_api!`], next to that flavor's [`flavor_api!`](crate::api::flavor_api).

/// Defines `WeakProxy`, `proxy` and `proxy_with_callback` for one flavor, in the module where
/// [`flavor_api!`](crate::api::flavor_api) defined its `Obj` and `WeakRef` (whose private
/// fields it uses). It adds no `use` items, so that it cannot clash with that macro's.
///
/// * `flavor`: the core flavor type;
/// * `path`: the module path users import from, for the docs;
/// * `callback`: the bounds a callback needs besides `FnOnce(&WeakProxy<T>) + 'static`.
macro_rules! proxy_api {
    (
        flavor: $Fl:ty,
        path: $path:literal,
        callback: [$($callback_bound:tt)*],
    ) => {
        #[doc = concat!(
            "A weak proxy to an [`Obj`]: Python's `weakref.proxy`.\n\n",
            "Like a [`WeakRef`], a proxy does not keep its object alive. Python's proxy ",
            "forwards every attribute access to the object; in Rust, every access goes ",
            "through a temporary strong handle, so no `&T` can outlive the object: ",
            "[`with`](WeakProxy::with) lends the object to a closure, ",
            "[`get`](WeakProxy::get) returns a strong handle, [`map`](WeakProxy::map) a guard ",
            "lending a field. Once the object died, every access is an ",
            "`Err(ReferenceError)`, never a panic.\n\n",
            "```\n",
            "use std::sync::atomic::{AtomicU32, Ordering};\n",
            "use ", $path, "::{Obj, ReferenceError, WeakProxy, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Counter {\n    hits: AtomicU32,\n}\n\n",
            "let counter = Obj::new(Counter { hits: AtomicU32::new(0) });\n",
            "let proxy = WeakProxy::new(&counter);\n",
            "proxy.with(|c| c.hits.fetch_add(1, Ordering::Relaxed)).unwrap();\n",
            "assert_eq!(counter.hits.load(Ordering::Relaxed), 1); // the same object\n",
            "drop(counter);\n",
            "assert_eq!(proxy.with(|c| c.hits.load(Ordering::Relaxed)), Err(ReferenceError));\n",
            "```\n\n",
            "# The generated wrapper\n\n",
            "`#[derive(Weakrefable)]` on `Counter` also generates `CounterProxy`, a wrapper ",
            "that derefs to `WeakProxy<Counter>` and adds an accessor per field; ",
            "[`#[forward]`](crate::forward) on an `impl Counter` block adds the `&self` ",
            "methods. [`proxy`] returns it. See [`Proxied`](crate::Proxied) for the ",
            "details.\n\n",
            "# Sharing, callbacks, order\n\n",
            "As in CPython, [`new`](WeakProxy::new) hands out the object's one shared proxy ",
            "while a handle to it is held (separately from the shared [`WeakRef`]), and ",
            "[`with_callback`](WeakProxy::with_callback) always makes a new one. Proxies take ",
            "part in the object's death like references: they are cleared first, then the ",
            "callbacks run, newest first among references and proxies. [`getweakrefcount`] ",
            "counts them and [`getweakrefs`] lists them, the shared proxy right after the ",
            "shared reference.\n\n",
            "# Traits\n\n",
            "* `Debug` never panics: `<weakproxy at 0x…; to 'Type' at 0x…>`, or ",
            "`<weakproxy at 0x…; dead>`.\n",
            "* No `PartialEq`: comparing through a proxy can fail (`ReferenceError`), which ",
            "`==` cannot report, and a silent `false` would hide a dead object. Use ",
            "[`eq_value`](WeakProxy::eq_value) and [`eq_proxy`](WeakProxy::eq_proxy), or ",
            "[`ptr_eq`](WeakProxy::ptr_eq) for identity.\n",
            "* No `Hash`, as in Python: a proxy's hash would have to change, or fail, when its ",
            "object dies.\n",
            "* No `Deref<Target = T>`: that would hand out a `&T` with no strong handle ",
            "behind it.",
        )]
        #[repr(transparent)]
        pub struct WeakProxy<T> {
            raw: $crate::raw::RawWeak<T, $Fl>,
        }

        impl<T: Weakrefable> WeakProxy<T> {
            #[doc = concat!(
                "The object's shared proxy, without callback: Python's `weakref.proxy(obj)`.",
                "\n\n",
                "While a handle to it is held, every call returns the same proxy (`proxy(o) is ",
                "proxy(o)`); after its last handle drops, the next call makes a new one. It is ",
                "distinct from the shared [`WeakRef`]. [`proxy`] returns it in the type's ",
                "generated wrapper.\n\n",
                "```\n",
                "use ", $path, "::{getweakrefcount, Obj, WeakProxy, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let a = WeakProxy::new(&node);\n",
                "let b = WeakProxy::new(&node);\n",
                "assert!(a.ptr_eq(&b));\n",
                "let weak = WeakRef::new(&node);\n",
                "assert!(!weak.ptr_eq(a.as_weakref()));\n",
                "assert_eq!(getweakrefcount(&node), 2);\n",
                "```",
            )]
            pub fn new(obj: &Obj<T>) -> Self {
                Self {
                    raw: $crate::raw::RawWeak::shared(&obj.raw, $crate::raw::Kind::SharedProxy),
                }
            }

            #[doc = concat!(
                "A new proxy whose `callback` runs when the object dies: Python's ",
                "`weakref.proxy(obj, callback)`.\n\n",
                "Each call makes a distinct proxy. The callback is given the (dead) proxy and ",
                "follows the rules of [`WeakRef::with_callback`]: it runs once, after every ",
                "reference and proxy to the object has been cleared, newest first, with none ",
                "of this crate's locks held, and never if every handle to the proxy was ",
                "dropped first. [`proxy_with_callback`] returns it in the type's generated ",
                "wrapper.\n\n",
                "```\n",
                "use std::sync::{Arc, Mutex};\n",
                "use ", $path, "::{Obj, ReferenceError, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let seen = Arc::new(Mutex::new(None));\n",
                "let node = Obj::new(Node);\n",
                "let sink = Arc::clone(&seen);\n",
                "let proxy = WeakProxy::with_callback(&node, move |dead: &WeakProxy<Node>| {\n",
                "    *sink.lock().unwrap() = Some(dead.get().err());\n",
                "});\n",
                "assert!(!proxy.ptr_eq(&WeakProxy::new(&node)));\n",
                "drop(node);\n",
                "assert_eq!(*seen.lock().unwrap(), Some(Some(ReferenceError)));\n",
                "```",
            )]
            pub fn with_callback<F>(obj: &Obj<T>, callback: F) -> Self
            where
                F: FnOnce(&WeakProxy<T>) + $($callback_bound)* 'static,
            {
                let raw = $crate::raw::RawWeak::with_callback(
                    &obj.raw,
                    $crate::raw::Kind::CallbackProxy,
                    move |raw: &$crate::raw::RawWeak<T, $Fl>| {
                        callback(WeakProxy::from_raw_ref(raw))
                    },
                );
                Self { raw }
            }
        }

        impl<T> WeakProxy<T> {
            fn from_raw_ref(raw: &$crate::raw::RawWeak<T, $Fl>) -> &Self {
                // SAFETY: `WeakProxy` is a `repr(transparent)` wrapper of `RawWeak`, so the
                // pointer cast keeps the layout, and the borrow keeps `raw`'s lifetime.
                unsafe { &*core::ptr::from_ref(raw).cast::<Self>() }
            }

            #[doc = concat!(
                "A strong handle to the object, or `Err(ReferenceError)` if it died.\n\n",
                "The handle keeps the object alive for as long as it is held, however the other ",
                "handles come and go.\n\n",
                "```\n",
                "use ", $path, "::{Obj, ReferenceError, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node(u32);\n\n",
                "let node = Obj::new(Node(7));\n",
                "let proxy = WeakProxy::new(&node);\n",
                "let strong = proxy.get().unwrap();\n",
                "assert!(Obj::ptr_eq(&strong, &node));\n",
                "drop((node, strong));\n",
                "assert!(matches!(proxy.get(), Err(ReferenceError)));\n",
                "```",
            )]
            #[inline]
            pub fn get(&self) -> Result<Obj<T>, $crate::ReferenceError> {
                match self.raw.upgrade() {
                    Some(raw) => Ok(Obj { raw }),
                    None => Err($crate::ReferenceError),
                }
            }

            #[doc = concat!(
                "Calls `f` with the object, or returns `Err(ReferenceError)` if it died: every ",
                "Python operation on a proxy, in one method.\n\n",
                "A strong handle is held for the whole call, so the object cannot die while ",
                "`f` runs, even if `f` drops every other handle to it; if it does, the object ",
                "dies when `with` returns.\n\n",
                "```\n",
                "use std::sync::Mutex;\n",
                "use ", $path, "::{Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Playlist {\n    songs: Mutex<Vec<String>>,\n}\n\n",
                "let list = Obj::new(Playlist { songs: Mutex::new(Vec::new()) });\n",
                "let proxy = WeakProxy::new(&list);\n",
                "proxy.with(|l| l.songs.lock().unwrap().push(\"intro\".into())).unwrap();\n",
                "assert_eq!(proxy.with(|l| l.songs.lock().unwrap().len()), Ok(1));\n",
                "drop(list);\n",
                "assert!(proxy.with(|l| l.songs.lock().unwrap().len()).is_err());\n",
                "```",
            )]
            #[inline]
            pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, $crate::ReferenceError> {
                let strong = self.get()?;
                Ok(f(&strong))
            }

            #[doc = concat!(
                "A guard lending the part of the object that `project` selects (usually a ",
                "field), or `Err(ReferenceError)` if the object died: Python's `p.attr`.\n\n",
                "The guard holds a strong handle while it lives; see [`FieldRef`]. The ",
                "generated wrapper's field accessors are built on this.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Point {\n    x: f64,\n    tag: String,\n}\n\n",
                "let point = Obj::new(Point { x: 1.5, tag: \"origin\".into() });\n",
                "let proxy = WeakProxy::new(&point);\n",
                "assert_eq!(*proxy.map(|p| &p.x).unwrap(), 1.5);\n",
                "assert_eq!(proxy.map(|p| p.tag.as_str()).unwrap().len(), 6);\n",
                "drop(point);\n",
                "assert!(proxy.map(|p| &p.x).is_err());\n",
                "```",
            )]
            #[inline]
            pub fn map<U: ?Sized>(
                &self,
                project: fn(&T) -> &U,
            ) -> Result<$crate::FieldRef<Obj<T>, U>, $crate::ReferenceError> {
                Ok($crate::FieldRef::new(self.get()?, project))
            }

            #[doc = concat!(
                "Whether the object is still alive.\n\n",
                "Another thread may drop the object right after this returns `true`; use ",
                "[`with`](WeakProxy::with) or [`get`](WeakProxy::get) to hold it.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let proxy = WeakProxy::new(&node);\n",
                "assert!(proxy.is_alive());\n",
                "drop(node);\n",
                "assert!(!proxy.is_alive());\n",
                "```",
            )]
            pub fn is_alive(&self) -> bool {
                self.raw.is_alive()
            }

            #[doc = concat!(
                "Whether two handles are handles to the same proxy (Python's `p1 is p2`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let shared = WeakProxy::new(&node);\n",
                "let own = WeakProxy::with_callback(&node, |_| {});\n",
                "assert!(shared.ptr_eq(&shared.clone()));\n",
                "assert!(!shared.ptr_eq(&own));\n",
                "```",
            )]
            pub fn ptr_eq(&self, other: &Self) -> bool {
                self.raw.ptr_eq(&other.raw)
            }

            #[doc = concat!(
                "Whether this proxy's callback is still to run: `false` for a proxy made ",
                "without one, and for every proxy once its object has died.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let watched = WeakProxy::with_callback(&node, |_| {});\n",
                "assert!(watched.callback_pending());\n",
                "assert!(!WeakProxy::new(&node).callback_pending());\n",
                "drop(node);\n",
                "assert!(!watched.callback_pending());\n",
                "```",
            )]
            pub fn callback_pending(&self) -> bool {
                self.raw.callback_pending()
            }

            #[doc = concat!(
                "This proxy's weak-reference object as a [`WeakRef`] handle: the form in ",
                "which [`getweakrefs`] lists it, for [`WeakRef::ptr_eq`].\n\n",
                "The `WeakRef` behaves as a weak reference to the same object; converting ",
                "with `WeakRef::from(proxy)` gives an owned one.\n\n",
                "```\n",
                "use ", $path, "::{getweakrefs, Obj, WeakProxy, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let proxy = WeakProxy::new(&node);\n",
                "assert!(getweakrefs(&node)[0].ptr_eq(proxy.as_weakref()));\n",
                "assert!(proxy.as_weakref().is_proxy());\n",
                "let weak: WeakRef<Node> = proxy.clone().into();\n",
                "assert!(weak.ptr_eq(proxy.as_weakref()));\n",
                "```",
            )]
            pub fn as_weakref(&self) -> &WeakRef<T> {
                WeakRef::from_raw_ref(&self.raw)
            }

            #[doc = concat!(
                "Whether the object equals `other`: Python's `p == o`, or ",
                "`Err(ReferenceError)` if the object died.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(PartialEq, Weakrefable)]\n",
                "struct Version(u32);\n\n",
                "let v = Obj::new(Version(3));\n",
                "let proxy = WeakProxy::new(&v);\n",
                "assert_eq!(proxy.eq_value(&Version(3)), Ok(true));\n",
                "assert_eq!(proxy.eq_value(&v), Ok(true));\n",
                "drop(v);\n",
                "assert!(proxy.eq_value(&Version(3)).is_err());\n",
                "```",
            )]
            pub fn eq_value<U: ?Sized>(&self, other: &U) -> Result<bool, $crate::ReferenceError>
            where
                T: PartialEq<U>,
            {
                self.with(|value| value == other)
            }

            #[doc = concat!(
                "Whether the objects of two proxies are equal: Python's `p1 == p2`, which ",
                "unwraps both sides.\n\n",
                "`Err(ReferenceError)` if either object died, even when both handles are ",
                "handles to the same proxy, as in Python. Proxies with and without callbacks ",
                "compare alike.\n\n",
                "```\n",
                "use ", $path, "::{Obj, ReferenceError, WeakProxy, Weakrefable};\n\n",
                "#[derive(PartialEq, Weakrefable)]\n",
                "struct Version(u32);\n\n",
                "let a = Obj::new(Version(3));\n",
                "let b = Obj::new(Version(3));\n",
                "let (pa, pb) = (WeakProxy::new(&a), WeakProxy::with_callback(&b, |_| {}));\n",
                "assert_eq!(pa.eq_proxy(&pb), Ok(true));\n",
                "drop(b);\n",
                "assert_eq!(pa.eq_proxy(&pb), Err(ReferenceError));\n",
                "assert_eq!(pb.eq_proxy(&pb), Err(ReferenceError));\n",
                "```",
            )]
            pub fn eq_proxy<U>(&self, other: &WeakProxy<U>) -> Result<bool, $crate::ReferenceError>
            where
                T: PartialEq<U>,
            {
                let (this, other) = (self.get()?, other.get()?);
                Ok(*this == *other)
            }

            #[doc = concat!(
                "Calls the object with `args` (a tuple, as `Fn::call` takes them): Python's ",
                "`p(*args)` for a callable object, or `Err(ReferenceError)` if it died.\n\n",
                "Available when the object is [`Callable`](crate::Callable) with these ",
                "arguments. A strong handle is held for the whole call.\n\n",
                "```\n",
                "use ", $path, "::{Callable, Obj, WeakProxy, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Greeter {\n    greeting: &'static str,\n}\n\n",
                "impl Callable<(&str,)> for Greeter {\n",
                "    type Output = String;\n\n",
                "    fn call_with(&self, (name,): (&str,)) -> String {\n",
                "        format!(\"{}, {name}!\", self.greeting)\n",
                "    }\n",
                "}\n\n",
                "let greeter = Obj::new(Greeter { greeting: \"Hello\" });\n",
                "let proxy = WeakProxy::new(&greeter);\n",
                "assert_eq!(proxy.call((\"Ada\",)).unwrap(), \"Hello, Ada!\");\n",
                "drop(greeter);\n",
                "assert!(proxy.call((\"Ada\",)).is_err());\n",
                "```",
            )]
            pub fn call<Args>(
                &self,
                args: Args,
            ) -> Result<<T as $crate::Callable<Args>>::Output, $crate::ReferenceError>
            where
                T: $crate::Callable<Args>,
            {
                self.with(|callable| callable.call_with(args))
            }
        }

        impl<T> Clone for WeakProxy<T> {
            /// Another handle to the same proxy (not a new proxy).
            fn clone(&self) -> Self {
                Self { raw: self.raw.clone() }
            }
        }

        impl<T> core::fmt::Debug for WeakProxy<T> {
            /// `<weakproxy at 0x…; to 'Type' at 0x…>` while the object lives and
            /// `<weakproxy at 0x…; dead>` after. Never touches the value, never panics.
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(&self.raw, f)
            }
        }

        impl<T> From<WeakProxy<T>> for WeakRef<T> {
            /// The proxy's weak-reference object as a `WeakRef` handle (see
            /// [`WeakProxy::as_weakref`]).
            fn from(proxy: WeakProxy<T>) -> Self {
                WeakRef { raw: proxy.raw }
            }
        }

        impl<T> TryFrom<WeakRef<T>> for WeakProxy<T> {
            type Error = WeakRef<T>;

            /// The proxy behind a `WeakRef` handle to a proxy's weak-reference object (as
            /// [`getweakrefs`] returns them), or the handle back if it is a reference's.
            fn try_from(weak: WeakRef<T>) -> Result<Self, WeakRef<T>> {
                if weak.is_proxy() {
                    Ok(WeakProxy { raw: weak.raw })
                } else {
                    Err(weak)
                }
            }
        }

        impl<T> $crate::proxy::sealed::Sealed for WeakProxy<T> {}

        impl<T> $crate::ProxyAccess for WeakProxy<T> {
            type Target = T;
            type Strong = Obj<T>;

            #[inline]
            fn get(&self) -> Result<Obj<T>, $crate::ReferenceError> {
                WeakProxy::get(self)
            }

            #[inline]
            fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Result<R, $crate::ReferenceError> {
                WeakProxy::with(self, f)
            }

            #[inline]
            fn map<U: ?Sized>(
                &self,
                project: fn(&T) -> &U,
            ) -> Result<$crate::FieldRef<Obj<T>, U>, $crate::ReferenceError> {
                WeakProxy::map(self, project)
            }
        }

        #[doc = concat!(
            "The object's shared proxy in the type's proxy wrapper: Python's ",
            "`weakref.proxy(obj)`.\n\n",
            "For a type that derives [`Weakrefable`] (which implements [`Proxied`]",
            "(crate::Proxied)) this is the generated wrapper ",
            "(`CounterProxy` for `Counter`), which derefs to [`WeakProxy`] and adds the ",
            "type's field accessors and [forwarded](crate::forward) methods, each returning ",
            "`Result<_, ReferenceError>`. For a type that opted out ",
            "(`#[weakref(no_proxy)]`) it is the `WeakProxy` itself.\n\n",
            "```\n",
            "use std::sync::atomic::{AtomicU32, Ordering};\n",
            "use ", $path, "::{forward, proxy, Obj, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "pub struct Counter {\n    pub count: AtomicU32,\n}\n\n",
            "#[forward]\n",
            "impl Counter {\n",
            "    pub fn bump(&self) -> u32 {\n",
            "        self.count.fetch_add(1, Ordering::Relaxed) + 1\n",
            "    }\n",
            "}\n\n",
            "let counter = Obj::new(Counter { count: AtomicU32::new(0) });\n",
            "let p = proxy(&counter);\n",
            "assert_eq!(p.bump(), Ok(1)); // a forwarded method\n",
            "assert_eq!(p.count().unwrap().load(Ordering::Relaxed), 1); // a field\n",
            "assert!(p.is_alive()); // `WeakProxy`'s own methods, through `Deref`\n",
            "drop(counter);\n",
            "assert!(p.bump().is_err());\n",
            "assert!(p.count().is_err());\n",
            "```",
        )]
        pub fn proxy<T: $crate::Proxied>(obj: &Obj<T>) -> T::Proxy<WeakProxy<T>> {
            From::from(WeakProxy::new(obj))
        }

        #[doc = concat!(
            "A new proxy whose `callback` runs when the object dies, in the type's proxy ",
            "wrapper: Python's `weakref.proxy(obj, callback)`.\n\n",
            "[`WeakProxy::with_callback`] in the wrapper that [`proxy`] returns.\n\n",
            "```\n",
            "use std::sync::{Arc, Mutex};\n",
            "use ", $path, "::{proxy_with_callback, Obj, WeakProxy, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Tab {\n    title: String,\n}\n\n",
            "let closed = Arc::new(Mutex::new(false));\n",
            "let tab = Obj::new(Tab { title: \"docs\".into() });\n",
            "let flag = Arc::clone(&closed);\n",
            "let p = proxy_with_callback(&tab, move |_: &WeakProxy<Tab>| {\n",
            "    *flag.lock().unwrap() = true;\n",
            "});\n",
            "assert_eq!(*p.title().unwrap(), \"docs\");\n",
            "drop(tab);\n",
            "assert!(*closed.lock().unwrap());\n",
            "```",
        )]
        pub fn proxy_with_callback<T, F>(obj: &Obj<T>, callback: F) -> T::Proxy<WeakProxy<T>>
        where
            T: $crate::Proxied,
            F: FnOnce(&WeakProxy<T>) + $($callback_bound)* 'static,
        {
            From::from(WeakProxy::with_callback(obj, callback))
        }
    };
}

pub(crate) use proxy_api;
