"""Evaluation written without a loop: `def evaluate(x, y): out = model(x) ...`, or `model(X_test)` in a script.

Evaluation *loops* are `facts.evaluation`'s business; this finds the model calls that evaluate outside any
loop: in a function named for evaluation (`evaluate`, `validate`, `test`, `predict`) that neither trains nor
asks for gradients, or, anywhere, on an input whose name says it is held-out data (`X_test`, `val_images`).
"""

from __future__ import annotations

import re
import weakref

import libcst as cst

from nnlint.facts.calls import positional_args
from nnlint.facts.collector import Facts
from nnlint.facts.evaluation import MODEL_LIKE
from nnlint.facts.imports import dotted
from nnlint.facts.loops import BACKWARD, STEPS, training_loops
from nnlint.facts.splits import split_of

# `test` alone, not `test_*` (pytest tests, model-registry entries such as timm's `test_efficientnet`).
_EVAL_FUNCTION = re.compile(r"^(test|predict|infer|inference)$|^(eval|evaluate|evaluation|validat|valid|val_)", re.I)
_WANTS_GRAD = frozenset({"grad", "requires_grad_", "enable_grad", "set_grad_enabled", "backward", "vjp", "jvp"})


def loopless_evaluations(facts: Facts) -> list[cst.Call]:
    """The first evaluating model call of each function (or of the module's top level) outside any loop."""
    if facts not in _CACHE:
        _CACHE[facts] = _find(facts)
    return _CACHE[facts]


_CACHE: weakref.WeakKeyDictionary[Facts, list[cst.Call]] = weakref.WeakKeyDictionary()


def _find(facts: Facts) -> list[cst.Call]:
    found: dict[cst.CSTNode, cst.Call] = {}
    for node in facts.nodes():
        # `model(x)`, `net(x)`: not `model.eval()`, not a method's `self.model(x)`
        if type(node) is not cst.Call or type(node.func) is not cst.Name or not MODEL_LIKE.search(node.func.value):
            continue
        if facts.qualified_name(node.func) is not None or training_loops(facts).loop_of(node) is not None:
            continue
        scope = facts.enclosing_function(node) or facts.module
        if scope in found or not _evaluates(facts, node, scope):
            continue
        found[scope] = node
    return list(found.values())


def _evaluates(facts: Facts, call: cst.Call, scope: cst.CSTNode) -> bool:
    args = [arg for arg in positional_args(call) if not isinstance(arg, (cst.SimpleString, cst.Integer, cst.Float))]
    if not args or call.func.value[:1].isupper() or not _holds_a_model(facts, call.func, scope):
        return False  # `ResNet18(...)`, `_create_net("name")`: building a model, not running one
    if any(_random(facts, arg, call) for arg in args):
        return False  # `net(torch.randn(1, 3, 32, 32))`: a shape check, not an evaluation
    held_out = any(split_of(dotted(arg) or "") == "eval" for arg in args)
    if isinstance(scope, cst.FunctionDef):
        if any(facts.scope_of(b.statement) is scope for b in facts.bindings(call.func.value, call)):
            return False  # the function builds its own model: a demo or a smoke test
        if facts.enclosing_class(scope) is not None:
            return False  # methods: Lightning hooks and trainers set modes around them
        if any(_wants_grad(d.decorator) for d in scope.decorators):
            return False
        events = training_loops(facts).scope_events(scope)
        if any(event.kind == BACKWARD or event.kind in STEPS for event in events):
            return False
        if any(_wants_grad(c) for c in training_loops(facts).calls_within(scope)):
            return False
        return held_out or bool(_EVAL_FUNCTION.search(scope.name.value))
    return held_out


def _holds_a_model(facts: Facts, func: cst.Name, scope: cst.CSTNode) -> bool:
    """`model`/`net` is a variable or a parameter, not a function (`_create_net(...)`) of this file."""
    if training_loops(facts).resolve(cst.Call(func=func)) is not None:
        return False
    params = scope.params.params if isinstance(scope, cst.FunctionDef) else ()
    return bool(facts.bindings(func.value, func)) or any(p.name.value == func.value for p in params)


def _random(facts: Facts, arg: cst.BaseExpression, at: cst.CSTNode) -> bool:
    values = [arg] if isinstance(arg, cst.Call) else facts.assigned_values(arg, at)
    return any(isinstance(v, cst.Call) and (facts.call_name(v) or "").startswith("torch.rand") for v in values)


def _wants_grad(expr: cst.BaseExpression) -> bool:
    name = dotted(expr.func if isinstance(expr, cst.Call) else expr) or ""
    return name.rsplit(".", 1)[-1] in _WANTS_GRAD
