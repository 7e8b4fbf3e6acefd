"""Which argument of a loss call holds the prediction, when the arguments were passed in the wrong order.

`criterion(labels, F.softmax(outputs, 1))`: the first argument is named like the ground truth and the
second is not, so the second is the model's prediction (passed where the target goes).
"""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.imports import dotted
from nnlint.facts.values import LossCall

_TARGET_NAME = re.compile(r"^(y|y_true|y_batch|labels?|targets?|gt|ground_truth|truth|classes|tags)$", re.I)


def swapped_prediction(loss: LossCall) -> cst.BaseExpression | None:
    """The target-position argument when the input position holds what is plainly the target."""
    if loss.target is None or not _named_like_target(loss.input) or _named_like_target(loss.target):
        return None
    return loss.target


def _named_like_target(expr: cst.BaseExpression) -> bool:
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        expr = expr.func.value  # `labels.long()`, `y.to(device)`
    name = dotted(expr)
    return name is not None and bool(_TARGET_NAME.match(name.rsplit(".", 1)[-1]))
