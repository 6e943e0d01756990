//! Swaps `loom`'s model-checked primitives in for `std`'s when built with `--cfg loom`.
//!
//! Everything in the crate that is shared between threads goes through this module, so the loom
//! models in `tests/loom.rs` explore every interleaving of the real code.

#[cfg(loom)]
pub(crate) use loom::sync::atomic;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic;

/// The lock of the thread-safe weak collections, so that the collection models in
/// `tests/loom_collections.rs` explore its interleavings.
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Declares thread-locals with constant initializers: `std`'s fast `const` form normally,
/// loom's (which has no such form) under the model checker.
macro_rules! const_thread_local {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        #[cfg(not(loom))]
        std::thread_local! {
            $($(#[$attr])* static $name: $ty = const { $init };)*
        }
        #[cfg(loom)]
        loom::thread_local! {
            $($(#[$attr])* static $name: $ty = $init;)*
        }
    };
}
pub(crate) use const_thread_local;

/// Backs off while another thread holds a short critical section.
///
/// Our critical sections never run user code and never allocate more than one node, so a
/// few spins normally suffice; after that the thread yields so that a preempted holder can
/// finish. Under loom the yield tells the model checker to schedule another thread.
pub(crate) fn backoff(spins: &mut u32) {
    #[cfg(loom)]
    {
        let _ = spins;
        loom::thread::yield_now();
    }
    #[cfg(not(loom))]
    {
        if *spins < 6 {
            for _ in 0..(1 << *spins) {
                core::hint::spin_loop();
            }
            *spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
}
