"""NN202: sigmoid output fed to a loss that applies the sigmoid itself."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.modules import nn_class
from nnlint.facts.values import loss_call, origin
from nnlint.rules.base import Rule

MESSAGE = (
    "`binary_cross_entropy_with_logits` applies the sigmoid itself, so sigmoid output is squashed twice into "
    "(0.5, 0.73) and the loss cannot go down — pass the logits"
)
MODEL_MESSAGE = (
    "the model ends in `nn.Sigmoid` but `BCEWithLogitsLoss` applies the sigmoid itself, so predictions are "
    "squashed twice into (0.5, 0.73) — remove the final `nn.Sigmoid` and pass the logits"
)


class SigmoidIntoBceWithLogits(Rule):
    code = "NN202"
    name = "sigmoid-into-bce-with-logits"
    summary = "Sigmoid output fed to `BCEWithLogitsLoss` / `F.binary_cross_entropy_with_logits`: a double sigmoid"
    triggers = ("binary_cross_entropy_with_logits", "BCEWithLogitsLoss")

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind != "bce_logits":
            return
        found = origin(self.facts, loss.input, node)
        if found is not None and found.kind == "sigmoid":
            self.report(node, MODEL_MESSAGE if nn_class(self.facts, found.node) else MESSAGE)
