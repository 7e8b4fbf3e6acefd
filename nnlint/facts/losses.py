"""Which expressions are a training loss: a loss function's result, a criterion's, or a name bound to one."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import training_loops

FUNCTIONAL_LOSSES = frozenset(
    f"torch.nn.functional.{name}"
    for name in (
        "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss", "cross_entropy",
        "ctc_loss", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss", "kl_div", "l1_loss", "mse_loss",
        "margin_ranking_loss", "multi_margin_loss", "multilabel_margin_loss", "multilabel_soft_margin_loss",
        "nll_loss", "poisson_nll_loss", "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
        "triplet_margin_with_distance_loss",
    )
)

# `nn.CrossEntropyLoss`, `nn.MSELoss`, ... : every public class in torch.nn whose name ends in "Loss".
_LOSS_CLASS = re.compile(r"^torch\.nn\.(modules\.loss\.)?[A-Z][A-Za-z0-9]*Loss$")
# `loss`, `train_loss`, `loss_total`, `losses` — but not `loss_weight`, `loss_scale`, `loss_fn`.
_LOSS_NAME = re.compile(r"(^|_)loss(es)?(_|$)", re.IGNORECASE)
_NOT_A_LOSS_VALUE = re.compile(
    r"(^|_)(weights?|scale|scaler|coef|coeff|factor|fn|func|function|mask|type|name|idx|index|history|log|list|dict|meter)$",
    re.IGNORECASE,
)
_CRITERION_NAME = re.compile(r"(^|_)(criterion|criteria|loss_fn|loss_func|loss_function|lossfn)$|loss$", re.IGNORECASE)
# Reading a loss's value off the graph: what these return no longer trains anything.
_DETACHING = frozenset({"item", "detach", "cpu", "numpy", "tolist"})
_REDUCING = frozenset({"mean", "sum"})


def is_loss_module_constructor(facts: Facts, expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    name = facts.call_name(expr)
    return name is not None and bool(_LOSS_CLASS.match(name))


def is_loss_callable(facts: Facts, func: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """`F.cross_entropy`, `criterion` bound to `nn.CrossEntropyLoss()`, or a name like `loss_fn`."""
    qualified = facts.qualified_name(func)
    if qualified in FUNCTIONAL_LOSSES:
        return True
    if isinstance(func, cst.Call):  # nn.CrossEntropyLoss()(logits, y)
        return is_loss_module_constructor(facts, func)
    name = dotted(func)
    if name is None:
        return False
    if any(is_loss_module_constructor(facts, value) for value in facts.assigned_values(func, at)):
        return True
    return bool(_CRITERION_NAME.search(name.rsplit(".", 1)[-1]))


def is_criterion_name(func: cst.BaseExpression) -> bool:
    """`criterion`, `self.loss_fn`, `ce_loss`: named like a loss function or module."""
    name = dotted(func)
    return name is not None and bool(_CRITERION_NAME.search(name.rsplit(".", 1)[-1]))


def is_detached(expr: cst.BaseExpression) -> bool:
    """`loss.item()`, `loss.detach()`, `float(loss)`: a value read off the graph."""
    if not isinstance(expr, cst.Call):
        return False
    func = expr.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in _DETACHING
    return isinstance(func, cst.Name) and func.value in ("float", "int")


def _returns_loss(facts: Facts, call: cst.Call, depth: int) -> bool:
    """A step helper of this file whose every `return` is a loss tensor (`return loss`, not `loss.item()`)."""
    loops = training_loops(facts)
    helper = loops.resolve(call)
    if helper is None:
        return False
    returned = loops.returned_values(helper)
    return bool(returned) and all(
        value is not None and is_loss(facts, value, value, depth + 1) for value in returned
    )


def is_loss(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> bool:
    """Whether `expr` is a loss tensor that still carries the graph."""
    if depth > 3:
        return False
    if isinstance(expr, cst.Call):
        func = expr.func
        if is_detached(expr):
            return False
        if isinstance(func, cst.Attribute) and func.attr.value in _REDUCING:
            return is_loss(facts, func.value, at, depth + 1)
        if is_loss_callable(facts, func, at) or _returns_loss(facts, expr, depth):
            return True
        returned = elsewhere.returned(facts, expr)  # `train_step(...)` that returns its loss tensor
        return returned is not None and returned.kind == "loss_tensor"
    if isinstance(expr, cst.Subscript):
        # `out["loss"]`, `loss_dict["total"]`, `losses[key]`: an item of a dict of losses
        key = expr.slice[0].slice if len(expr.slice) == 1 else None
        if isinstance(key, cst.Index) and isinstance(key.value, cst.SimpleString):
            text = key.value.evaluated_value
            if isinstance(text, str) and _LOSS_NAME.search(text) and not _NOT_A_LOSS_VALUE.search(text):
                return True
        return is_loss(facts, expr.value, at, depth + 1)
    name = dotted(expr)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    if _NOT_A_LOSS_VALUE.search(last):
        return False
    if _LOSS_NAME.search(last):
        return True
    if any(is_loss(facts, value, at, depth + 1) for value in facts.assigned_values(expr, at)):
        return True
    return any(
        _unpacked_loss(facts, b, depth) for b in facts.bindings(name, at) if b.index is not None
    )


def _unpacked_loss(facts: Facts, binding, depth: int) -> bool:
    """`total, parts = self.train_step(batch)`, or `losses = step(...)` then `a, total = losses`: the
    element taken is a graph-attached loss in every tuple the step helper returns."""
    source = binding.value
    calls = [source] if isinstance(source, cst.Call) else facts.assigned_values(source, binding.statement)
    return any(
        isinstance(call, cst.Call) and _returns_loss_at(facts, call, binding.index, depth) for call in calls
    )


def _returns_loss_at(facts: Facts, call: cst.Call, index: int, depth: int) -> bool:
    loops = training_loops(facts)
    helper = loops.resolve(call)
    if helper is None:  # a helper of another module, from the project summaries
        value = elsewhere.returned(facts, call)
        element = value.elements[index] if value is not None and value.kind == "tuple" and index < len(
            value.elements) else None
        return element is not None and element.kind == "loss_tensor"
    returned = loops.returned_values(helper)
    return bool(returned) and all(
        isinstance(value, cst.Tuple) and index < len(value.elements)
        and _sums_loss(facts, value.elements[index].value, depth + 1)
        for value in returned
    )


def _sums_loss(facts: Facts, expr: cst.BaseExpression, depth: int) -> bool:
    """A loss, or a sum of terms one of which is (`total = rpn + roi`, returned before any `.item()`)."""
    if isinstance(expr, cst.BinaryOperation):
        return _sums_loss(facts, expr.left, depth) or _sums_loss(facts, expr.right, depth)
    if isinstance(expr, cst.Name) and not is_loss(facts, expr, expr, depth):
        values = facts.assigned_values(expr, expr)
        return any(isinstance(v, cst.BinaryOperation) and _sums_loss(facts, v, depth + 1) for v in values)
    return is_loss(facts, expr, expr, depth)
