"""NN203: sigmoid followed by binary cross-entropy, instead of the fused, stable loss on logits."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.values import activation_input, loss_call, origin
from nnlint.rules.base import NodeEdit, PendingFix, Rule

MESSAGE = (
    "binary cross-entropy on `sigmoid` output loses precision once the sigmoid saturates (and is refused under "
    "autocast) — drop the sigmoid and use `binary_cross_entropy_with_logits` / `BCEWithLogitsLoss` on the logits"
)


class BceOnSigmoid(Rule):
    code = "NN203"
    name = "bce-on-sigmoid"
    summary = "`BCELoss` / `F.binary_cross_entropy` on sigmoid output: use the with-logits loss on the logits"
    triggers = ("binary_cross_entropy", "BCELoss")
    fix = "safe"

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind != "bce":
            return
        found = origin(self.facts, loss.input, node)
        if found is None or found.kind != "sigmoid":
            return
        inline = loss.functional and found.inline and found.node is loss.input
        self.report(node, MESSAGE, self._with_logits(node, loss.input) if inline else None)

    def _with_logits(self, call: cst.Call, sigmoid: cst.BaseExpression) -> PendingFix | None:
        """`F.binary_cross_entropy(torch.sigmoid(x), y)` -> `F.binary_cross_entropy_with_logits(x, y)`."""
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None  # a bare imported name: the with-logits name may not be imported
        logits = activation_input(self.facts, sigmoid) if isinstance(sigmoid, cst.Call) else None
        if logits is None or "\n" in self.context.code_for(logits):
            return None
        edits = (
            NodeEdit(func.attr, "binary_cross_entropy_with_logits"),
            NodeEdit(sigmoid, self.context.code_for(logits)),
        )
        return PendingFix(self.fix, "Use `binary_cross_entropy_with_logits` on the logits", edits)
