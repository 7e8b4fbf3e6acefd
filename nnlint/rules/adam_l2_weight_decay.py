"""NN505: Adam with `weight_decay`: an L2 penalty bent by Adam's adaptive step, not decoupled weight decay."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.rules.base import Rule

_ADAMS = frozenset({"torch.optim.Adam", "torch.optim.adam.Adam"})
MESSAGE = (
    "`Adam(weight_decay={wd})` adds an L2 term to the gradient, which Adam then divides by its running "
    "magnitude, so weights with large gradients are barely decayed — use `AdamW` for decoupled weight decay "
    "(and retune the value: AdamW's decay is multiplied by the learning rate)"
)


class AdamL2WeightDecay(Rule):
    code = "NN505"
    name = "adam-l2-weight-decay"
    summary = "`Adam(..., weight_decay>0)`: L2 through Adam's adaptive step instead of decoupled decay (`AdamW`)"
    triggers = ("Adam",)
    fix = "unsafe"
    # Off by default: published recipes tuned with Adam + L2 (GCNs at 5e-4, many GANs) are not wrong,
    # only not decoupled; see the page's precision section.
    default_enabled = False

    def visit_Call(self, node: cst.Call) -> None:
        if self.facts.call_name(node) not in _ADAMS:
            return
        decoupled = argument(node, None, "decoupled_weight_decay")
        if decoupled is not None and not (isinstance(decoupled, cst.Name) and decoupled.value == "False"):
            return  # torch >= 2.5: Adam(decoupled_weight_decay=True) is AdamW
        wd = self._literal(argument(node, 4, "weight_decay"), node)
        if wd is None or wd <= 0:
            wd = self._group_decay(argument(node, 0, "params"), node)
        if wd is None or wd <= 0:
            return
        fix = None
        if isinstance(node.func, cst.Attribute):
            fix = self.replace(node.func.attr, "AdamW", "Use `AdamW` (retune `weight_decay`)")
        self.report(node, MESSAGE.format(wd=f"{wd:g}"), fix)

    def _literal(self, expr: cst.BaseExpression | None, at: cst.CSTNode) -> float | None:
        """The literal, or the literal a name was assigned once (`WEIGHT_DECAY = 5e-4`)."""
        value = number(expr)
        if value is not None or not isinstance(expr, cst.Name):
            return value
        bindings = self.facts.bindings(expr.value, at)
        return number(bindings[0].value) if len(bindings) == 1 and bindings[0].index is None else None

    def _group_decay(self, params: cst.BaseExpression | None, at: cst.CSTNode) -> float | None:
        """The largest literal `"weight_decay"` of parameter groups written as dicts in a list (BERT-style
        `[{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]`), given inline
        or through a name assigned that list once."""
        if isinstance(params, cst.Name):
            bindings = self.facts.bindings(params.value, at)
            params = bindings[0].value if len(bindings) == 1 and bindings[0].index is None else None
        if not isinstance(params, (cst.List, cst.Tuple)):
            return None
        decays = []
        for element in params.elements:
            if not isinstance(element.value, cst.Dict):
                continue
            for entry in element.value.elements:
                key = entry.key if isinstance(entry, cst.DictElement) else None
                if isinstance(key, cst.SimpleString) and key.evaluated_value == "weight_decay":
                    decays.append(self._literal(entry.value, at))
        known = [decay for decay in decays if decay is not None]
        return max(known) if known else None
