//! Shrinking: a diverging program cut down to what the divergence needs, for the report.
//!
//! Any subsequence of a program is a program (every operation is total, see `program.rs`), so
//! shrinking first removes operations, by delta debugging: it tries to remove the program's
//! halves, then its quarters, and so on down to single operations, keeping each removal after
//! which the program still diverges. Then it simplifies the operations that remain, one at a
//! time: a reference without its callback, a callback without one of its actions or without
//! its raise, an iteration without its victim. Both passes repeat until neither changes the
//! program, or until [`BUDGET`] runs are spent.

use super::program::{Callback, Op};

/// The most runs one shrink makes.
const BUDGET: usize = 4096;

/// A shrunk program.
pub struct Shrunk {
    /// The smallest diverging program found.
    pub program: Vec<Op>,
    /// How many candidate programs were run.
    pub runs: usize,
}

/// Shrinks `program`, for which `diverges` holds, to a smaller program for which it still
/// holds.
pub fn shrink(program: Vec<Op>, diverges: impl FnMut(&[Op]) -> bool) -> Shrunk {
    let mut shrinker = Shrinker {
        program,
        diverges,
        runs: 0,
    };
    while !shrinker.spent() {
        let removed = shrinker.remove_chunks();
        let simplified = shrinker.simplify();
        if !removed && !simplified {
            break;
        }
    }
    Shrunk {
        program: shrinker.program,
        runs: shrinker.runs,
    }
}

/// The state of one shrink.
struct Shrinker<D> {
    /// The smallest diverging program so far.
    program: Vec<Op>,
    /// The test.
    diverges: D,
    /// Runs made so far.
    runs: usize,
}

impl<D: FnMut(&[Op]) -> bool> Shrinker<D> {
    fn spent(&self) -> bool {
        self.runs >= BUDGET
    }

    /// Runs `candidate` (within the budget) and keeps it if it diverges.
    fn try_keep(&mut self, candidate: Vec<Op>) -> bool {
        if self.spent() {
            return false;
        }
        self.runs += 1;
        let kept = (self.diverges)(&candidate);
        if kept {
            self.program = candidate;
        }
        kept
    }

    /// Removes runs of consecutive operations, the longest first (half the program) and
    /// halving down to single operations. Whether anything was removed.
    fn remove_chunks(&mut self) -> bool {
        let mut removed = false;
        let mut size = self.program.len().div_ceil(2);
        while size > 0 && !self.spent() {
            let mut start = 0;
            while start < self.program.len() && !self.spent() {
                let end = (start + size).min(self.program.len());
                let candidate = [&self.program[..start], &self.program[end..]].concat();
                if self.try_keep(candidate) {
                    // What followed the chunk is now at `start`: try from there again.
                    removed = true;
                } else {
                    start = end;
                }
            }
            size /= 2;
        }
        removed
    }

    /// Replaces operations by simpler ones, each as far as it goes. Whether anything changed.
    fn simplify(&mut self) -> bool {
        let mut changed = false;
        for i in 0..self.program.len() {
            // Every accepted candidate is simpler than the one before, so this ends.
            'simpler: loop {
                for op in simpler(&self.program[i]) {
                    let mut candidate = self.program.clone();
                    candidate[i] = op;
                    if self.try_keep(candidate) {
                        changed = true;
                        continue 'simpler;
                    }
                }
                break;
            }
        }
        changed
    }
}

/// The operations one step simpler than `op`: without its callback, with a simpler callback,
/// or without the victim of an iteration.
fn simpler(op: &Op) -> Vec<Op> {
    match op {
        Op::Ref { o, r, cb: Some(cb) } => without_or_simpler(cb, |cb| Op::Ref { o: *o, r: *r, cb }),
        Op::Proxy { o, r, cb: Some(cb) } => {
            without_or_simpler(cb, |cb| Op::Proxy { o: *o, r: *r, cb })
        }
        Op::Method {
            o,
            r,
            which,
            cb: Some(cb),
        } => without_or_simpler(cb, |cb| Op::Method {
            o: *o,
            r: *r,
            which: *which,
            cb,
        }),
        Op::Finalize { o, f, cb } => simpler_callbacks(cb)
            .map(|cb| Op::Finalize { o: *o, f: *f, cb })
            .collect(),
        &Op::Iter {
            c,
            view,
            victim: Some(_),
        } => vec![Op::Iter {
            c,
            view,
            victim: None,
        }],
        _ => Vec::new(),
    }
}

/// For an operation with the optional callback `cb`, rebuilt by `with`: the operation without
/// a callback, then with each simpler callback.
fn without_or_simpler(cb: &Callback, with: impl Fn(Option<Callback>) -> Op) -> Vec<Op> {
    std::iter::once(None)
        .chain(simpler_callbacks(cb).map(Some))
        .map(with)
        .collect()
}

/// The callbacks one step simpler than `cb`: each without one of its actions, then without its
/// raise.
fn simpler_callbacks(cb: &Callback) -> impl Iterator<Item = Callback> + '_ {
    let fewer_acts = (0..cb.acts.len()).map(|i| {
        let mut acts = cb.acts.clone();
        acts.remove(i);
        Callback {
            acts,
            raise: cb.raise,
        }
    });
    let quiet = cb.raise.then(|| Callback {
        acts: cb.acts.clone(),
        raise: false,
    });
    fewer_acts.chain(quiet)
}
