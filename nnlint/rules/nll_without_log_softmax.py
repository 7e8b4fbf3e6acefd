"""NN204: `nll_loss` fed something that is provably not log-probabilities."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.values import loss_call, origin_among
from nnlint.rules.base import Rule

_WHAT = {
    "softmax": "softmax probabilities",
    "sigmoid": "sigmoid output",
    "relu": "ReLU output",
    "logits": "raw layer outputs (logits)",
    "exp": "`exp(...)` output (positive values, while log-probabilities are never above 0)",
}
MESSAGE = (
    "`nll_loss` expects log-probabilities but gets {what}, so it only pushes the target score up without "
    "normalising — apply `log_softmax` first, or use `cross_entropy` on the logits"
)


class NllWithoutLogSoftmax(Rule):
    code = "NN204"
    name = "nll-without-log-softmax"
    summary = "`nll_loss` / `NLLLoss` on something other than log_softmax output"
    triggers = ("nll_loss", "NLLLoss")

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind != "nll":
            return
        found = origin_among(self.facts, loss.input, node, _WHAT)
        if found is not None:
            self.report(node, MESSAGE.format(what=_WHAT[found.kind]))
