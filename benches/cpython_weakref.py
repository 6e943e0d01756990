#!/usr/bin/env python3
"""CPython's side of the `foundation` benchmark of weakref-benches.

Times, with `timeit`, the work the Rust benchmark groups `callback_1` and `callback_10` do:
create an object, make one (or ten) weak references with a callback to it, drop the object so
the callbacks run, then drop the references. Prints one `name value` line per measurement
(the unit is the name's suffix) and `#` comment lines for context:

    # CPython 3.11.7
    object_ns 31.4
    callback_1_ns 120.3
    callback_10_ns 745.0
    weakref_with_callback_bytes 80

Each time is the best of several repeats, timeit's convention, which favours CPython a little
against criterion's means. `--quick` runs every statement a few hundred times only: it checks
that the script works, the numbers mean little.

The Rust benchmark runs this script itself; run it alone with `python3 cpython_weakref.py`.
"""

import platform
import sys
import timeit
import weakref


class C:
    """A small weakly referenceable object, the counterpart of the Rust `Payload` (a u64)."""

    __slots__ = ("value", "__weakref__")


calls = 0


def cb(ref):
    """The callback: counts its calls, as the Rust callbacks bump an atomic counter."""
    global calls
    calls += 1


def fin():
    """The finalizer function: counts its calls too."""
    global calls
    calls += 1


NAMES = {"C": C, "ref": weakref.ref, "cb": cb, "finalize": weakref.finalize, "fin": fin}

REFS = 10

STATEMENTS = {
    # Creating and destroying the object alone, for context.
    "object_ns": "o = C()\ndel o",
    # One callback reference: create the object and the reference, kill the object (the
    # callback runs), drop the reference.
    "callback_1_ns": "o = C()\nr = ref(o, cb)\ndel o\ndel r",
    # The same with ten references, unrolled so no container is built.
    "callback_10_ns": "o = C()\n"
    + "".join(f"r{i} = ref(o, cb)\n" for i in range(REFS))
    + "del o\n"
    + "del "
    + ", ".join(f"r{i}" for i in range(REFS)),
    # A finalizer that fires: create the object, finalize it, kill the object.
    "finalize_fire_ns": "o = C()\nfinalize(o, fin)\ndel o",
    # A finalizer detached before the object dies.
    "finalize_detach_ns": "o = C()\nfinalize(o, fin).detach()\ndel o",
}


def ns_per_op(stmt, quick):
    """The best time of `stmt` over a few repeats, in nanoseconds per execution."""
    timer = timeit.Timer(stmt, globals=NAMES)
    if quick:
        number, repeat = 300, 1
    else:
        number, _ = timer.autorange()
        repeat = 5
    best = min(timer.repeat(repeat=repeat, number=number))
    return best / number * 1e9


def main():
    quick = "--quick" in sys.argv[1:]
    print(f"# {platform.python_implementation()} {platform.python_version()}")
    for name, stmt in STATEMENTS.items():
        before = calls
        ns = ns_per_op(stmt, quick)
        if name.startswith(("callback", "finalize_fire")) and calls == before:
            sys.exit(f"{name}: the callbacks never ran")
        print(f"{name} {ns:.2f}", flush=True)
    o = C()
    r = weakref.ref(o, cb)
    print(f"weakref_with_callback_bytes {sys.getsizeof(r)}")
    print(f"object_bytes {sys.getsizeof(o)}")
    f = weakref.finalize(o, fin)
    info = weakref.finalize._registry[f]
    # The finalize object, its info record and the weak reference the info holds (the registry
    # dict's own slot is not counted).
    finalize_bytes = sys.getsizeof(f) + sys.getsizeof(info) + sys.getsizeof(info.weakref)
    print(f"finalize_bytes {finalize_bytes}")


if __name__ == "__main__":
    main()
