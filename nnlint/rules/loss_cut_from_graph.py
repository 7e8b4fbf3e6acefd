"""NN308: the loss that reaches `backward()` no longer depends on the weights: nothing is learned."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.graph_cut import loss_cut
from nnlint.facts.losses import is_loss
from nnlint.rules.base import Rule

MESSAGE = (
    "the loss that reaches `backward()` is cut off the graph here by {how}, so no gradient reaches the "
    "model's weights — compute the loss from the model's output itself (detach only targets and logged values)"
)
REQUIRES_GRAD_MESSAGE = (
    "setting `requires_grad` on a loss does not reconnect it to the model: its gradient stops at this tensor "
    "and the weights never change — find where the loss was detached (`.item()`, `.detach()`, "
    "`torch.tensor(...)`, `no_grad`) and compute it from the model's output"
)


class LossCutFromGraph(Rule):
    code = "NN308"
    name = "loss-cut-from-graph"
    summary = "The loss reaching `backward()` is built from a detached output, or `requires_grad` is set on a loss"
    triggers = ("backward", "requires_grad")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or self.facts.call_name(node) is not None:
            return
        if func.attr.value == "requires_grad_" and is_loss(self.facts, func.value, node):
            self.report(node, REQUIRES_GRAD_MESSAGE)
        elif func.attr.value == "backward":
            loss = _unscaled(func.value)
            cut = loss_cut(self.facts, loss, node)
            if cut is not None:
                self.report(cut.node, MESSAGE.format(how=cut.how))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            attribute = target.target
            if isinstance(attribute, cst.Attribute) and attribute.attr.value == "requires_grad":
                value = node.value
                enabled = isinstance(value, cst.Name) and value.value == "True"
                if enabled and is_loss(self.facts, attribute.value, node):
                    self.report(node, REQUIRES_GRAD_MESSAGE)


def _unscaled(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`scaler.scale(loss)` -> `loss`; `(loss / k)` -> as is (the tracer reads arithmetic)."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "scale":
        inner = argument(expr, 0, "outputs")
        return inner if inner is not None else expr
    return expr
