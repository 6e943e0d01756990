//! The public types, written once and instantiated for each flavor by [`flavor_api!`].
//!
//! The crate root instantiates it with the thread-safe `Atomic` flavor and `Send` callbacks,
//! [`unsync`](crate::unsync) with the single-threaded `Local` flavor. Doc examples are
//! assembled with `concat!` so each flavor's page shows (and tests) its own paths.

/// Defines `Obj`, `WeakRef`, `getweakrefcount` and `getweakrefs` for one flavor.
///
/// * `flavor`: the core flavor type;
/// * `path`: the module path users import from, for the docs;
/// * `std_rc`: the std pointer this flavor mirrors (`Arc` or `Rc`), for the docs;
/// * `callback`: the bounds a callback needs besides `FnOnce(&WeakRef<T>) + 'static`.
macro_rules! flavor_api {
    (
        flavor: $Fl:ty,
        path: $path:literal,
        std_rc: $std_rc:literal,
        callback: [$($callback_bound:tt)*],
    ) => {
        use core::borrow::Borrow;
        use core::cmp::Ordering;
        use core::fmt;
        use core::hash::{Hash, Hasher};
        use core::ops::Deref;

        use $crate::raw::{RawObj, RawWeak};

        #[doc = concat!(
            "A shared, weakly referenceable object: the strong handle, like `", $std_rc, "<T>`.\n\n",
            "An object lives as long as one `Obj` handle to it does; cloning the handle shares ",
            "the object. When the last handle drops the object *dies*: every [`WeakRef`] to it ",
            "stops upgrading, the callbacks of the weak references still held run (newest ",
            "first), and then the value is dropped. The comparison, hashing and formatting ",
            "traits delegate to `T`, as they do for `", $std_rc, "`; identity is [`Obj::ptr_eq`].\n\n",
            "```\n",
            "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
            "#[derive(Debug, Weakrefable)]\n",
            "struct Image {\n    pixels: Vec<u8>,\n}\n\n",
            "let image = Obj::new(Image { pixels: vec![0; 16] });\n",
            "let again = Obj::clone(&image);\n",
            "assert!(Obj::ptr_eq(&image, &again));\n",
            "assert_eq!(image.pixels.len(), 16); // `Obj<T>` derefs to `T`\n\n",
            "let weak = WeakRef::new(&image);\n",
            "drop(image);\n",
            "assert!(weak.is_alive()); // `again` still holds it\n",
            "drop(again);\n",
            "assert!(weak.upgrade().is_none()); // dead: the last handle dropped\n",
            "```\n\n",
            "Dropping a long chain of objects that own each other cannot overflow the stack: ",
            "deaths nested deeper than a fixed bound are queued and finished, in a loop, before ",
            "the outermost `drop` returns.\n\n",
            "Like `", $std_rc, "`, reference cycles of `Obj`s are never freed: objects in a ",
            "cycle never die, so their weak references never call back. Break cycles with ",
            "[`WeakRef`].",
        )]
        #[repr(transparent)]
        pub struct Obj<T> {
            raw: RawObj<T, $Fl>,
        }

        impl<T> Obj<T> {
            #[doc = concat!(
                "Puts `value` in a new object, like `", $std_rc, "::new`.\n\n",
                "The object starts with one strong handle and no weak references; its weak ",
                "reference list costs nothing until the first [`WeakRef`] is made.\n\n",
                "```\n",
                "use ", $path, "::Obj;\n\n",
                "let five = Obj::new(5);\n",
                "assert_eq!(*five, 5);\n",
                "```",
            )]
            pub fn new(value: T) -> Self {
                Self { raw: RawObj::new(value) }
            }

            #[doc = concat!(
                "Whether two handles share one object (identity, Python's `is`), like `",
                $std_rc, "::ptr_eq`.\n\n",
                "```\n",
                "use ", $path, "::Obj;\n\n",
                "let a = Obj::new(1);\n",
                "let b = Obj::new(1);\n",
                "assert!(Obj::ptr_eq(&a, &a.clone()));\n",
                "assert!(!Obj::ptr_eq(&a, &b));\n",
                "assert_eq!(a, b); // equality is the values'\n",
                "```",
            )]
            pub fn ptr_eq(this: &Self, other: &Self) -> bool {
                this.raw.ptr_eq(&other.raw)
            }

            #[doc = concat!(
                "The number of strong handles to the object, like `", $std_rc, "::strong_count`.",
                "\n\n",
                "```\n",
                "use ", $path, "::Obj;\n\n",
                "let a = Obj::new(\"text\");\n",
                "let b = a.clone();\n",
                "assert_eq!(Obj::strong_count(&a), 2);\n",
                "drop(b);\n",
                "assert_eq!(Obj::strong_count(&a), 1);\n",
                "```",
            )]
            pub fn strong_count(this: &Self) -> usize {
                this.raw.strong_count()
            }

            #[doc = concat!(
                "A pointer to the value, valid while the object is alive.\n\n",
                "```\n",
                "use ", $path, "::Obj;\n\n",
                "let a = Obj::new(7);\n",
                "// SAFETY: `a` keeps the object alive, so the pointer is valid.\n",
                "assert_eq!(unsafe { *Obj::as_ptr(&a) }, 7);\n",
                "```",
            )]
            pub fn as_ptr(this: &Self) -> *const T {
                this.raw.value_ptr()
            }

            #[doc = concat!(
                "The object's shared weak reference: the same as [`WeakRef::new`], under the ",
                "name `", $std_rc, "::downgrade` uses.\n\n",
                "```\n",
                "use ", $path, "::{Obj, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let weak = Obj::downgrade(&node);\n",
                "assert!(weak.ptr_eq(&Obj::downgrade(&node)));\n",
                "```",
            )]
            pub fn downgrade(this: &Self) -> WeakRef<T>
            where
                T: Weakrefable,
            {
                WeakRef::new(this)
            }
        }

        impl<T> Clone for Obj<T> {
            /// Makes another strong handle to the same object.
            fn clone(&self) -> Self {
                Self { raw: self.raw.clone() }
            }
        }

        impl<T> Deref for Obj<T> {
            type Target = T;

            fn deref(&self) -> &T {
                self.raw.value()
            }
        }

        impl<T> AsRef<T> for Obj<T> {
            fn as_ref(&self) -> &T {
                self.raw.value()
            }
        }

        impl<T> Borrow<T> for Obj<T> {
            fn borrow(&self) -> &T {
                self.raw.value()
            }
        }

        impl<T: Default> Default for Obj<T> {
            /// An object holding `T::default()`.
            fn default() -> Self {
                Self::new(T::default())
            }
        }

        impl<T> From<T> for Obj<T> {
            /// Moves `value` into a new object.
            fn from(value: T) -> Self {
                Self::new(value)
            }
        }

        impl<T: fmt::Debug> fmt::Debug for Obj<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: fmt::Display> fmt::Display for Obj<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }

        impl<T> fmt::Pointer for Obj<T> {
            /// Formats the address of the value.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Pointer::fmt(&Self::as_ptr(self), f)
            }
        }

        impl<T: PartialEq> PartialEq for Obj<T> {
            fn eq(&self, other: &Self) -> bool {
                **self == **other
            }
        }

        impl<T: Eq> Eq for Obj<T> {}

        impl<T: PartialOrd> PartialOrd for Obj<T> {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                (**self).partial_cmp(&**other)
            }
        }

        impl<T: Ord> Ord for Obj<T> {
            fn cmp(&self, other: &Self) -> Ordering {
                (**self).cmp(&**other)
            }
        }

        impl<T: Hash> Hash for Obj<T> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                (**self).hash(state)
            }
        }

        #[doc = concat!(
            "A weak reference to an [`Obj`]: Python's `weakref.ref`.\n\n",
            "It does not keep the object alive. [`upgrade`](WeakRef::upgrade) gives a strong ",
            "handle while the object lives and `None` once it died; a reference made with ",
            "[`with_callback`](WeakRef::with_callback) calls back when the object dies.\n\n",
            "A `WeakRef` is a handle to a *weak-reference object*, as in Python: `clone` makes ",
            "another handle to the same one ([`ptr_eq`](WeakRef::ptr_eq) is Python's `is`). ",
            "The object counts and lists weak-reference objects, not handles ",
            "([`getweakrefcount`], [`getweakrefs`]); one is unregistered when its last handle ",
            "drops, and then its callback will never run.\n\n",
            "```\n",
            "use std::sync::{Arc, Mutex};\n",
            "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Document {\n    title: String,\n}\n\n",
            "let log = Arc::new(Mutex::new(Vec::new()));\n",
            "let doc = Obj::new(Document { title: \"draft\".into() });\n\n",
            "let plain = WeakRef::new(&doc);\n",
            "let log_in_callback = Arc::clone(&log);\n",
            "let watched = WeakRef::with_callback(&doc, move |dead: &WeakRef<Document>| {\n",
            "    assert!(dead.upgrade().is_none()); // every reference is cleared first\n",
            "    log_in_callback.lock().unwrap().push(\"document closed\");\n",
            "});\n\n",
            "assert_eq!(plain.upgrade().unwrap().title, \"draft\");\n",
            "drop(doc); // the last strong handle: the object dies now\n",
            "assert!(plain.upgrade().is_none());\n",
            "assert!(!watched.is_alive());\n",
            "assert_eq!(*log.lock().unwrap(), [\"document closed\"]);\n",
            "```\n\n",
            "# Equality and hashing\n\n",
            "As in Python: two live references are equal when their referents are (`T: ",
            "PartialEq`); once either is dead only the same weak-reference object equals ",
            "itself. A reference hashes as its referent (`T: Hash`), computed at the first ",
            "hash and kept after the referent dies, so a dead reference can still be found in ",
            "a `HashSet`. Python raises `TypeError` when a dead reference that was never ",
            "hashed is hashed; Rust's `Hash` cannot fail, so such a reference hashes its own ",
            "identity instead (not cached), which is consistent with `Eq` because a dead ",
            "reference equals only itself. [`try_hash`](WeakRef::try_hash) reports that case as `None`. Weak ",
            "references are not ordered (no `PartialOrd`), as in Python.",
        )]
        #[repr(transparent)]
        pub struct WeakRef<T> {
            raw: RawWeak<T, $Fl>,
        }

        impl<T: Weakrefable> WeakRef<T> {
            #[doc = concat!(
                "The object's shared weak reference, without callback: Python's `weakref.ref(obj)`.",
                "\n\n",
                "While a handle to it is held, every call returns the same weak-reference ",
                "object (`ref(o) is ref(o)`); after its last handle drops, the next call makes ",
                "a new one. It is always listed first by [`getweakrefs`].\n\n",
                "```\n",
                "use ", $path, "::{getweakrefcount, Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let a = WeakRef::new(&node);\n",
                "let b = WeakRef::new(&node);\n",
                "assert!(a.ptr_eq(&b));\n",
                "assert_eq!(getweakrefcount(&node), 1);\n",
                "```",
            )]
            pub fn new(obj: &Obj<T>) -> Self {
                Self { raw: RawWeak::shared(&obj.raw, $crate::raw::Kind::SharedRef) }
            }

            #[doc = concat!(
                "A new weak reference whose `callback` runs when the object dies: Python's ",
                "`weakref.ref(obj, callback)`.\n\n",
                "Each call makes a distinct weak-reference object. When the object dies, every ",
                "weak reference to it is cleared first; then the callbacks of those whose ",
                "handles are still held run, newest first, each once, on the thread where the ",
                "object died, with none of this crate's locks held, each given its (dead) ",
                "reference. A callback may do anything, including making or dropping weak ",
                "references and dropping other objects. If it panics, the panic is reported ",
                "through the [unraisable hook](crate::set_unraisable_hook) and the other ",
                "callbacks still run.\n\n",
                "If every handle to the reference is dropped before the object dies, the ",
                "callback never runs; it is dropped then, with everything it captured.\n\n",
                "```\n",
                "use std::sync::atomic::{AtomicUsize, Ordering};\n",
                "use std::sync::Arc;\n",
                "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let calls = Arc::new(AtomicUsize::new(0));\n",
                "let node = Obj::new(Node);\n",
                "let counter = Arc::clone(&calls);\n",
                "let kept = WeakRef::with_callback(&node, move |_| {\n",
                "    counter.fetch_add(1, Ordering::SeqCst);\n",
                "});\n",
                "let counter = Arc::clone(&calls);\n",
                "let dropped = WeakRef::with_callback(&node, move |_| {\n",
                "    counter.fetch_add(100, Ordering::SeqCst);\n",
                "});\n",
                "assert!(!kept.ptr_eq(&dropped));\n",
                "drop(dropped); // unregistered: its callback will never run\n",
                "drop(node);\n",
                "assert_eq!(calls.load(Ordering::SeqCst), 1);\n",
                "```",
            )]
            pub fn with_callback<F>(obj: &Obj<T>, callback: F) -> Self
            where
                F: FnOnce(&WeakRef<T>) + $($callback_bound)* 'static,
            {
                let raw = RawWeak::with_callback(
                    &obj.raw,
                    $crate::raw::Kind::CallbackRef,
                    move |raw: &RawWeak<T, $Fl>| callback(WeakRef::from_raw_ref(raw)),
                );
                Self { raw }
            }
        }

        impl<T> WeakRef<T> {
            fn from_raw_ref(raw: &RawWeak<T, $Fl>) -> &Self {
                // SAFETY: `WeakRef` is a `repr(transparent)` wrapper of `RawWeak`.
                unsafe { &*core::ptr::from_ref(raw).cast::<Self>() }
            }

            #[doc = concat!(
                "A strong handle to the object if it is still alive: Python's `r()`.\n\n",
                "It never revives a dead object: once the last strong handle dropped, this ",
                "returns `None` for good.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node(u32);\n\n",
                "let node = Obj::new(Node(7));\n",
                "let weak = WeakRef::new(&node);\n",
                "let strong = weak.upgrade().unwrap();\n",
                "assert!(Obj::ptr_eq(&strong, &node));\n",
                "drop((node, strong));\n",
                "assert!(weak.upgrade().is_none());\n",
                "```",
            )]
            pub fn upgrade(&self) -> Option<Obj<T>> {
                self.raw.upgrade().map(|raw| Obj { raw })
            }

            #[doc = concat!(
                "Whether the object is still alive.\n\n",
                "Another thread may drop the object right after this returns `true`; use ",
                "[`upgrade`](WeakRef::upgrade) to hold it.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let weak = WeakRef::new(&node);\n",
                "assert!(weak.is_alive());\n",
                "drop(node);\n",
                "assert!(!weak.is_alive());\n",
                "```",
            )]
            pub fn is_alive(&self) -> bool {
                self.raw.is_alive()
            }

            #[doc = concat!(
                "Whether two handles are handles to the same weak-reference object ",
                "(Python's `r1 is r2`).\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let shared = WeakRef::new(&node);\n",
                "let own = WeakRef::with_callback(&node, |_| {});\n",
                "assert!(shared.ptr_eq(&shared.clone()));\n",
                "assert!(!shared.ptr_eq(&own));\n",
                "assert!(shared == own); // equal: same live referent\n",
                "# impl PartialEq for Node { fn eq(&self, _: &Node) -> bool { true } }\n",
                "```",
            )]
            pub fn ptr_eq(&self, other: &Self) -> bool {
                self.raw.ptr_eq(&other.raw)
            }

            #[doc = concat!(
                "Whether this reference's callback is still to run: Python's `r.__callback__ ",
                "is not None`.\n\n",
                "`false` for a reference made without a callback, and for every reference once ",
                "its object has died, including while the callbacks run.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let plain = WeakRef::new(&node);\n",
                "let watched = WeakRef::with_callback(&node, |r| assert!(!r.callback_pending()));\n",
                "assert!(!plain.callback_pending());\n",
                "assert!(watched.callback_pending());\n",
                "drop(node);\n",
                "assert!(!watched.callback_pending());\n",
                "```",
            )]
            pub fn callback_pending(&self) -> bool {
                self.raw.callback_pending()
            }

            #[doc = concat!(
                "Whether this is a handle to a proxy's weak-reference object rather than to a ",
                "reference's.\n\n",
                "[`getweakrefs`] lists every weak-reference object of an object, proxies ",
                "included, as `WeakRef` handles. A proxy's handle behaves as a `WeakRef` to ",
                "the same object (it upgrades, compares and hashes like one); ",
                "`WeakProxy::try_from` turns it back into the [`WeakProxy`].\n\n",
                "```\n",
                "use ", $path, "::{getweakrefs, Obj, WeakProxy, WeakRef, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Node;\n\n",
                "let node = Obj::new(Node);\n",
                "let weak = WeakRef::new(&node);\n",
                "let proxy = WeakProxy::new(&node);\n",
                "let refs = getweakrefs(&node);\n",
                "assert!(!refs[0].is_proxy() && refs[0].ptr_eq(&weak));\n",
                "assert!(refs[1].is_proxy() && refs[1].ptr_eq(proxy.as_weakref()));\n",
                "```",
            )]
            pub fn is_proxy(&self) -> bool {
                self.raw.kind().is_proxy()
            }

            #[doc = concat!(
                "The hash this reference has under `Hash`, or `None` where Python's `hash(r)` ",
                "raises `TypeError`: the referent died before the reference was ever hashed.",
                "\n\n",
                "The hash is the referent's (with a fixed `DefaultHasher`), computed once and ",
                "cached, so it survives the referent's death and ignores later changes.\n\n",
                "```\n",
                "use ", $path, "::{Obj, WeakRef, Weakrefable};\n\n",
                "#[derive(Hash, Weakrefable)]\n",
                "struct Key(&'static str);\n\n",
                "let key = Obj::new(Key(\"a\"));\n",
                "let hashed = WeakRef::with_callback(&key, |_| {});\n",
                "let unhashed = WeakRef::with_callback(&key, |_| {});\n",
                "let h = hashed.try_hash().unwrap();\n",
                "drop(key);\n",
                "assert_eq!(hashed.try_hash(), Some(h)); // kept after death\n",
                "assert_eq!(unhashed.try_hash(), None); // dead and never hashed\n",
                "```",
            )]
            pub fn try_hash(&self) -> Option<u64>
            where
                T: Hash,
            {
                self.raw.try_hash(referent_hash::<T>)
            }
        }

        /// The referent hash a weak reference caches.
        fn referent_hash<T: Hash>(value: &T) -> u64 {
            let mut hasher = std::hash::DefaultHasher::new();
            value.hash(&mut hasher);
            hasher.finish()
        }

        impl<T> Clone for WeakRef<T> {
            /// Another handle to the same weak-reference object (not a new weak reference).
            fn clone(&self) -> Self {
                Self { raw: self.raw.clone() }
            }
        }

        impl<T: PartialEq> PartialEq for WeakRef<T> {
            /// Live references compare as their referents; once either is dead, a reference
            /// equals only itself (Python's rule). Callbacks do not matter.
            fn eq(&self, other: &Self) -> bool {
                match (self.upgrade(), other.upgrade()) {
                    // Even a reference compared with itself asks its referent, as Python does
                    // (a referent unequal to itself makes its live reference unequal too).
                    (Some(a), Some(b)) => *a == *b,
                    _ => self.ptr_eq(other),
                }
            }
        }

        impl<T: Eq> Eq for WeakRef<T> {}

        impl<T: Hash> Hash for WeakRef<T> {
            /// Feeds the cached referent hash (see [`WeakRef::try_hash`]); a dead reference
            /// that was never hashed feeds its identity.
            fn hash<H: Hasher>(&self, state: &mut H) {
                state.write_u64(self.raw.hash_value(referent_hash::<T>));
            }
        }

        impl<T> fmt::Debug for WeakRef<T> {
            /// `<weakref at 0x…; to 'Type' at 0x…>` while the referent lives and
            /// `<weakref at 0x…; dead>` after, as Python's `repr`. Never touches the value,
            /// never panics.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.raw, f)
            }
        }

        #[doc = concat!(
            "The number of weak-reference objects to `obj`: Python's ",
            "`weakref.getweakrefcount`.\n\n",
            "It counts weak-reference objects: references and proxies, shared or with ",
            "callbacks, including those of weak collections. It does not count handles: ",
            "clones of one `WeakRef` (or of one [`WeakProxy`]) count once.\n\n",
            "```\n",
            "use ", $path, "::{getweakrefcount, Obj, WeakProxy, WeakRef, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Node;\n\n",
            "let node = Obj::new(Node);\n",
            "assert_eq!(getweakrefcount(&node), 0);\n",
            "let a = WeakRef::new(&node);\n",
            "let a2 = a.clone();\n",
            "let b = WeakRef::with_callback(&node, |_| {});\n",
            "assert_eq!(getweakrefcount(&node), 2);\n",
            "let p = WeakProxy::new(&node);\n",
            "assert_eq!(getweakrefcount(&node), 3);\n",
            "drop((a, a2, b, p));\n",
            "assert_eq!(getweakrefcount(&node), 0);\n",
            "```",
        )]
        pub fn getweakrefcount<T: Weakrefable>(obj: &Obj<T>) -> usize {
            $crate::raw::weakref_count(&obj.raw)
        }

        #[doc = concat!(
            "New handles to every weak-reference object of `obj`: Python's ",
            "`weakref.getweakrefs`.\n\n",
            "In CPython's order: the shared reference first, the shared proxy right after ",
            "it, then the others, references and proxies with callbacks, newest first (the ",
            "order their callbacks would run in).\n\n",
            "Proxies are listed too, each as a `WeakRef` handle to the proxy's ",
            "weak-reference object: [`WeakRef::is_proxy`] tells them apart, ",
            "[`WeakRef::ptr_eq`] with [`WeakProxy::as_weakref`] identifies them, and ",
            "`WeakProxy::try_from` converts them back.\n\n",
            "```\n",
            "use ", $path, "::{getweakrefs, Obj, WeakProxy, WeakRef, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Node;\n\n",
            "let node = Obj::new(Node);\n",
            "let older = WeakRef::with_callback(&node, |_| {});\n",
            "let newer = WeakProxy::with_callback(&node, |_| {});\n",
            "let proxy = WeakProxy::new(&node);\n",
            "let shared = WeakRef::new(&node);\n",
            "let refs = getweakrefs(&node);\n",
            "assert_eq!(refs.len(), 4);\n",
            "assert!(refs[0].ptr_eq(&shared));\n",
            "assert!(refs[1].ptr_eq(proxy.as_weakref()));\n",
            "assert!(refs[2].ptr_eq(newer.as_weakref()));\n",
            "assert!(refs[3].ptr_eq(&older));\n",
            "```",
        )]
        pub fn getweakrefs<T: Weakrefable>(obj: &Obj<T>) -> Vec<WeakRef<T>> {
            $crate::raw::weakrefs(&obj.raw)
                .into_iter()
                .map(|raw| WeakRef { raw })
                .collect()
        }
    };
}

pub(crate) use flavor_api;
