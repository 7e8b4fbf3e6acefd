"""Evaluation loops (a model run over a val/test loader) and what their callers set up around them.

A loop is an evaluation loop when it iterates a val/test loader (`for x, y in val_loader`, or a generic
`loader` inside an `evaluate()`/`validate()` this file calls), calls a model, and neither trains nor asks
for gradients.
Lightning's hooks run under the trainer's own eval mode and no_grad, so loops in a LightningModule never
count. Whether `model.eval()` or `no_grad` is in force is answered for the loop's function or, when that
function is called in this file, for every one of its call sites; a function called nowhere here is an
entry point and must set things up itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.calls import argument
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import BACKWARD, EVAL_MODE, LOADER_LIKE, STEPS, Loop, training_loops
from nnlint.facts.splits import split_of

_EVAL_FUNCTION = re.compile(r"(^|_)(eval|evaluate|evaluation|validate|validation|valid|val)(_|$)", re.I)
MODEL_LIKE = re.compile(r"model|net|encoder|decoder|backbone|classifier|detector", re.I)
# Gradients on purpose: saliency maps, adversarial examples, test-time training.
_WANTS_GRAD = frozenset({"grad", "requires_grad_", "enable_grad", "set_grad_enabled", "backward", "vjp", "jvp"})
_CALLER_DEPTH = 3


def evaluation_loops(facts: Facts) -> list[Loop]:
    loops = training_loops(facts)
    return [loop for loop in loops.loops if _is_evaluation(facts, loop)]


def evaluation_calls(facts: Facts) -> list[tuple[cst.Call, str, object]]:
    """Calls of another file's function that runs the model over the val/test loader passed to it without
    `model.eval()`, made where this file does not set eval mode either: (call, loader, the loop's `Where`)."""
    found = []
    for call in training_loops(facts).calls:
        loaders = [arg for arg in call.args if split_of(dotted(arg.value) or "") == "eval"]
        if not loaders or not any(LOADER_LIKE.search((dotted(a.value) or "").rsplit(".", 1)[-1]) for a in loaders):
            continue
        evaluation = elsewhere.evaluation(facts, call)
        if evaluation is None or evaluation.sets_eval_mode:
            continue
        loader = argument(call, evaluation.position, evaluation.loader)
        name = dotted(loader) if loader is not None else None
        if name is None or split_of(name) != "eval":
            continue
        if not established(facts, call, lambda at: sets_eval_mode(facts, at)):
            found.append((call, name, evaluation.where))
    return found


def established(facts: Facts, node: cst.CSTNode, holds: Callable[[cst.CSTNode], bool], depth: int = 0) -> bool:
    """`holds(node)`, or `node`'s function is called in this file and `established` at every call site."""
    if holds(node):
        return True
    function = facts.enclosing_function(node)
    if function is None or depth >= _CALLER_DEPTH:
        return False
    calls = training_loops(facts).calls_to(function)
    return bool(calls) and all(established(facts, call, holds, depth + 1) for call in calls)


def sets_eval_mode(facts: Facts, node: cst.CSTNode) -> bool:
    """Some `x.eval()` / `x.train(False)` runs in `node`'s function (or module top level), helpers included."""
    return any(event.kind == EVAL_MODE for event in training_loops(facts).scope_events(facts.scope_of(node)))


def runs_without_grad(facts: Facts, node: cst.CSTNode) -> bool:
    """Under `no_grad`/`inference_mode` (block or decorator), after `torch.set_grad_enabled(False)` in its
    function, or, for a loop, with a `no_grad` block inside its body."""
    loops = training_loops(facts)
    if loops.runs_without_grad(node):
        return True
    if isinstance(node, cst.For) and any(loops.disables_grad(call) for call in loops.calls_within(node.body)):
        return True
    return any(
        loops.disables_grad(call) and (facts.call_name(call) or "").endswith("set_grad_enabled")
        for call in loops.calls_within(facts.scope_of(node))
    )


def _is_evaluation(facts: Facts, loop: Loop) -> bool:
    if not isinstance(loop.node, cst.For) or loop.has(BACKWARD, *STEPS) or _in_lightning_module(facts, loop.node):
        return False
    function = facts.enclosing_function(loop.node)
    if function is not None and any(_wants_grad(d.decorator) for d in function.decorators):
        return False
    name = loop.iterable_name
    if name is None or not LOADER_LIKE.search(name.rsplit(".", 1)[-1]):
        return False  # `for model in models_to_test` is not a pass over data
    if loop.split != "eval":
        # A generic `loader` in `evaluate()`/`eval_fn`: only when this file calls it, or when the function
        # itself calls `model.eval()`. A library's `default_eval_fn` (under no_grad, no eval()) may be a
        # calibration pass whose caller, elsewhere, sets the mode.
        named = function is not None and _EVAL_FUNCTION.search(function.name.value)
        if loop.split is not None or not named:
            return False
        if not training_loops(facts).calls_to(function) and not sets_eval_mode(facts, loop.node):
            return False
    calls = training_loops(facts).calls_within(loop.node.body)
    if any(_wants_grad(call) for call in calls):
        return False
    names = [dotted(call.func) or "" for call in calls]
    return any(MODEL_LIKE.search(n.removeprefix("self.")) for n in names)


def _wants_grad(expr: cst.BaseExpression) -> bool:
    name = dotted(expr.func if isinstance(expr, cst.Call) else expr) or ""
    return name.rsplit(".", 1)[-1] in _WANTS_GRAD


def _in_lightning_module(facts: Facts, node: cst.CSTNode) -> bool:
    cls = facts.enclosing_class(node)
    if cls is None:
        return False
    return any("Lightning" in (dotted(base.value) or "") for base in cls.bases)
