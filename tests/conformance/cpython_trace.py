#!/usr/bin/env python3
"""The CPython side of the conformance test (tests/tests/conformance/main.rs).

Runs the programs that test generates through CPython's `weakref` and records the same trace as
the Rust interpreter (tests/tests/conformance/interp.rs and colls.rs), spelled identically. The
module documentation of main.rs explains the programs, the trace and, in one place, every
normalisation; this file follows it and names the item where it applies ("normalisation 3").

As a worker (what the test runs): prints one greeting line, then reads one request per line,
`{"sizes": [objects, references, finalizers, collections, values], "program": [...],
"choices": [...]}`, and answers one line, `{"trace": [[...], ...]}` or
`{"error": "<traceback>"}`. An empty line or the end of input ends it.
With `--one`: reads one request and prints its trace, one step per paragraph.

Standard library only. The cyclic GC is disabled and nothing here creates a cycle, so objects
die the moment their last reference goes, as in Rust; callbacks capture only plain data and
reach the running program through the global `M`.
"""

import gc
import json
import platform
import sys
import traceback
import weakref

# Slot counts and the number of values, as each request gives them.
N_OBJS = N_REFS = N_FINS = N_COLLS = VALUES = 0

# Normalisation 6: while an operation on an identity collection runs, `Item.__eq__` is `is`.
BY_ID = False
# Items alive (Rust counts them in `Item::new` and `Drop`).
LIVE = 0
# The current step's events; the running program's state.
LOG = []
M = None


class Boom(Exception):
    """What a callback or finalizer that "raises" raises."""

    def __init__(self, label):
        super().__init__(label)
        self.label = label


class Item:
    """The objects of every program: equal and hashed by value, named by serial."""

    __slots__ = ("v", "serial", "__weakref__")

    def __init__(self, v, serial):
        global LIVE
        self.v = v
        self.serial = serial
        LIVE += 1

    def __del__(self):
        global LIVE
        LIVE -= 1

    def __eq__(self, other):
        if BY_ID:
            return self is other
        if not isinstance(other, Item):
            return NotImplemented
        return self.v == other.v

    def __hash__(self):
        return hash(self.v)

    def __call__(self):
        return self.v + 100

    def get_v(self):
        return self.v

    def get_serial(self):
        return self.serial + 1000


METHODS = ("get_v", "get_serial")


def log(line):
    LOG.append(line)


def bit(value):
    return "1" if value else "0"


def unraisable(args):
    if isinstance(args.exc_value, Boom):
        log(f"unraisable {args.exc_value.label}")
    else:
        log(f"unraisable other {args.exc_type.__name__}: {args.exc_value}")


class RefSlot:
    """A reference slot's content: the handle, its weak-reference object's serial, its kind
    (ref, proxy, method) and whether it is the object's shared reference."""

    __slots__ = ("serial", "kind", "handle", "shared")

    def __init__(self, serial, kind, handle, shared):
        self.serial = serial
        self.kind = kind
        self.handle = handle
        self.shared = shared


class Machine:
    def __init__(self, choices):
        self.objs = [None] * N_OBJS
        self.refs = [None] * N_REFS
        self.fins = [None] * N_FINS
        self.colls = [None] * N_COLLS
        self.every_fin = []
        self.next_obj = self.next_ref = self.next_cb = self.next_fin = 0
        self.hashed = set()
        self.iterating = None
        self.choices = list(choices)
        self.next_choice = 0

    def choice(self):
        if self.next_choice >= len(self.choices):
            return None
        self.next_choice += 1
        return self.choices[self.next_choice - 1]

    def serial_of(self, handle):
        for slot in self.refs:
            if slot is not None and slot.handle is handle:
                return slot.serial
        return None


def replace(slots, i, value):
    """Stores `value` in slot `i` and returns what was there, for the caller to release (`del`)
    once nothing of its own holds the new value: Rust's `replace` then `drop` (normalisation
    13). Releasing it in here would run the deaths it causes while the caller's arguments still
    hold the new value, which Rust does not do."""
    old = slots[i]
    slots[i] = value
    return old


def clear_slot(slots, i):
    """Empties slot `i` (its content may die); returns whether it held something."""
    old = replace(slots, i, None)
    had = old is not None
    del old
    return had


def ok_or_empty(had):
    return "ok" if had else "empty"


def proxy_alive(proxy):
    try:
        proxy.serial
        return True
    except ReferenceError:
        return False


def handle_alive(slot):
    if slot.kind == "proxy":
        return proxy_alive(slot.handle)
    return slot.handle() is not None


# Callbacks and finalizers.

def make_callback(cid, cb, kind):
    def callback(arg):
        on_callback(cid, cb, arg, kind)

    return callback


def on_callback(cid, cb, arg, kind):
    holders = ",".join(str(i) for i, s in enumerate(M.refs) if s is not None and s.handle is arg)
    if kind == "proxy":
        state = "alive" if proxy_alive(arg) else "dead"
        pending = "-"  # normalisation 5
    else:
        state = "alive" if arg() is not None else "dead"
        pending = bit(arg.__callback__ is not None)
    log(f"cb#{cid} arg=[{holders}] {state} pending={pending}")
    run_acts(cb[1])
    if cb[0]:
        raise Boom(f"cb#{cid}")


def fin_function(fid, cb):
    log(f"fin#{fid}")
    run_acts(cb[1])
    if cb[0]:
        raise Boom(f"fin#{fid}")
    return fid


def run_acts(acts):
    for act in acts:
        log(f".{act[0]} {run_act(act)}")


def run_act(act):
    name = act[0]
    if name == "drop":
        return ok_or_empty(clear_slot(M.objs, act[1]))
    if name == "dropref":
        return ok_or_empty(clear_slot(M.refs, act[1]))
    if name == "new":
        return new_obj(act[1], act[2])
    if name in ("insert", "remove", "lookup", "setdefault", "pop", "len"):
        c = act[1]
        if M.iterating == c:
            return "skip"  # normalisation 7
        coll = M.colls[c]
        if coll is None:
            return "empty"
        if name == "pop":
            return coll.run("pop")
        if name == "len":
            return str(coll.run("len"))
        if name == "remove":
            return coll.run("remove", M.objs[act[2]], act[3], False)
        return coll.run(name, M.objs[act[2]], act[3])
    if name == "ref":
        obj = M.objs[act[1]]
        if obj is None:
            return "empty"
        if act[3]:
            cid = next_cid()
            weak = weakref.ref(obj, make_callback(cid, [False, []], "ref"))
            return store_ref(act[2], "ref", weak, False)
        return store_ref(act[2], "ref", weakref.ref(obj), True)
    if name == "deref":
        return deref(act[1])
    if name == "count":
        obj = M.objs[act[1]]
        return "empty" if obj is None else str(weakref.getweakrefcount(obj))
    if name == "fincall":
        return fin_call(act[1])
    raise ValueError(f"unknown action {act!r}")


# The weak collections (normalisations 1, 2, 6, 7, 8, 9, 10).

def next_choice_or_missing():
    choice = M.choice()
    return "no-choice" if choice is None else choice


def iterate_with(it, before, record):
    """Calls `before` with the iterator `it` created and not started (normalisation 7), then
    records what it yields."""
    before()
    return [record(x) for x in it]


class Coll:
    by_id = False

    def run(self, method, *args):
        """Runs `method` with `Item.__eq__` in this collection's mode."""
        global BY_ID
        saved = BY_ID
        BY_ID = self.by_id
        try:
            return getattr(self, method)(*args)
        finally:
            BY_ID = saved

    def len(self):
        return len(self.d)

    def equal(self, other):
        if other.kind != self.kind:
            return None  # normalisation 9
        return self.d == other.d


class Wvd(Coll):
    kind = "wvd"

    def __init__(self, d=None):
        self.d = weakref.WeakValueDictionary() if d is None else d

    def insert(self, o, k):
        if o is None:
            return "empty"
        self.d[k] = o
        return "ok"

    def setdefault(self, o, k):
        if o is None:
            return "empty"
        return f"s{self.d.setdefault(k, o).serial}"

    def lookup(self, o, k):
        got = self.d.get(k)
        got = "None" if got is None else f"s{got.serial}"
        return f"get={got} in={bit(k in self.d)}"

    def remove(self, o, k, strict):
        if strict:
            try:
                self.d.pop(k)  # normalisation 10
                return "ok"
            except KeyError:
                return "KeyError"
        got = self.d.pop(k, None)
        return "None" if got is None else f"s{got.serial}"

    def pop(self):
        choice = next_choice_or_missing()  # normalisation 2
        data = self.d.data
        live = sorted(k for k, wr in data.items() if wr() is not None)
        if choice == "-":
            if live:
                return f"choice-missed {live}"
            if not data:
                try:
                    self.d.popitem()
                    return "popitem-of-empty-returned"
                except KeyError:
                    pass
            return "empty"
        if int(choice) not in live:
            return f"choice-not-live {choice}"
        if len(data) == 1:
            k, o = self.d.popitem()
        else:
            k = int(choice)
            o = data.pop(k)()
        return f"{k}:s{o.serial}"

    def iterate(self, view, before):
        if view == 0:
            return iterate_with(iter(self.d.items()), before,
                                lambda kv: f"{kv[0]}:s{kv[1].serial}")
        if view == 1:
            return iterate_with(iter(self.d.keys()), before, str)
        return iterate_with(iter(self.d.values()), before,
                            lambda o: f"s{o.serial}")

    def clear(self):
        self.d.clear()

    def copy(self):
        return Wvd(self.d.copy())

    def pairs(self):
        return ("values", sorted(self.d.items(), key=lambda kv: kv[0]))

    def update(self, src):
        if src[0] != "values":
            return False
        self.d.update(src[1])
        return True


class Wkd(Coll):
    def __init__(self, by_id, d=None):
        self.by_id = by_id
        self.kind = "wkdid" if by_id else "wkd"
        self.d = weakref.WeakKeyDictionary() if d is None else d

    def insert(self, o, k):
        if o is None:
            return "empty"
        self.d[o] = k
        return "ok"

    def setdefault(self, o, k):
        if o is None:
            return "empty"
        return str(self.d.setdefault(o, k))

    def lookup(self, o, k):
        if o is None:
            return "empty"
        return f"get={self.d.get(o)} in={bit(o in self.d)}"

    def remove(self, o, k, strict):
        if o is None:
            return "empty"
        if strict:
            try:
                del self.d[o]
                return "ok"
            except KeyError:
                return "KeyError"
        return str(self.d.pop(o, None))

    def pop(self):
        choice = next_choice_or_missing()  # normalisation 2
        data = self.d.data
        live = sorted(wr().serial for wr in data if wr() is not None)
        if choice == "-":
            if live:
                return f"choice-missed {live}"
            if not data:
                try:
                    self.d.popitem()
                    return "popitem-of-empty-returned"
                except KeyError:
                    pass
            return "empty"
        if int(choice) not in live:
            return f"choice-not-live {choice}"
        if len(data) == 1:
            o, v = self.d.popitem()
        else:
            key = next(wr for wr in data if wr() is not None and wr().serial == int(choice))
            o = key()
            v = data.pop(key)
        return f"s{o.serial}:{v}"

    def iterate(self, view, before):
        if view == 0:
            return iterate_with(iter(self.d.items()), before,
                                lambda kv: f"s{kv[0].serial}:{kv[1]}")
        if view == 1:
            return iterate_with(iter(self.d.keys()), before,
                                lambda o: f"s{o.serial}")
        return iterate_with(iter(self.d.values()), before, str)

    def clear(self):
        self.d.clear()

    def copy(self):
        return Wkd(self.by_id, self.d.copy())

    def pairs(self):
        return ("keys", sorted(self.d.items(), key=lambda kv: kv[0].serial))

    def update(self, src):
        if src[0] != "keys":
            return False
        self.d.update(src[1])
        return True


class Set(Coll):
    def __init__(self, by_id, d=None):
        self.by_id = by_id
        self.kind = "setid" if by_id else "set"
        self.d = weakref.WeakSet() if d is None else d

    def insert(self, o, k):
        if o is None:
            return "empty"
        self.d.add(o)
        return "ok"

    def setdefault(self, o, k):
        return self.insert(o, k)

    def lookup(self, o, k):
        if o is None:
            return "empty"
        return f"in={bit(o in self.d)}"

    def remove(self, o, k, strict):
        if o is None:
            return "empty"
        if strict:
            try:
                self.d.remove(o)
                return "ok"
            except KeyError:
                return "KeyError"
        self.d.discard(o)
        return "ok"

    def pop(self):
        choice = next_choice_or_missing()  # normalisation 2
        data = self.d.data
        live = sorted(wr().serial for wr in data if wr() is not None)
        if choice == "-":
            if live:
                return f"choice-missed {live}"
            if not data:
                try:
                    self.d.pop()
                    return "pop-of-empty-returned"
                except KeyError:
                    pass
            return "empty"
        if int(choice) not in live:
            return f"choice-not-live {choice}"
        if len(data) == 1:
            o = self.d.pop()
        else:
            ref = next(wr for wr in data if wr() is not None and wr().serial == int(choice))
            o = ref()
            data.remove(ref)
        return f"s{o.serial}"

    def iterate(self, view, before):
        return iterate_with(iter(self.d), before, lambda o: f"s{o.serial}")

    def clear(self):
        self.d.clear()

    def copy(self):
        return Set(self.by_id, self.d.copy())

    def members(self):
        return sorted(self.d, key=lambda o: o.serial)

    def pairs(self):
        return ("members", self.members())

    def update(self, src):
        if src[0] != "members":
            return False
        self.d.update(src[1])
        return True

    def set_algebra(self, op, items):
        if op == "|":
            return Set(self.by_id, self.d | items)
        if op == "&":
            return Set(self.by_id, self.d & items)
        if op == "-":
            return Set(self.by_id, self.d - items)
        return Set(self.by_id, self.d ^ items)

    def set_update(self, op, items):
        if op == "|":
            self.d |= items
        elif op == "&":
            # Normalisation 8: not `self.d &= items` (CPython 3.11 stores callback-less refs).
            keep = weakref.WeakSet(items)
            self.d -= [x for x in self.d if x not in keep]
        elif op == "-":
            self.d -= items
        else:
            self.d ^= items

    def set_relation(self, rel, other, items):
        if rel == "<=":
            return self.d.issubset(items)
        if rel == ">=":
            return self.d.issuperset(items)
        if rel == "disjoint":
            return self.d.isdisjoint(items)
        if other.kind != self.kind:
            return None  # normalisation 9
        return self.d < other.d if rel == "<" else self.d > other.d


def make_coll(kind):
    if kind == "wvd":
        return Wvd()
    if kind in ("wkd", "wkdid"):
        return Wkd(kind == "wkdid")
    return Set(kind == "setid")


# The operations.

def new_obj(o, v):
    M.next_obj += 1
    serial = M.next_obj
    old = replace(M.objs, o, Item(v, serial))
    del old
    return f"s{serial}"


def next_cid():
    M.next_cb += 1
    return M.next_cb


def store_ref(r, kind, handle, shared):
    serial = M.serial_of(handle)
    if serial is None:
        M.next_ref += 1
        serial = M.next_ref
    old = replace(M.refs, r, RefSlot(serial, kind, handle, shared))
    del old
    return f"w{serial}"


def deref(r):
    slot = M.refs[r]
    if slot is None:
        return "empty"
    if slot.kind == "ref":
        obj = slot.handle()
        return "None" if obj is None else f"s{obj.serial}"
    if slot.kind == "proxy":
        try:
            return f"s{slot.handle.serial} call={slot.handle()}"
        except ReferenceError:
            return "ReferenceError"
    bound = slot.handle()
    if bound is None:
        return "None"
    return f"s{bound.__self__.serial} call={bound()}"


def fin_call(f):
    fin = M.fins[f]
    if fin is None:
        return "empty"
    try:
        result = fin()
    except Boom:
        return "raised"
    return "None" if result is None else f"-> {result}"


def op_new(o, v):
    return new_obj(o, v)


def op_share(src, dst):
    if M.objs[src] is None:
        return "empty"
    serial = M.objs[src].serial
    old = replace(M.objs, dst, M.objs[src])
    del old
    return f"s{serial}"


def op_drop(o):
    return ok_or_empty(clear_slot(M.objs, o))


def op_ref(o, r, cb):
    obj = M.objs[o]
    if obj is None:
        return "empty"
    if cb is None:
        return store_ref(r, "ref", weakref.ref(obj), True)
    cid = next_cid()
    return store_ref(r, "ref", weakref.ref(obj, make_callback(cid, cb, "ref")), False)


def op_proxy(o, r, cb):
    obj = M.objs[o]
    if obj is None:
        return "empty"
    if cb is None:
        return store_ref(r, "proxy", weakref.proxy(obj), True)
    cid = next_cid()
    return store_ref(r, "proxy", weakref.proxy(obj, make_callback(cid, cb, "proxy")), False)


def op_method(o, r, which, cb):
    obj = M.objs[o]
    if obj is None:
        return "empty"
    bound = getattr(obj, METHODS[which])
    if cb is None:
        handle = weakref.WeakMethod(bound)
    else:
        cid = next_cid()
        handle = weakref.WeakMethod(bound, make_callback(cid, cb, "method"))
    del bound
    return store_ref(r, "method", handle, False)


def op_copyref(src, dst):
    if M.refs[src] is None:
        return "empty"
    serial = M.refs[src].serial
    old = replace(M.refs, dst, M.refs[src])
    del old
    return f"w{serial}"


def op_dropref(r):
    return ok_or_empty(clear_slot(M.refs, r))


def op_deref(r):
    return deref(r)


def op_pending(r):
    slot = M.refs[r]
    if slot is None:
        return "empty"
    if slot.kind == "proxy":
        return "n/a"  # normalisation 5
    return bit(slot.handle.__callback__ is not None)


def op_hash(r):
    slot = M.refs[r]
    if slot is None:
        return "empty"
    if slot.kind == "proxy":
        try:
            hash(slot.handle)
            return "hashable-proxy"
        except TypeError:
            return "unhashable-type"  # normalisation 5
    alive = slot.handle() is not None
    if not alive and slot.shared and slot.serial not in M.hashed:
        return "dead-shared-unhashed"  # normalisation 3
    try:
        h = hash(slot.handle)
    except TypeError:
        return "unhashable"  # normalisation 3
    if alive:
        M.hashed.add(slot.serial)
    return f"v{h}" if 0 <= h < VALUES else "v?"


def op_compare(a, b):
    x, y = M.refs[a], M.refs[b]
    if x is None or y is None:
        return "empty"
    if x.kind != y.kind:
        eq = "n/a"
    else:
        try:
            eq = bit(x.handle == y.handle)
        except ReferenceError:
            eq = "ReferenceError"
    return f"eq={eq} is={bit(x.handle is y.handle)}"


def op_proxyeq(r, o):
    slot, obj = M.refs[r], M.objs[o]
    if slot is None or obj is None:
        return "empty"
    if slot.kind != "proxy":
        return "n/a"
    try:
        return bit(slot.handle == obj)
    except ReferenceError:
        return "ReferenceError"


def op_weakrefs(o):
    obj = M.objs[o]
    if obj is None:
        return "empty"
    count = weakref.getweakrefcount(obj)
    labels = []
    for weak in weakref.getweakrefs(obj):
        serial = M.serial_of(weak)
        if serial is not None:
            labels.append(f"w{serial}")
        elif isinstance(weak, weakref.ProxyTypes):
            labels.append("xp")
        else:
            labels.append("x")
    return f"n={count} [{' '.join(labels)}]"


def op_finalize(o, f, cb):
    obj = M.objs[o]
    if obj is None:
        return "empty"
    M.next_fin += 1
    fid = M.next_fin
    fin = weakref.finalize(obj, fin_function, fid, cb)
    M.every_fin.append((fid, fin))
    old = replace(M.fins, f, fin)
    del old
    return f"f{fid}"


def op_fincall(f):
    return fin_call(f)


def op_detach(f):
    fin = M.fins[f]
    if fin is None:
        return "empty"
    info = fin.detach()
    return "None" if info is None else f"s{info[0].serial}"


def op_peek(f):
    fin = M.fins[f]
    if fin is None:
        return "empty"
    info = fin.peek()
    return "None" if info is None else f"s{info[0].serial}"


def op_finstate(f):
    fin = M.fins[f]
    if fin is None:
        return "empty"
    return f"alive={bit(fin.alive)} atexit={bit(fin.atexit)}"


def op_setatexit(f, on):
    fin = M.fins[f]
    if fin is None:
        return "empty"
    fin.atexit = on
    return "ok"


def op_dropfin(f):
    return ok_or_empty(clear_slot(M.fins, f))


def op_coll(c, kind):
    old = replace(M.colls, c, make_coll(kind))
    del old
    return "ok"


def coll_call(c, method, *args):
    coll = M.colls[c]
    if coll is None:
        return "empty"
    return coll.run(method, *args)


def op_insert(c, o, k):
    return coll_call(c, "insert", M.objs[o], k)


def op_setdefault(c, o, k):
    return coll_call(c, "setdefault", M.objs[o], k)


def op_lookup(c, o, k):
    return coll_call(c, "lookup", M.objs[o], k)


def op_remove(c, o, k, strict):
    return coll_call(c, "remove", M.objs[o], k, strict)


def op_pop(c):
    return coll_call(c, "pop")


def op_iter(c, view, victim):
    coll = M.colls[c]
    if coll is None:
        return "empty"

    def before():
        if victim is not None:
            M.iterating = c
            clear_slot(M.objs, victim)
            M.iterating = None

    items = sorted(coll.run("iterate", view, before))
    return f"[{' '.join(items)}]"


def op_clear(c):
    coll = M.colls[c]
    if coll is None:
        return "empty"
    coll.run("clear")
    return "ok"


def op_copy(c, dst):
    coll = M.colls[c]
    if coll is None:
        return "empty"
    old = replace(M.colls, dst, coll.run("copy"))
    del old
    return "ok"


def op_equal(a, b):
    x, y = M.colls[a], M.colls[b]
    if x is None or y is None:
        return "empty"
    eq = x.run("equal", y)
    return "n/a" if eq is None else bit(eq)


def op_update(dst, src):
    d, s = M.colls[dst], M.colls[src]
    if d is None or s is None:
        return "empty"
    return "ok" if d.run("update", s.run("pairs")) else "n/a"


def both_sets(a, b):
    x, y = M.colls[a], M.colls[b]
    if x is None or y is None:
        return "empty", None, None
    if not (isinstance(x, Set) and isinstance(y, Set)):
        return "n/a", None, None
    return None, x, y


def op_setop(op, a, b, dst):
    problem, x, y = both_sets(a, b)
    if problem:
        return problem
    old = replace(M.colls, dst, x.run("set_algebra", op, y.run("members")))
    del old
    return "ok"


def op_setupdate(op, a, b):
    problem, x, y = both_sets(a, b)
    if problem:
        return problem
    x.run("set_update", op, y.run("members"))
    return "ok"


def op_setrel(rel, a, b):
    problem, x, y = both_sets(a, b)
    if problem:
        return problem
    result = x.run("set_relation", rel, y, y.run("members"))
    return "n/a" if result is None else bit(result)


def op_dropcoll(c):
    return ok_or_empty(clear_slot(M.colls, c))


OPS = {name[3:]: fn for name, fn in globals().items() if name.startswith("op_")}


def snapshot():
    objs = " ".join("-" if o is None else f"s{o.serial}" for o in M.objs)
    refs = "".join("." if s is None else ("+" if handle_alive(s) else "-") for s in M.refs)
    lens = " ".join("-" if c is None else str(c.run("len")) for c in M.colls)
    counts = " ".join("-" if o is None else str(weakref.getweakrefcount(o)) for o in M.objs)
    return f"o=[{objs}] r=[{refs}] c=[{lens}] n=[{counts}] live={LIVE}"


def teardown():
    for _ in range(8):
        changed = False
        for slots in (M.objs, M.refs, M.fins, M.colls):
            for i in range(len(slots)):
                changed |= clear_slot(slots, i)
        if not changed:
            break
    pending = " ".join(f"f{fid}" for fid, fin in M.every_fin if fin.alive)
    return f"live={LIVE} pending=[{pending}]"


def run(request):
    global M, LIVE, LOG, N_OBJS, N_REFS, N_FINS, N_COLLS, VALUES
    N_OBJS, N_REFS, N_FINS, N_COLLS, VALUES = request["sizes"]
    LIVE = 0
    LOG = []
    M = Machine(request["choices"])
    trace = []
    try:
        for op in request["program"]:
            result = OPS[op[0]](*op[1:])
            record, LOG = LOG, []
            record.append(f"= {result}")
            record.append(snapshot())
            trace.append(record)
        result = teardown()
        record, LOG = LOG, []
        record.append(f"= {result}")
        trace.append(record)
        return trace
    finally:
        M = None
        LOG = []


# Programs between two collections of the cyclic garbage the interpreter itself may make (none
# of a program's objects is in a cycle: one left alive would show as `live=` in the teardown).
COLLECT_EVERY = 200


def main():
    if sys.implementation.name != "cpython" or sys.version_info < (3, 11):
        print(json.dumps({"unsupported": f"{platform.python_implementation()} "
                                         f"{platform.python_version()} (CPython 3.11+ needed)"}))
        return
    gc.disable()
    sys.unraisablehook = unraisable
    if sys.argv[1:] == ["--one"]:
        request = json.loads(sys.stdin.read())
        for i, record in enumerate(run(request)):
            print(f"--- step {i}")
            print("\n".join(record))
        return
    print(json.dumps({"ready": f"CPython {platform.python_version()}"}), flush=True)
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            break
        try:
            answer = {"trace": run(json.loads(line))}
        except Exception:
            answer = {"error": traceback.format_exc()}
            gc.collect()
        if n % COLLECT_EVERY == 0:
            gc.collect()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
