"""NN701: a Conv/Linear bias right before BatchNorm, which subtracts it again."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, positional_args
from nnlint.facts.modules import (
    BATCH_NORMS, CONVOLUTIONS, enclosing_forward, has_bias, layer_class, layer_constructor, named_batch_norm,
    nn_class, producer_layer, sequential_layers,
)
from nnlint.rules.base import PendingFix, Rule

_BIASED = frozenset({*CONVOLUTIONS, "Linear", "LazyLinear"})
MESSAGE = (
    "`{layer}` has a bias right before BatchNorm, which subtracts the mean and cancels it — "
    "pass `bias=False` (BatchNorm's own shift takes its place)"
)


class BiasBeforeBatchNorm(Rule):
    code = "NN701"
    name = "bias-before-batchnorm"
    summary = "Conv/Linear with a bias immediately followed by BatchNorm: the bias is wasted"
    triggers = ("BatchNorm", "norm_layer")
    fix = "unsafe"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._reported: set[cst.Call] = set()

    def visit_Call(self, node: cst.Call) -> None:
        layers = sequential_layers(self.facts, node)
        if layers is not None:
            for layer, following in zip(layers, layers[1:]):
                if layer_class(self.facts, following, node) in BATCH_NORMS:
                    self._check(layer, node)
        elif self._is_batch_norm(node.func, node) and enclosing_forward(self.facts, node):
            # self.bn(self.conv(x)), or x = self.conv(x); x = self.bn(x)
            args = positional_args(node)
            producer = producer_layer(self.facts, args[0], node, lambda call: None) if args else None
            if producer is not None:
                self._check(producer.func, node)

    def _is_batch_norm(self, layer: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """`self.bn = nn.BatchNorm2d(c)`, or `self.bn1 = norm_layer(c)` from a `norm_layer` parameter."""
        return layer_class(self.facts, layer, at) in BATCH_NORMS or named_batch_norm(self.facts, layer, at)

    def _check(self, layer: cst.BaseExpression, at: cst.CSTNode) -> None:
        constructor = layer_constructor(self.facts, layer, at)
        if constructor is None or constructor in self._reported:
            return
        name = nn_class(self.facts, constructor)
        if name in _BIASED and has_bias(constructor):
            self._reported.add(constructor)
            # a helper's layer (`conv3x3(...)`) may also be used where no BatchNorm follows: no fix there
            through_helper = isinstance(layer, cst.Call) and layer is not constructor
            fix = None if through_helper else self._without_bias(constructor)
            self.report(constructor, MESSAGE.format(layer=name), fix)

    def _without_bias(self, call: cst.Call) -> PendingFix | None:
        """Set `bias=False`, or add it after the last argument; edits leave the rest of the call as written."""
        bias = argument(call, None, "bias")
        if bias is not None:
            return self.replace(bias, "False", "Pass `bias=False`")
        if not call.args or call.args[-1].star:
            return None
        last = call.args[-1].value
        code = self.context.code_for(last)
        if "\n" in code:
            return None
        return self.replace(last, f"{code}, bias=False", "Pass `bias=False`")
