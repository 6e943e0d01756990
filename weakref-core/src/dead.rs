//! `Death`: a future that completes when an object dies.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::flavor::{self, Flavor, Lock, Shared};
use crate::raw::{Kind, RawWeak};
use crate::weakref::WeakRef;

/// What a [`Death`] and its object's callback share.
struct Watch {
    dead: bool,
    waker: Option<Waker>,
}

/// The shared, locked [`Watch`] of a flavor.
type SharedWatch<F> =
    <F as flavor::internal::Internal>::Shared<<F as flavor::internal::Internal>::Lock<Watch>>;

/// A future that completes when an object dies: what
/// [`WeakRef::dead`](crate::generic::WeakRef::dead) returns.
///
/// It completes once the object is dead: every weak reference to it fails to upgrade, and its
/// callbacks are running or have run; its value may still be being dropped on the thread
/// where it died. It works with any executor (it uses only `std`'s `Future` and `Waker`),
/// and is cancel-safe: it watches the object through a weak reference with a callback of its
/// own (counted by [`getweakrefcount`](crate::getweakrefcount)), and dropping the future
/// unregisters it, leaving no callback behind.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Death<T: ?Sized, F: Flavor = flavor::Sync> {
    /// The weak reference whose callback marks the death, and the state it shares with it;
    /// `None` for an object that was already dead.
    watch: Option<(WeakRef<T, F>, SharedWatch<F>)>,
}

// SAFETY: a thread-safe `Death` holds a thread-safe `WeakRef` (which crosses threads when its
// object is `Send + Sync`) and an `Arc<Mutex<..>>` of a flag and a `Waker` (`Send + Sync`).
unsafe impl<T: ?Sized + Send + Sync> Send for Death<T, flavor::Sync> {}
// SAFETY: as for `Send`; `&Death` only reads the flag under the mutex.
unsafe impl<T: ?Sized + Send + Sync> Sync for Death<T, flavor::Sync> {}

impl<T: ?Sized, F: Flavor> Unpin for Death<T, F> {}

impl<T: ?Sized, F: Flavor> Death<T, F> {
    /// A future for the death of the object `weak` refers to.
    pub(crate) fn new(weak: &WeakRef<T, F>) -> Self {
        let Some(strong) = weak.upgrade() else {
            return Self { watch: None };
        };
        let shared: SharedWatch<F> = Shared::new(Lock::new(Watch {
            dead: false,
            waker: None,
        }));
        let on_death = shared.clone();
        let raw =
            RawWeak::with_callback(&strong.raw, Kind::CallbackRef, move |_: &RawWeak<T, F>| {
                let waker = {
                    let mut watch = on_death.lock();
                    watch.dead = true;
                    watch.waker.take()
                };
                // Woken with the lock released: the waker is user code.
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
        // If this was the last strong handle, the object dies here and the callback has
        // already marked the death.
        drop(strong);
        Self {
            watch: Some((WeakRef { raw }, shared)),
        }
    }

    /// Whether the object has died (the future is ready).
    ///
    /// ```
    /// use weakref_core::{Obj, WeakRef, Weakrefable};
    ///
    /// #[derive(Weakrefable)]
    /// struct Job;
    ///
    /// let job = Obj::new(Job);
    /// let death = WeakRef::new(&job).dead();
    /// assert!(!death.is_dead());
    /// drop(job);
    /// assert!(death.is_dead());
    /// ```
    pub fn is_dead(&self) -> bool {
        match &self.watch {
            None => true,
            Some((_, shared)) => shared.lock().dead,
        }
    }
}

impl<T: ?Sized, F: Flavor> Future for Death<T, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some((_, shared)) = &self.watch else {
            return Poll::Ready(());
        };
        {
            let watch = shared.lock();
            if watch.dead {
                return Poll::Ready(());
            }
            if watch
                .waker
                .as_ref()
                .is_some_and(|waker| waker.will_wake(cx.waker()))
            {
                return Poll::Pending;
            }
        }
        // Cloned, and the old waker dropped, with the lock released: both run the waker's
        // code, which might do anything, even end the object's life on this thread.
        let waker = cx.waker().clone();
        let previous = {
            let mut watch = shared.lock();
            if watch.dead {
                return Poll::Ready(());
            }
            watch.waker.replace(waker)
        };
        drop(previous);
        Poll::Pending
    }
}

impl<T: ?Sized, F: Flavor> fmt::Debug for Death<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Death")
            .field("dead", &self.is_dead())
            .finish_non_exhaustive()
    }
}
