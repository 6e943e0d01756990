//! `Finalize` and `finalize`, written once and instantiated per flavor by [`finalize_api!`].

/// Defines `finalize` and `Finalize` for one flavor, next to that flavor's `Obj` and
/// `WeakRef` (which must be in scope).
///
/// * `path`: the module path users import from, for the docs;
/// * `shared`: the shared pointer holding a finalizer's state (`Arc` or `Rc`);
/// * `lock`: the lock around it (`Mutex` or `RefCell`);
/// * `bounds`: what `T` and the function need besides `'static` (`Send + Sync` / nothing);
/// * `entry`/`register`: how the registry that owns pending finalizers stores this flavor's.
macro_rules! finalize_api {
    (
        path: $path:literal,
        shared: $Shared:ident,
        lock: $Lock:ident,
        object_bounds: [$($object_bound:tt)*],
        func_bounds: [$($func_bound:tt)*],
        entry: $Entry:ty,
        register: $register:path,
    ) => {
        use core::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
        use std::panic::{AssertUnwindSafe, catch_unwind};

        use $crate::finalize::{Guarded, Pending, exit_done, next_id};

        /// What a pending finalizer holds until it runs or is detached.
        struct Armed<T, F> {
            func: F,
            /// Keeps the death callback registered; dropping it unregisters the callback.
            weak: WeakRef<T>,
        }

        /// The state shared by a finalizer's handles, its registry entry and its death
        /// callback.
        struct FinalizeState<T, F> {
            /// Registry key; larger is newer.
            id: u64,
            atexit: AtomicBool,
            /// The referent's address, for `Debug`.
            referent: usize,
            armed: $Lock<Option<Armed<T, F>>>,
        }

        impl<T, F> FinalizeState<T, F> {
            /// Takes the function and callback out: whoever gets `Some` is the one who runs,
            /// or cancels, the finalizer.
            fn disarm(&self) -> Option<Armed<T, F>> {
                let armed = self.armed.with(Option::take)?;
                $crate::finalize::unregister(self.id);
                Some(armed)
            }

            fn is_armed(&self) -> bool {
                self.armed.with(|armed| armed.is_some())
            }

            /// Runs the finalizer because its object died or the program exits. Panics are
            /// reported, not propagated; once exit finalizers ran, it only disarms.
            fn fire<R>(&self)
            where
                F: FnOnce() -> R,
            {
                let Some(Armed { func, weak }) = self.disarm() else {
                    return;
                };
                if exit_done() {
                    return;
                }
                // A finalizer capturing its own object keeps it alive until exit: measure the
                // strong count around the call to warn about it in debug builds.
                let held = weak.upgrade();
                let count_before = held.as_ref().map(Obj::strong_count);
                drop(weak);
                let outcome = catch_unwind(AssertUnwindSafe(func));
                if let (Some(obj), Some(before)) = (held, count_before) {
                    if cfg!(debug_assertions) && Obj::strong_count(&obj) < before {
                        eprintln!(
                            "weakref: {:?} ran at exit while its function held a strong \
                             handle to its own object, which kept the object alive; \
                             capture a WeakRef (or only what the cleanup needs) instead",
                            self
                        );
                    }
                }
                if let Err(payload) = outcome {
                    $crate::unraisable::report("finalizer", self, payload);
                }
            }
        }

        impl<T, F> core::fmt::Debug for FinalizeState<T, F> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let this = core::ptr::from_ref(self);
                if self.is_armed() {
                    let type_name = core::any::type_name::<T>();
                    write!(
                        f,
                        "<finalize object at {this:p}; for '{type_name}' at {:#x}>",
                        self.referent
                    )
                } else {
                    write!(f, "<finalize object at {this:p}; dead>")
                }
            }
        }

        impl<T, F, R> Pending for FinalizeState<T, F>
        where
            F: FnOnce() -> R,
        {
            fn atexit(&self) -> bool {
                // Relaxed: a setting read at exit; `set_atexit` makes no promise to a
                // concurrent exit.
                self.atexit.load(AtomicOrdering::Relaxed)
            }

            fn run_at_exit(&self) {
                self.fire()
            }
        }

        #[doc = concat!(
            "A handle to a finalizer made by [`finalize`]: Python's `weakref.finalize` object.",
            "\n\n",
            "The finalizer runs at most once. Handles can be cloned and dropped freely: the ",
            "finalizer stays registered, and runs when its object dies, even when no handle ",
            "is left. `F` is the function's type; to store handles of different functions in ",
            "one place, pass a boxed function such as ",
            "`Box<dyn FnOnce() + Send>`, which is itself a function.",
        )]
        pub struct Finalize<T, F> {
            state: $Shared<FinalizeState<T, F>>,
        }

        #[doc = concat!(
            "Registers `func` to run once when `obj` dies, or at exit if it never does: ",
            "Python's `weakref.finalize(obj, func)`.\n\n",
            "`func` runs exactly once, whichever comes first:\n",
            "* `obj` dies: `func` runs as a weak-reference callback, newest first among the ",
            "object's callbacks and finalizers; a panic is reported through the ",
            "[unraisable hook](crate::set_unraisable_hook) and the others still run;\n",
            "* [`Finalize::call`] runs it now (a panic propagates to the caller);\n",
            "* the process exits normally, if [`Finalize::atexit`] is set (the default), ",
            "newest finalizer first; see [`run_exit_finalizers`](crate::run_exit_finalizers).",
            "\n\n[`Finalize::detach`] cancels it instead.\n\n",
            "Arguments go into the closure, as Python's `*args` go into the call:\n\n",
            "```\n",
            "use std::sync::{Arc, Mutex};\n",
            "use ", $path, "::{finalize, Obj, Weakrefable};\n\n",
            "#[derive(Weakrefable)]\n",
            "struct Resource {\n    name: String,\n}\n\n",
            "let log = Arc::new(Mutex::new(Vec::new()));\n",
            "let resource = Obj::new(Resource { name: \"file\".into() });\n",
            "let name = resource.name.clone(); // a copy: never capture `resource` itself\n",
            "let sink = Arc::clone(&log);\n",
            "let finalizer = finalize(&resource, move || {\n",
            "    sink.lock().unwrap().push(format!(\"cleaning up {name}\"));\n",
            "});\n",
            "assert!(finalizer.alive());\n",
            "drop(finalizer); // still registered\n",
            "drop(resource);\n",
            "assert_eq!(*log.lock().unwrap(), [\"cleaning up file\"]);\n",
            "```\n\n",
            "# The classic mistake\n\n",
            "A function that captures `obj` itself (or anything holding a strong handle to ",
            "it) keeps the object alive for ever, so the finalizer only runs at exit, exactly ",
            "as in Python. Capture a [`WeakRef`], or copies of what the cleanup needs. Debug ",
            "builds print a warning when an exit-time run shows that the function held a ",
            "strong handle to its own object.",
        )]
        pub fn finalize<T, F, R>(obj: &Obj<T>, func: F) -> Finalize<T, F>
        where
            T: Weakrefable + $($object_bound)* 'static,
            F: FnOnce() -> R + $($func_bound)* 'static,
            R: 'static,
        {
            let state = $Shared::new(FinalizeState {
                id: next_id(),
                atexit: AtomicBool::new(true),
                referent: Obj::as_ptr(obj).addr(),
                armed: Guarded::new(None),
            });
            let on_death = $Shared::clone(&state);
            let weak = WeakRef::with_callback(obj, move |_: &WeakRef<T>| on_death.fire());
            state.armed.with(|armed| *armed = Some(Armed { func, weak }));
            let entry: $Entry = state.clone();
            $register(state.id, entry);
            Finalize { state }
        }

        impl<T, F> Finalize<T, F> {
            #[doc = concat!(
                "Whether the finalizer is still pending: it has neither run nor been ",
                "detached. Python's `f.alive`.\n\n",
                "```\n",
                "use ", $path, "::{finalize, Obj, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Socket;\n\n",
                "let socket = Obj::new(Socket);\n",
                "let close = finalize(&socket, || ());\n",
                "assert!(close.alive());\n",
                "drop(socket);\n",
                "assert!(!close.alive());\n",
                "```",
            )]
            pub fn alive(&self) -> bool {
                self.state.is_armed()
            }

            #[doc = concat!(
                "Runs the finalizer now if it is pending and returns the function's result: ",
                "Python's `f()`.\n\n",
                "The finalizer is marked dead before the function runs, so it never runs ",
                "again, even if the function panics (the panic propagates to the caller). ",
                "Returns `None` if it already ran, was detached, or exit finalizers already ",
                "ran. Racing the object's death on another thread, it still runs once.\n\n",
                "```\n",
                "use ", $path, "::{finalize, Obj, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Job;\n\n",
                "let job = Obj::new(Job);\n",
                "let report = finalize(&job, || 199);\n",
                "assert_eq!(report.call(), Some(199));\n",
                "assert_eq!(report.call(), None);\n",
                "assert!(!report.alive());\n",
                "```",
            )]
            pub fn call<R>(&self) -> Option<R>
            where
                F: FnOnce() -> R,
            {
                let Armed { func, weak } = self.state.disarm()?;
                drop(weak);
                if exit_done() {
                    return None;
                }
                Some(func())
            }

            #[doc = concat!(
                "Cancels the finalizer and hands back its object and function, if it is ",
                "pending and the object alive: Python's `f.detach()`.\n\n",
                "```\n",
                "use ", $path, "::{finalize, Obj, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Buffer;\n\n",
                "let buffer = Obj::new(Buffer);\n",
                "let flush = finalize(&buffer, || \"flushed\");\n",
                "let (obj, func) = flush.detach().unwrap();\n",
                "assert!(Obj::ptr_eq(&obj, &buffer));\n",
                "assert_eq!(func(), \"flushed\");\n",
                "assert!(!flush.alive());\n",
                "assert!(flush.detach().is_none());\n",
                "```",
            )]
            pub fn detach(&self) -> Option<(Obj<T>, F)> {
                // Hold the object first: while it is alive its death cannot be about to run
                // the finalizer, so cancelling cannot lose a run that already started.
                let obj = self.strong_referent()?;
                let Armed { func, weak } = self.state.disarm()?;
                drop(weak);
                Some((obj, func))
            }

            #[doc = concat!(
                "The object and a clone of the function, if the finalizer is pending and the ",
                "object alive, without cancelling anything: Python's `f.peek()`.\n\n",
                "The function is cloned while the finalizer's lock is held: its `Clone` must ",
                "not use this finalizer, nor drop the object's last strong handle.\n\n",
                "```\n",
                "use ", $path, "::{finalize, Obj, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Buffer;\n\n",
                "let buffer = Obj::new(Buffer);\n",
                "let flush = finalize(&buffer, || 1);\n",
                "let (obj, func) = flush.peek().unwrap();\n",
                "assert!(Obj::ptr_eq(&obj, &buffer));\n",
                "assert_eq!(func(), 1);\n",
                "assert!(flush.alive());\n",
                "```",
            )]
            pub fn peek(&self) -> Option<(Obj<T>, F)>
            where
                F: Clone,
            {
                let obj = self.strong_referent()?;
                let func = self
                    .state
                    .armed
                    .with(|armed| armed.as_ref().map(|armed| armed.func.clone()))?;
                Some((obj, func))
            }

            /// The object, while the finalizer is armed and the object alive.
            fn strong_referent(&self) -> Option<Obj<T>> {
                self.state
                    .armed
                    .with(|armed| armed.as_ref().and_then(|armed| armed.weak.upgrade()))
            }

            #[doc = concat!(
                "Whether the finalizer runs at exit if still pending (`true` by default; ",
                "`false` once it is dead): Python's `f.atexit`.\n\n",
                "```\n",
                "use ", $path, "::{finalize, Obj, Weakrefable};\n\n",
                "#[derive(Weakrefable)]\n",
                "struct Lock;\n\n",
                "let lock = Obj::new(Lock);\n",
                "let release = finalize(&lock, || ());\n",
                "assert!(release.atexit());\n",
                "release.set_atexit(false);\n",
                "assert!(!release.atexit());\n",
                "```",
            )]
            pub fn atexit(&self) -> bool {
                // Relaxed: an independent setting.
                self.alive() && self.state.atexit.load(AtomicOrdering::Relaxed)
            }

            /// Sets whether the finalizer runs at exit if still pending. Ignored once it is
            /// dead, as in Python.
            pub fn set_atexit(&self, atexit: bool) {
                if self.alive() {
                    // Relaxed: an independent setting.
                    self.state.atexit.store(atexit, AtomicOrdering::Relaxed);
                }
            }
        }

        impl<T, F> Clone for Finalize<T, F> {
            /// Another handle to the same finalizer.
            fn clone(&self) -> Self {
                Self {
                    state: $Shared::clone(&self.state),
                }
            }
        }

        impl<T, F> core::fmt::Debug for Finalize<T, F> {
            /// `<finalize object at 0x…; for 'Type' at 0x…>` while pending and
            /// `<finalize object at 0x…; dead>` after, as Python's `repr`.
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(&*self.state, f)
            }
        }
    };
}

pub(crate) use finalize_api;
