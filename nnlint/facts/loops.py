"""The training loop's shape: for each `for`/`while` loop, the gradient-step calls one iteration makes.

Per loop, in source order: `backward()`, `zero_grad()` (and `p.grad = None`), `<optimizer>.step()`,
`<scheduler>.step()`, gradient clipping, `scaler.scale/unscale_/step`, `model.eval()/.train()` —
each with the branches it sits in (an `if` body, an `except` handler, a nested loop), so rules can ask
"does A run before B in the same iteration". Calls to functions and methods of the same file
(`train_step(batch)`, `self._optimizer_step()`) are followed a few levels deep: their calls count for the
loop at the call site. Code in other files is unknown; rules treat what they cannot see as "maybe".
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.modules import latest_value
from nnlint.facts.roles import receiver_name, role_of
from nnlint.facts.splits import split_of
from nnlint.walk import last_syntax_descendant

BACKWARD = "backward"
ZERO_GRAD = "zero_grad"
OPTIMIZER_STEP = "optimizer_step"
SCHEDULER_STEP = "scheduler_step"
CLIP = "clip"
SCALER_SCALE = "scaler_scale"
SCALER_UNSCALE = "scaler_unscale"
SCALER_STEP = "scaler_step"  # steps the optimizer too
EVAL_MODE = "eval_mode"
TRAIN_MODE = "train_mode"
# What updates the weights: `optimizer.step()` or `scaler.step(optimizer)`.
STEPS = frozenset({OPTIMIZER_STEP, SCALER_STEP})
# Calls whose relative order within one step matters.
_ORDERED = frozenset({BACKWARD, ZERO_GRAD, OPTIMIZER_STEP, SCHEDULER_STEP, CLIP, SCALER_UNSCALE, SCALER_STEP})

_CLIPS = frozenset({"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "clip_grads_with_norm_"})
_NO_GRAD = frozenset(
    {
        "torch.no_grad",
        "torch.inference_mode",
        "torch.autograd.no_grad",
        "torch.autograd.grad_mode.no_grad",
        "torch.autograd.inference_mode",
        "torch.autograd.grad_mode.inference_mode",
    }
)
_SET_GRAD_ENABLED = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled"})
# Helpers we cannot see that probably zero gradients: `zero_grads(model)`, `self.reset_grad()`.
_ZEROING_NAME = re.compile(r"zero_?grad|clear_?grad|reset_?grad", re.I)
_HELPER_DEPTH = 3
# Names of data to iterate: `train_loader`, `val_dl`, `batches`, `test_set`, `dev_data`.
LOADER_LIKE = re.compile(
    r"loader|data|batch|samples|examples|(^|_)(dl|ds|set|iter|iterator|split)(_|$|\d)"
    r"|(train|val|valid|test|eval|dev)(set|ds|dl|iter)(_|$|\d)",  # `testset`, `valdl`: no separator
    re.I,
)
_WRAPPERS = frozenset({"enumerate", "tqdm", "iter", "zip", "islice", "progress_bar", "track"})


@dataclass(frozen=True)
class Guard:
    """A branch between a call and its loop: an `if`/`else` body, an `except` handler, a nested loop body."""

    block: cst.CSTNode
    owner: cst.CSTNode  # the `if`, `try` or loop statement the branch belongs to
    test: cst.BaseExpression | None  # the `if` test for an `if` body
    exits: bool  # the branch ends the iteration early (continue, break, return, raise)
    is_handler: bool = False
    is_loop: bool = False


@dataclass(frozen=True)
class Event:
    kind: str
    node: cst.CSTNode  # the call (or the `p.grad = None` statement) to point at
    receiver: str | None  # `optimizer`, `self.scheduler`, `model`; for `scaler.step(opt)`, `opt`
    guards: tuple[Guard, ...]  # outermost first, relative to the loop (or helper call site) it is listed for
    position: tuple[int, ...]  # source order; a helper's events sort at their call site
    via: cst.Call | None = None  # the helper call in the loop's own body that this event happens inside
    elsewhere: object = None  # for a helper of another file: the project `Where` of the call inside it

    def may_precede(self, later: Event) -> bool:
        """Whether one pass can run `self` and then `later`: not on exclusive branches, no early exit between."""
        if self.position >= later.position:
            return False
        shared = 0
        for mine, theirs in zip(self.guards, later.guards):
            if mine.block is not theirs.block:
                if mine.owner is theirs.owner:
                    return False  # `if a: ... else: ...`, two handlers of one `try`
                break
            shared += 1
        return not any(guard.exits for guard in self.guards[shared:])

    @property
    def in_handler(self) -> bool:
        return any(guard.is_handler for guard in self.guards)

    @property
    def conditional(self) -> bool:
        return any(not guard.is_loop for guard in self.guards)


@dataclass
class Loop:
    node: cst.For | cst.While | cst.FunctionDef  # a FunctionDef for a step function (`step_functions`)
    parent: Loop | None
    events: list[Event] = field(default_factory=list)  # one iteration, nested loops and helpers included
    children: list[Loop] = field(default_factory=list)
    iterable: cst.BaseExpression | None = None  # what a `for` iterates, enumerate()/tqdm() unwrapped
    no_grad: bool = False  # runs under no_grad/inference_mode (with-block or decorator, in this function)
    opaque_calls: list[str] = field(default_factory=list)  # names of calls we could not follow

    def of(self, *kinds: str) -> list[Event]:
        return [event for event in self.events if event.kind in kinds]

    def has(self, *kinds: str) -> bool:
        return any(event.kind in kinds for event in self.events)

    @property
    def trains(self) -> bool:
        return self.has(BACKWARD) and self.has(*STEPS)

    @property
    def iterable_name(self) -> str | None:
        """`val_loader`, `self.test_dl`; `self.val_dataloader` for `self.val_dataloader()`."""
        iterable = self.iterable
        if isinstance(iterable, cst.Call) and not iterable.args:
            iterable = iterable.func
        return dotted(iterable) if iterable is not None else None

    @property
    def split(self) -> str | None:
        """"train"/"eval" from the name of what the loop iterates (`val_loader`, `self.test_dl`)."""
        name = self.iterable_name
        return split_of(name) if name else None

    @property
    def is_epoch_loop(self) -> bool:
        target = self.node.target if isinstance(self.node, cst.For) else None
        names = [dotted(target)] if target is not None else []
        return any(name and "epoch" in name.lower() for name in names) or self._iterable_mentions("epoch")

    @property
    def is_batch_loop(self) -> bool:
        """A pass over data: a loader-like iterable (not `range(...)`) inside an epoch loop or named like one."""
        if not isinstance(self.node, cst.For) or self.iterable is None or self.is_epoch_loop:
            return False
        if isinstance(self.iterable, cst.Call) and dotted(self.iterable.func) == "range":
            return False
        name = (self.iterable_name or "").rsplit(".", 1)[-1]
        return any(loop.is_epoch_loop for loop in self.ancestors()) or bool(LOADER_LIKE.search(name))

    def ancestors(self) -> Iterator[Loop]:
        loop = self.parent
        while loop is not None:
            yield loop
            loop = loop.parent

    def _iterable_mentions(self, word: str) -> bool:
        if not isinstance(self.node, cst.For):
            return False
        return word in cst.Module([]).code_for_node(self.node.iter).lower()


class TrainingLoops:
    """Every loop of one file with its events; built once per file (see `training_loops`)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._walk = _Index(facts)
        self.loops: list[Loop] = []
        self._by_node: dict[cst.CSTNode, Loop] = {}
        self._scope_events: dict[cst.CSTNode, list[Event]] = {}
        for node in self._walk.loops:
            parent = next((self._by_node[a] for a in self._loop_ancestors(node)), None)
            loop = Loop(node, parent, iterable=self._iterated(node) if isinstance(node, cst.For) else None)
            loop.no_grad = self.runs_without_grad(node)
            if parent is not None:
                parent.children.append(loop)
            self.loops.append(loop)
            self._by_node[node] = loop
        for loop in self.loops:
            loop.events = self._events_in(loop.node.body, (), (), set(), loop)

    def _iterated(self, node: cst.For) -> cst.BaseExpression:
        """What the loop iterates, wrappers unwrapped, through a local name bound to a wrapper
        (`pbar = tqdm(iter(valid_loader))`) and an element of a list of loaders (`valid_loader_list[i]`)."""
        iterable = _unwrap(node.iter)
        followed = False
        for _ in range(3):
            if isinstance(iterable, cst.Name):
                value = latest_value(self.facts, iterable, node)
                if value is None or _unwrap(value) is value and not isinstance(value, cst.Subscript):
                    return iterable
                iterable, followed = _unwrap(value), True
            elif followed and isinstance(iterable, cst.Subscript) and isinstance(iterable.value, cst.Name):
                return iterable.value  # `valid_loader_list[ind]`: named like the loaders it holds
            else:
                return iterable
        return iterable

    # queries -----------------------------------------------------------------
    def loop_of(self, node: cst.CSTNode) -> Loop | None:
        """The innermost loop whose body runs `node` in this function."""
        return next((self._by_node[a] for a in self._loop_ancestors(node)), None)

    def loop(self, node: cst.For | cst.While) -> Loop:
        return self._by_node[node]

    def runs_without_grad(self, node: cst.CSTNode) -> bool:
        """Inside `with torch.no_grad()` / `inference_mode()` or a function decorated with them."""
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, cst.With) and any(self.disables_grad(item.item) for item in ancestor.items):
                return True
            if isinstance(ancestor, cst.FunctionDef):
                if any(self.disables_grad(d.decorator) for d in ancestor.decorators):
                    return True
                return False
        return False

    @property
    def calls(self) -> list[cst.Call]:
        """Every call of the file, in source order."""
        return self._walk.calls

    def calls_to(self, function: cst.FunctionDef) -> list[cst.Call]:
        """Calls in this file that resolve to `function` (`name(...)` or `self.name(...)`)."""
        return self._callers.get(function, [])

    @cached_property
    def _callers(self) -> dict[cst.FunctionDef, list[cst.Call]]:
        found: dict[cst.FunctionDef, list[cst.Call]] = {}
        for call in self._walk.calls:
            function = self.resolve(call)
            if function is not None:
                found.setdefault(function, []).append(call)
        return found

    def resolve(self, call: cst.Call) -> cst.FunctionDef | None:
        """The function of this file that `name(...)` or `self.name(...)` calls, if it is one."""
        func = call.func
        if isinstance(func, cst.Name):
            return self._walk.functions.get(func.value)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
            cls = self.facts.enclosing_class(call)
            return self._walk.methods.get((cls, func.attr.value)) if cls is not None else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            cls = self._instance_class(func.value, call)
            return self._walk.methods.get((cls, func.attr.value)) if cls is not None else None
        return None

    def _instance_class(self, name: cst.Name, at: cst.CSTNode) -> cst.ClassDef | None:
        """The class of this file that `trainer` is always an instance of (`trainer = Trainer(model)`)."""
        values = self.facts.every_value(name, at)
        if not values:
            return None
        found = {
            self._classes.get(value.func.value) if isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
            else None for value in values
        }
        return found.pop() if len(found) == 1 else None

    @cached_property
    def _classes(self) -> dict[str, cst.ClassDef]:
        """This file's classes that define methods, by name."""
        return {cls.name.value: cls for cls, _ in self._walk.methods}

    def returned_values(self, function: cst.FunctionDef) -> list[cst.BaseExpression | None]:
        """What `function`'s own `return` statements return (None for a bare `return`)."""
        return [r.value for r in self._walk.returns if self.facts.scope_of(r) is function]

    def scope_events(self, scope: cst.Module | cst.FunctionDef) -> list[Event]:
        """Everything a function (or the module's top level) does, helpers followed: `model.eval()`, steps."""
        if scope not in self._scope_events:
            region = scope.body if isinstance(scope, cst.FunctionDef) else scope
            self._scope_events[scope] = self._events_in(region, (), (), set(), None)
        return self._scope_events[scope]

    @cached_property
    def step_functions(self) -> list[Loop]:
        """Function bodies that run one training step outside any loop of their own, as one iteration.

        `def train_step(self, batch)` or `def backward(self, loss)` are called by a trainer elsewhere; the
        ordering rules check their body like a loop's. A function this file only calls from inside a loop
        is already part of that loop's iteration.
        """
        found = []
        for function in [*self._walk.functions.values(), *self._walk.methods.values()]:
            events = [e for e in self.scope_events(function) if not any(g.is_loop for g in e.guards)]
            kinds = {event.kind for event in events}
            if not kinds & {BACKWARD, *STEPS} or len(kinds & _ORDERED) < 2:
                continue
            calls = self.calls_to(function)
            # `opt.backward(loss)` is itself a backward event, so the loop does not follow it into the body
            if calls and all(self.loop_of(call) is not None and self._event(call) is None for call in calls):
                continue
            region = Loop(function, None, events=events)
            region.no_grad = self.runs_without_grad(function.body)
            found.append(region)
        return found

    def step_regions(self) -> list[Loop]:
        """Every loop iteration and every step function: where the order of one step's calls is decided."""
        return [*self.loops, *self.step_functions]

    def calls_within(self, node: cst.CSTNode) -> list[cst.Call]:
        """Calls inside `node` that run when it runs (not those of functions defined inside it)."""
        if isinstance(node, cst.FunctionDef):
            node = node.body
        root = self._scope_root(node)
        return [c for c in self._walk.items_within(node) if isinstance(c, cst.Call) and self.facts.scope_of(c) is root]

    def calls_reached(self, node: cst.CSTNode) -> list[cst.Call]:
        """Calls that run when `node` runs: those within it and, a few levels deep, in the helpers it calls."""
        found: list[cst.Call] = []
        pending, seen = [(node, 0)], set()
        while pending:
            region, depth = pending.pop()
            for call in self.calls_within(region):
                found.append(call)
                helper = self.resolve(call)
                if helper is not None and helper not in seen and depth < _HELPER_DEPTH:
                    seen.add(helper)
                    pending.append((helper, depth + 1))
        return found

    @cached_property
    def trained_modules(self) -> set[str]:
        """Names whose parameters an optimizer updates (`AdamW(model.parameters())`) or that call `.train()`."""
        names = set()
        for call in self._walk.calls:
            qualified = self.facts.call_name(call) or ""
            if qualified.startswith("torch.optim.") and not qualified.startswith("torch.optim.lr_scheduler."):
                for arg in call.args:
                    names.update(_parameter_owners(arg.value))
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "train":
                owner = dotted(call.func.value)
                if owner is not None and self._event(call) == TRAIN_MODE:
                    names.add(owner)
        return names

    # building ----------------------------------------------------------------
    def _loop_ancestors(self, node: cst.CSTNode) -> Iterator[cst.For | cst.While]:
        """Loops around `node` whose body (not iterable or else-branch) holds it, stopping at a function."""
        child = node
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return
            if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                yield ancestor
            child = ancestor

    def _events_in(self, region, guards, position, visiting, loop, via=None) -> list[Event]:
        """The events of `region` (a loop body or a function body) in order, helpers followed."""
        events = []
        root = self._scope_root(region)
        for item in self._walk.items_within(region):
            if self.facts.scope_of(item) is not root:
                continue
            local = guards + self.guards(item, region)
            where = (*position, self.facts.order(item))
            kind = self._event(item)
            if kind is not None:
                events.append(Event(kind, item, self._receiver(item, kind), local, where, via))
                continue
            if not isinstance(item, cst.Call):
                continue
            helper = self.resolve(item)
            if helper is not None and helper not in visiting and len(visiting) < _HELPER_DEPTH:
                events.extend(self._events_in(helper.body, local, where, visiting | {helper}, loop, via or item))
                continue
            imported = elsewhere.effects(self.facts, item) if helper is None else []
            for order, effect in enumerate(imported):  # a helper of another file, from its summary
                events.append(Event(effect.kind, item, None, local, (*where, order), via or item, effect.where))
            if helper is None and not imported and loop is not None:
                name = dotted(item.func)
                if name is not None:
                    loop.opaque_calls.append(name)
        return events

    def _scope_root(self, region: cst.CSTNode) -> cst.CSTNode:
        parent = self.facts.parent(region)
        if isinstance(parent, cst.FunctionDef) and region is parent.body:
            return parent
        return self.facts.scope_of(region)

    def guards(self, node: cst.CSTNode, region: cst.CSTNode) -> tuple[Guard, ...]:
        """The branches (`if` arms, `except` handlers, loop bodies) between `region` and `node`, outermost first."""
        found = []
        child = node
        for ancestor in self.facts.ancestors(node):
            if ancestor is region:
                break
            if type(ancestor) in _BRANCHING:  # the few ancestors that can be a branch: skip the rest cheaply
                guard = _guard(ancestor, child, self.facts.parent(ancestor))
                if guard is not None:
                    found.append(guard)
            child = ancestor
        return tuple(reversed(found))

    def _event(self, node: cst.CSTNode) -> str | None:
        if isinstance(node, cst.Assign):
            return ZERO_GRAD  # only `p.grad = None` statements are collected
        call = node
        func = call.func
        name = dotted(func) or ""
        last = name.rsplit(".", 1)[-1]
        if isinstance(func, cst.Attribute):
            last = func.attr.value  # `scaler.scale(loss).backward()`
        if last in ("backward", "manual_backward"):
            return BACKWARD
        if last in _CLIPS:
            return CLIP
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = func.value
            if method == "zero_" and ".grad" in (receiver_name(receiver) or ""):
                return ZERO_GRAD
            if method == "unscale_":
                return SCALER_UNSCALE
            if method == "eval" and not call.args:
                return EVAL_MODE
            if method == "train" and _is_mode_call(call):
                return EVAL_MODE if _is_false_mode(call) else TRAIN_MODE
            if method in ("step", "scale"):
                role = role_of(self.facts, receiver, call)
                if method == "step" and role is not None:
                    return {"optimizer": OPTIMIZER_STEP, "scheduler": SCHEDULER_STEP, "scaler": SCALER_STEP}[role]
                if method == "scale" and role == "scaler":
                    return SCALER_SCALE
                return None
        return ZERO_GRAD if _ZEROING_NAME.search(last) else None

    def _receiver(self, node: cst.CSTNode, kind: str) -> str | None:
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        if kind == SCALER_STEP and node.args:
            return receiver_name(node.args[0].value)
        return receiver_name(node.func.value)

    def disables_grad(self, expr: cst.BaseExpression) -> bool:
        target = expr.func if isinstance(expr, cst.Call) else expr
        qualified = self.facts.qualified_name(target)
        if qualified in _NO_GRAD:
            return True
        if qualified in _SET_GRAD_ENABLED and isinstance(expr, cst.Call) and expr.args:
            value = expr.args[0].value
            return isinstance(value, cst.Name) and value.value == "False"
        return False


class _Index:
    """Loops, calls, `.grad = None` resets and this file's functions, read off the facts' one walk.

    A node's subtree is the range of pre-order positions from its own to its last descendant's.
    """

    def __init__(self, facts: Facts) -> None:
        self.loops: list[cst.For | cst.While] = []
        self.calls: list[cst.Call] = []
        self.items: list[cst.CSTNode] = []  # calls and `.grad = None` statements, in source order
        self._item_starts: list[int] = []
        self.functions: dict[str, cst.FunctionDef] = {}
        self.methods: dict[tuple[cst.ClassDef, str], cst.FunctionDef] = {}
        self.returns: list[cst.Return] = []
        self._facts = facts
        loop_kinds, call, assign = {cst.For, cst.While}, cst.Call, cst.Assign
        ret, function = cst.Return, cst.FunctionDef
        for node in facts.nodes():  # exact classes: `isinstance` on libcst's ABCs runs Python code per check
            kind = type(node)
            if kind in loop_kinds:
                self.loops.append(node)
            elif kind is call:
                self.calls.append(node)
                self._add_item(node)
            elif kind is assign:
                if any(_is_grad_attribute(t.target) for t in node.targets) and _is_zeros(node.value):
                    self._add_item(node)
            elif kind is ret:
                self.returns.append(node)
            elif kind is function:
                outer = facts.parent(facts.parent(node))  # FunctionDef <- IndentedBlock <- ClassDef
                if type(outer) is cst.ClassDef:
                    self.methods.setdefault((outer, node.name.value), node)
                else:  # module-level, or nested in a function and called by its bare name
                    self.functions.setdefault(node.name.value, node)

    def _last_order(self, node: cst.CSTNode) -> int:
        """Pre-order position of the last node in `node`'s subtree: follow the last child down."""
        return self._facts.order(last_syntax_descendant(node))  # the facts' walk leaves trivia out

    def _add_item(self, node: cst.CSTNode) -> None:
        self.items.append(node)
        self._item_starts.append(self._facts.order(node))

    def items_within(self, region: cst.CSTNode) -> list[cst.CSTNode]:
        start, end = self._facts.order(region), self._last_order(region)
        return self.items[bisect_right(self._item_starts, start) : bisect_right(self._item_starts, end)]


def training_loops(facts: Facts) -> TrainingLoops:
    """The loops of the file `facts` describes, computed on first request and shared by every rule."""
    found = _CACHE.get(facts)
    if found is None:
        found = _CACHE[facts] = TrainingLoops(facts)
    return found


_CACHE: weakref.WeakKeyDictionary[Facts, TrainingLoops] = weakref.WeakKeyDictionary()


# The statements `_guard` makes a branch of; exact classes (libcst's ABCs run Python code for `isinstance`).
_BRANCHING = frozenset({cst.If, cst.ExceptHandler, cst.For, cst.While})


def _guard(ancestor: cst.CSTNode, child: cst.CSTNode, handler_try: cst.CSTNode | None) -> Guard | None:
    if isinstance(ancestor, cst.If):
        if child is ancestor.body:
            return Guard(child, ancestor, ancestor.test, _exits(child))
        if child is ancestor.orelse:
            return Guard(child, ancestor, None, _exits(child.body) if isinstance(child, cst.Else) else False)
    if isinstance(ancestor, cst.ExceptHandler) and child is ancestor.body:
        return Guard(child, handler_try, None, _exits(child), is_handler=True)
    if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
        return Guard(child, ancestor, None, False, is_loop=True)
    if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.orelse:
        return Guard(child, ancestor, None, False)
    return None


def _exits(block: cst.CSTNode) -> bool:
    """The branch ends with `continue`/`break`/`return`/`raise` (also `if bad: continue` on one line)."""
    body = getattr(block, "body", ())
    statements = body if isinstance(body, (list, tuple)) else ()
    smalls = [small for s in statements for small in (s.body if isinstance(s, cst.SimpleStatementLine) else [s])]
    return any(isinstance(small, (cst.Continue, cst.Break, cst.Return, cst.Raise)) for small in smalls)


def _unwrap(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`enumerate(tqdm(val_loader))` -> `val_loader`."""
    while isinstance(expr, cst.Call) and expr.args:
        name = dotted(expr.func)
        if name is None or name.rsplit(".", 1)[-1] not in _WRAPPERS:
            break
        expr = expr.args[0].value
    return expr


def _is_grad_attribute(target: cst.BaseExpression) -> bool:
    return isinstance(target, cst.Attribute) and target.attr.value == "grad"


def _is_zeros(value: cst.BaseExpression) -> bool:
    """`None` or `torch.zeros_like(p)`: a reset, not `p.grad = p.grad / n`."""
    if isinstance(value, cst.Name):
        return value.value == "None"
    return isinstance(value, cst.Call) and "zeros" in (dotted(value.func) or "")


def _is_mode_call(call: cst.Call) -> bool:
    """`model.train()` / `model.train(False)` / `train(mode=...)`, not a helper module's
    `tnt.train(model=net, dataloader=loader, optimizer=opt)`: `Module.train` takes at most `mode`."""
    if len(call.args) > 1:
        return False
    return not call.args or call.args[0].keyword is None or call.args[0].keyword.value == "mode"


def _is_false_mode(call: cst.Call) -> bool:
    return bool(call.args) and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == "False"


def _parameter_owners(node: cst.CSTNode) -> Iterator[str]:
    """`model` for `model.parameters()` anywhere inside an optimizer's arguments."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        if node.func.attr.value in ("parameters", "named_parameters"):
            owner = dotted(node.func.value)
            if owner is not None:
                yield owner
    for child in node.children:
        yield from _parameter_owners(child)
