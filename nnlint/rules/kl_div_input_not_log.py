"""NN209: `kl_div` given probabilities as its input, where it expects log-probabilities."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.modules import latest_value, layer_class
from nnlint.facts.values import Origin, origin
from nnlint.rules.base import PendingFix, Rule

_FUNCTIONAL = frozenset({"torch.nn.functional.kl_div", "torch.kl_div"})
MESSAGE = (
    "`kl_div` expects its input as log-probabilities but gets {what}, so the value is not a KL divergence "
    "(it can go negative and its gradient points the wrong way) — pass `log_softmax(...)` as the input"
)
_WHAT = {"softmax": "softmax probabilities", "sigmoid": "sigmoid probabilities"}
_MEANS = frozenset({"torch.mean"})


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
        averaged = None
        if found is None and loss_input is not None:
            found = averaged = self._mean_of_probabilities(loss_input, node)
        if found is None or found.kind not in _WHAT:
            return
        inline = found.inline and averaged is None  # log of a mean is not a mean of log_softmax: no fix
        fix = self._log_softmax(found.node) if found.kind == "softmax" and inline else None
        what = _WHAT[found.kind] if averaged is None else f"an average of {_WHAT[found.kind]}"
        self.report(node, MESSAGE.format(what=what), fix)

    def _mean_of_probabilities(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> Origin | None:
        """An average of probabilities is a distribution too, never log-probabilities: `probs.mean(dim=0)`,
        `torch.mean(probs, 0)`, through local names (the batch-mean prediction a prior-matching loss compares)."""
        if depth > 3:
            return None
        if isinstance(expr, cst.Name):
            value = latest_value(self.facts, expr, at)
            return self._mean_of_probabilities(value, value, depth + 1) if value is not None else None
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func
        if self.facts.call_name(expr) in _MEANS:
            averaged = argument(expr, 0, "input")
        elif self.facts.call_name(expr) is None and isinstance(func, cst.Attribute) and func.attr.value == "mean":
            averaged = func.value
        else:
            return None
        if averaged is None:
            return None
        found = origin(self.facts, averaged, at)
        return found if found is not None and found.kind in _WHAT else self._mean_of_probabilities(averaged, at, depth + 1)

    def _log_softmax(self, softmax: cst.CSTNode) -> PendingFix | None:
        """`F.softmax(s, 1)` / `s.softmax(1)` / `torch.softmax(s, 1)` -> the same call of `log_softmax`."""
        if not isinstance(softmax, cst.Call) or not isinstance(softmax.func, cst.Attribute):
            return None  # a bare imported `softmax`: `log_softmax` may not be imported
        if softmax.func.attr.value != "softmax":
            return None
        return self.replace(softmax.func.attr, "log_softmax", "Use `log_softmax` for the input")
