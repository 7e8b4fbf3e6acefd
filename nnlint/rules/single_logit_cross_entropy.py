"""NN210: cross-entropy over a layer with one output unit: a softmax over one class is always 1."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.modules import layer_constructor, nn_class
from nnlint.facts.values import loss_call, origin
from nnlint.rules.base import Rule

MESSAGE = (
    "cross-entropy over the output of `{layer}` with one unit: a softmax over a single class is always 1, "
    "so the loss is 0 (or the target index is out of range) and nothing is learned — for a yes/no target "
    "use `BCEWithLogitsLoss` on this unit, or give the layer one output per class"
)
# Where the output size sits: (position, keyword).
_OUTPUTS = {
    "Linear": (1, "out_features"), "LazyLinear": (0, "out_features"),
    **{f"Conv{n}d": (1, "out_channels") for n in (1, 2, 3)},
    **{f"LazyConv{n}d": (0, "out_channels") for n in (1, 2, 3)},
}


class SingleLogitCrossEntropy(Rule):
    code = "NN210"
    name = "single-logit-cross-entropy"
    summary = "Cross-entropy on a layer or model with a single output unit (the loss is always 0)"
    triggers = ("cross_entropy", "CrossEntropyLoss")

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind != "cross_entropy":
            return
        found = origin(self.facts, loss.input, node)
        if found is None or found.kind != "logits":
            return
        constructor = found.node if nn_class(self.facts, found.node) else None
        if constructor is None and isinstance(found.node, cst.Call):
            constructor = layer_constructor(self.facts, found.node.func, found.node)
        layer = nn_class(self.facts, constructor) if constructor is not None else None
        if layer not in _OUTPUTS:
            return
        position, keyword = _OUTPUTS[layer]
        if number(argument(constructor, position, keyword)) == 1:
            self.report(node, MESSAGE.format(layer=f"nn.{layer}"))
