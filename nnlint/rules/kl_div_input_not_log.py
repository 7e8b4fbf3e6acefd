"""NN209: `kl_div` given probabilities as its input, where it expects log-probabilities."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.modules import layer_class
from nnlint.facts.values import origin
from nnlint.rules.base import PendingFix, Rule

_FUNCTIONAL = frozenset({"torch.nn.functional.kl_div", "torch.kl_div"})
MESSAGE = (
    "`kl_div` expects its input as log-probabilities but gets {what}, so the value is not a KL divergence "
    "(it can go negative and its gradient points the wrong way) — pass `log_softmax(...)` as the input"
)
_WHAT = {"softmax": "softmax probabilities", "sigmoid": "sigmoid probabilities"}


class KlDivInputNotLog(Rule):
    code = "NN209"
    name = "kl-div-input-not-log"
    summary = "`F.kl_div` / `KLDivLoss` whose input is probabilities instead of log-probabilities"
    triggers = ("kl_div", "KLDivLoss")
    fix = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        functional = self.facts.call_name(node) in _FUNCTIONAL
        if not functional and layer_class(self.facts, node.func, node) != "KLDivLoss":
            return
        loss_input = argument(node, 0, "input")
        found = origin(self.facts, loss_input, node) if loss_input is not None else None
        if found is None or found.kind not in _WHAT:
            return
        fix = self._log_softmax(found.node) if found.kind == "softmax" and found.inline else None
        self.report(node, MESSAGE.format(what=_WHAT[found.kind]), fix)

    def _log_softmax(self, softmax: cst.CSTNode) -> PendingFix | None:
        """`F.softmax(s, 1)` / `s.softmax(1)` / `torch.softmax(s, 1)` -> the same call of `log_softmax`."""
        if not isinstance(softmax, cst.Call) or not isinstance(softmax.func, cst.Attribute):
            return None  # a bare imported `softmax`: `log_softmax` may not be imported
        if softmax.func.attr.value != "softmax":
            return None
        return self.replace(softmax.func.attr, "log_softmax", "Use `log_softmax` for the input")
