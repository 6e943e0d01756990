//! Swaps `loom`'s model-checked primitives in for `std`'s when built with `--cfg loom`.
//!
//! Everything in the crate that is shared between threads goes through this module, so the loom
//! models in `tests/loom.rs` explore every interleaving of the real code.

#[cfg(loom)]
pub(crate) use loom::sync::atomic;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic;

#[cfg(loom)]
pub(crate) use loom::thread_local;
#[cfg(not(loom))]
pub(crate) use std::thread_local;

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
