"""NN204: `nll_loss` fed something that is provably not log-probabilities."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.values import loss_call, origin, possible_origins
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
        found = origin(self.facts, loss.input, node)
        if found is None or found.kind not in _WHAT:  # one arm of an `if`/`else` that picks the model
            found = next((o for o in possible_origins(self.facts, loss.input, node) if o.kind in _WHAT), found)
        if found is not None and found.kind in _WHAT:
            self.report(node, MESSAGE.format(what=_WHAT[found.kind]))
