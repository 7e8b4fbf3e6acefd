"""NN206: a next-token loss whose target is the model's own input, not shifted by one."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import positional_args, same_code
from nnlint.facts.imports import dotted
from nnlint.facts.modules import latest_value
from nnlint.facts.values import loss_call, model_call
from nnlint.rules.base import Rule

MESSAGE = (
    "the target is the model's own input, unshifted: each position can copy its answer instead of predicting "
    "the next token — predict `x[:, 1:]` from `x[:, :-1]`"
)
# Reconstruction is the point of an autoencoder: predicting its input is not a leak there.
_AUTOENCODER = re.compile(r"auto_?enc|(^|_)v?ae(_|$)|reconstruct|denois", re.IGNORECASE)
_RESHAPES = frozenset({"view", "reshape", "flatten", "contiguous", "long"})


class TargetIsInput(Rule):
    code = "NN206"
    name = "target-is-input"
    summary = "Autoregressive loss whose target is the model's own input, unshifted"
    triggers = ("cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss")

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind not in ("cross_entropy", "nll") or loss.target is None:
            return
        model = model_call(self.facts, loss.input, node)
        if model is None or _AUTOENCODER.search(dotted(model.func) or ""):
            return
        inputs = positional_args(model)
        if not inputs:
            return
        fed, fed_opaque = self._value(inputs[0], model)
        target, target_opaque = self._value(_unreshaped(loss.target), node)
        same = fed is target if fed_opaque or target_opaque else same_code(self.context.module, fed, target)
        if same:
            self.report(node, MESSAGE)

    def _value(self, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[cst.BaseExpression, bool]:
        """What a local name holds where it is read, and whether only its identity can be compared.

        `inp = batch[:, :-1]` -> (`batch[:, :-1]`, False); `y = x.roll(-1, 1)` -> (that call, True): the same
        name bound to a computed value in between is another tensor.
        """
        value = latest_value(self.facts, expr, at)
        if value is None:
            return expr, False
        return value, not isinstance(value, (cst.Name, cst.Subscript, cst.Attribute))


def _unreshaped(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`x.view(-1)` / `x.reshape(-1).long()` -> `x`."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _RESHAPES:
        expr = expr.func.value
    return expr
