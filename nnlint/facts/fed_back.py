"""A wrapper that returns a model's scores together with the very tokens it fed that model.

    prediction = transformer(x=latent[:, start : start + n])
    return prediction, latent[:, start : start + n], spatial_dim

A caller that unpacks `logits, target, _ = wrapper(...)` and scores `logits` against `target` unshifted
trains each position to copy its own input. The wrapper may sit in another module (an inferer class of the
project's package): its summary keeps the pair of element positions, (scores, tokens fed).
"""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import positional_args, same_code
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.modules import latest_value, returns_of

# Reconstruction is the point of an autoencoder: predicting its input is not a leak there.
AUTOENCODER = re.compile(r"auto_?enc|(^|_)v?ae(_|$)|reconstruct|denois", re.IGNORECASE)

# Keywords a sequence model takes its tokens by, when they are not passed by position.
_INPUT_KEYWORDS = ("x", "input", "inputs", "input_ids", "tokens", "idx", "src")
_LAYOUT = frozenset({"view", "reshape", "flatten", "contiguous", "long", "transpose", "permute", "float"})


def fed_back_pair(facts: Facts, function: cst.FunctionDef) -> tuple[int, int] | None:
    """(scores position, tokens position) when every tuple `function` returns holds a model call's output
    and, elsewhere in the tuple, the tensor that call was fed; None otherwise."""
    from nnlint.facts.values import model_call  # values consults the project summaries: import late

    pairs = set()
    for node in returns_of(function):
        if not isinstance(node.value, cst.Tuple):
            continue  # `else: return prediction` — the caller that unpacks takes the tuple
        elements = [e.value for e in node.value.elements if not isinstance(e, cst.StarredElement)]
        if len(elements) != len(node.value.elements):
            return None
        found = None
        for i, element in enumerate(elements):
            call = model_call(facts, element, node)
            fed = _fed(call) if call is not None and not AUTOENCODER.search(dotted(call.func) or "") else None
            if fed is None or _rebound_between(facts, fed, call, node):
                continue
            fed = _value(facts, fed, call)
            for j, other in enumerate(elements):
                if j != i and same_code(facts.module, _value(facts, other, node), fed):
                    found = (i, j)
        if found is None:
            return None
        pairs.add(found)
    return pairs.pop() if len(pairs) == 1 else None


def _rebound_between(facts: Facts, expr: cst.BaseExpression, start: cst.CSTNode, end: cst.CSTNode) -> bool:
    """A name in `expr` assigned again after the model call and before the `return`: another tensor."""
    first, last = facts.order(start), facts.order(end)
    names = {n.value for n in _names(expr)}
    return any(first < facts.order(b.statement) < last for name in names for b in facts.bindings(name, end))


def _names(node: cst.CSTNode):
    if isinstance(node, cst.Name):
        yield node
    for child in node.children:
        yield from _names(child)


def _fed(call: cst.Call) -> cst.BaseExpression | None:
    args = positional_args(call)
    if args:
        return args[0]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in _INPUT_KEYWORDS:
            return arg.value
    return None


def _value(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.BaseExpression:
    """What a local name holds (followed while it is a plain name or a slice of one), reshapes dropped."""
    for _ in range(4):
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _LAYOUT:
            expr = expr.func.value
        if not isinstance(expr, cst.Name):
            return expr
        value = latest_value(facts, expr, at)
        if value is None or not isinstance(value, (cst.Name, cst.Subscript, cst.Call)):
            return expr
        if isinstance(value, cst.Call) and not (
            isinstance(value.func, cst.Attribute) and value.func.attr.value in _LAYOUT
        ):
            return expr  # computed from something else: only the name itself can be compared
        expr, at = value, value
    return expr
