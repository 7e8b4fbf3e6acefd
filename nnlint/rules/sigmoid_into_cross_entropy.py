"""NN207: sigmoid output fed to cross-entropy, which wants unnormalised logits for each class."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loss_positions import swapped_prediction
from nnlint.facts.modules import nn_class
from nnlint.facts.values import loss_call_arms, origin
from nnlint.rules.base import Rule

MESSAGE = (
    "cross-entropy applies log_softmax itself, so sigmoid scores squashed into (0, 1) leave every class "
    "almost equally likely and the loss stalls near log(C) — pass the logits"
)
MODEL_MESSAGE = (
    "the model ends in `nn.Sigmoid` but cross-entropy applies log_softmax itself, so class scores are "
    "squashed into (0, 1) and the loss stalls near log(C) — remove the final `nn.Sigmoid` and pass the logits"
)

SWAPPED_MESSAGE = (
    "the model's sigmoid output is passed where cross-entropy expects the target, and the target where it "
    "expects logits — call it as `loss_fn(logits, target)` with the raw logits"
)


class SigmoidIntoCrossEntropy(Rule):
    code = "NN207"
    name = "sigmoid-into-cross-entropy"
    summary = "Sigmoid output fed to `CrossEntropyLoss` / `F.cross_entropy`, which wants raw logits"
    triggers = ("cross_entropy", "CrossEntropyLoss")

    def visit_Call(self, node: cst.Call) -> None:
        # a criterion picked by a condition counts when one of its arms is cross-entropy
        loss = next((arm for arm in loss_call_arms(self.facts, node) if arm.kind == "cross_entropy"), None)
        if loss is None:
            return
        found = origin(self.facts, loss.input, node)
        if found is not None and found.kind == "sigmoid":
            self.report(node, MODEL_MESSAGE if nn_class(self.facts, found.node) else MESSAGE)
            return
        swapped = swapped_prediction(loss)
        found = origin(self.facts, swapped, node) if swapped is not None else None
        if found is not None and found.kind == "sigmoid":
            self.report(node, SWAPPED_MESSAGE)
