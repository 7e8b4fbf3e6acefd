"""NN504: Adam/AdamW started at lr >= 0.1 (an SGD learning rate), far above the range where Adam is safe."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.cli_defaults import option_default
from nnlint.facts.passed_values import sources
from nnlint.facts.script_kind import trains_on_random_tensors
from nnlint.rules.base import Rule

_ADAMS = frozenset(
    f"torch.optim.{path}"
    for path in ("Adam", "AdamW", "adam.Adam", "adamw.AdamW")
)
# 1e-2 is a tuned choice in small RL agents, GCNs and tutorials; 0.1 and up is SGD's rate copied over.
_HIGH = 0.1

MESSAGE = (
    "`{name}` with lr={lr} is far above Adam's safe range and tends to diverge or stall; "
    "start from lr=3e-4 and tune from there"
)


class AdamHighLr(Rule):
    code = "NN504"
    name = "adam-high-lr"
    summary = "Adam/AdamW with a literal learning rate of 0.1 or more (the recipe's default is 3e-4)"
    triggers = ("Adam",)
    # Off by default: on the public training code measured it found nothing to confirm it (docs/precision.md).
    default_enabled = False

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.facts.call_name(node)
        if qualified not in _ADAMS or trains_on_random_tensors(self.facts):
            return  # a parallelism demo stepping on noise has no accuracy to lose
        lr = self._literal_lr(argument(node, 1, "lr"), node)
        if lr is not None and lr >= _HIGH:
            self.report(node, MESSAGE.format(name=qualified.rsplit(".", 1)[-1], lr=f"{lr:g}"))

    def _literal_lr(self, expr: cst.BaseExpression | None, at: cst.CSTNode) -> float | None:
        """The literal, or the one literal every source of the value agrees on: a name assigned once
        (`lr = 0.1`), a parameter every call site of the file passes a literal for, the `default=` of a
        command-line option (`args.lr`)."""
        value = number(expr)
        if value is not None or expr is None or not isinstance(expr, (cst.Name, cst.Attribute)):
            return value
        found = {self._source_number(source.value) for source in sources(self.facts, expr, at)}
        return found.pop() if len(found) == 1 else None

    def _source_number(self, expr: cst.BaseExpression) -> float | None:
        return number(expr) if number(expr) is not None else number(option_default(self.facts, expr))
