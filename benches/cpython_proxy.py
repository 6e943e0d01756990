#!/usr/bin/env python3
"""CPython's side of the `proxy` benchmark of weakref-benches.

Times, with `timeit`, reading an attribute of a live object three ways: directly (`o.x`),
through its weak proxy (`p.x`, with `p = weakref.proxy(o)`), and through a weak reference
(`r().x`); and calling a method through a `weakref.WeakMethod` (`wm()()`). Prints one `name value` line per measurement (nanoseconds) and `#` comment lines:

    # CPython 3.11.7
    loop_ns 3.1
    attr_ns 9.0
    proxy_attr_ns 21.7
    ref_call_attr_ns 24.5
    weakmethod_call_ns 60.0

`loop_ns` is timeit's own cost per iteration (the statement `pass`); the Rust side subtracts it
from the others before comparing, so that CPython is not charged for the loop. Each time is the
best of several repeats, timeit's convention. `--quick` runs every statement a few hundred
times only: it checks that the script works, the numbers mean little.

The Rust benchmark runs this script itself; run it alone with `python3 cpython_proxy.py`.
"""

import platform
import sys
import timeit
import weakref


class C:
    """A small weakly referenceable object, the counterpart of the Rust `Point` (a u64)."""

    __slots__ = ("x", "__weakref__")

    def get_x(self):
        return self.x


o = C()
o.x = 7
NAMES = {
    "o": o,
    "p": weakref.proxy(o),
    "r": weakref.ref(o),
    "wm": weakref.WeakMethod(o.get_x),
}

STATEMENTS = {
    "loop_ns": "pass",
    "attr_ns": "o.x",
    "proxy_attr_ns": "p.x",
    "ref_call_attr_ns": "r().x",
    "weakmethod_call_ns": "wm()()",
}


def ns_per_op(stmt, quick):
    """The best time of `stmt` over a few repeats, in nanoseconds per execution."""
    timer = timeit.Timer(stmt, globals=NAMES)
    if quick:
        number, repeat = 300, 1
    else:
        number, _ = timer.autorange()
        number *= 4
        repeat = 7
    best = min(timer.repeat(repeat=repeat, number=number))
    return best / number * 1e9


def main():
    quick = "--quick" in sys.argv[1:]
    print(f"# {platform.python_implementation()} {platform.python_version()}")
    assert NAMES["p"].x == 7 and NAMES["r"]().x == 7
    for name, stmt in STATEMENTS.items():
        print(f"{name} {ns_per_op(stmt, quick):.2f}", flush=True)


if __name__ == "__main__":
    main()
