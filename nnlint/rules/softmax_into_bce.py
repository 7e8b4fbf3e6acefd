"""NN208: a softmax over classes fed to binary cross-entropy, which scores each output on its own."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.modules import nn_class
from nnlint.facts.values import loss_call, origin
from nnlint.rules.base import Rule

MESSAGE = (
    "binary cross-entropy scores each output as its own yes/no, but a softmax makes the classes compete "
    "(they sum to 1), so two true labels can never both reach 1 — for multi-label targets use "
    "`BCEWithLogitsLoss` on the logits; for one class per sample use `CrossEntropyLoss`"
)
MODEL_MESSAGE = (
    "the model ends in `nn.{layer}` but binary cross-entropy scores each output on its own; the softmax makes "
    "the classes compete — remove it and use `BCEWithLogitsLoss` (multi-label) or `CrossEntropyLoss`"
)


class SoftmaxIntoBce(Rule):
    code = "NN208"
    name = "softmax-into-bce"
    summary = "Softmax over classes fed to `BCELoss` / `BCEWithLogitsLoss` (multi-label outputs must not compete)"
    triggers = ("binary_cross_entropy", "BCELoss", "BCEWithLogitsLoss")

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind not in ("bce", "bce_logits"):
            return
        found = origin(self.facts, loss.input, node)
        if found is None or found.kind not in ("softmax", "log_softmax"):
            return
        if nn_class(self.facts, found.node) is not None:
            layer = "Softmax" if found.kind == "softmax" else "LogSoftmax"
            self.report(node, MODEL_MESSAGE.format(layer=layer))
        else:
            self.report(node, MESSAGE)
