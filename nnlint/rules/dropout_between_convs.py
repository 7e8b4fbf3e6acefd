"""NN702: element-wise `nn.Dropout` on conv feature maps, where neighbouring pixels make up for each drop."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import positional_args
from nnlint.facts.modules import (
    CONVOLUTIONS, ELEMENTWISE_LAYERS, enclosing_forward, layer_class, layer_constructor, producer_layer,
    sequential_layers,
)
from nnlint.rules.base import Rule

_DROPOUT_FUNCTIONS = frozenset({"torch.nn.functional.dropout", "torch.dropout"})
# Functions that keep a feature map's layout: activations, pooling, norms.
_ELEMENTWISE_FUNCTIONS = frozenset(
    {f"torch.nn.functional.{name}" for name in (
        "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardswish", "tanh", "sigmoid",
        "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "batch_norm",
        "instance_norm", "group_norm", "local_response_norm",
    )}
    | {"torch.relu", "torch.tanh", "torch.sigmoid"}
)
_ELEMENTWISE_METHODS = frozenset({"relu", "relu_", "tanh", "sigmoid"})
MESSAGE = (
    "`{dropout}` between convolutions zeroes single activations that neighbouring pixels make up for, "
    "so it barely regularises — use `{channelwise}` to drop whole channels"
)


class DropoutBetweenConvs(Rule):
    code = "NN702"
    name = "dropout-between-convs"
    summary = "Element-wise `nn.Dropout` between conv layers: use `Dropout2d` to drop whole channels"
    triggers = ("Dropout", "dropout")

    def visit_Call(self, node: cst.Call) -> None:
        layers = sequential_layers(self.facts, node)
        if layers is not None:
            self._check_sequence(layers, node)
        elif layer_class(self.facts, node.func, node) in CONVOLUTIONS and enclosing_forward(self.facts, node):
            self._check_forward(node)

    def _check_sequence(self, layers: list[cst.BaseExpression], at: cst.CSTNode) -> None:
        names = [layer_class(self.facts, layer, at) for layer in layers]
        for index, name in enumerate(names):
            if name != "Dropout":
                continue
            before = next((n for n in reversed(names[:index]) if n not in ELEMENTWISE_LAYERS), None)
            after = next((n for n in names[index + 1 :] if n not in ELEMENTWISE_LAYERS), None)
            n = CONVOLUTIONS.get(before or "")
            if n is not None and CONVOLUTIONS.get(after or "") == n:
                dropout = layer_constructor(self.facts, layers[index], at)
                self.report(dropout, MESSAGE.format(dropout="nn.Dropout", channelwise=f"nn.Dropout{n}d"))

    def _check_forward(self, conv: cst.Call) -> None:
        """`self.conv2(F.relu(self.drop(self.conv1(x))))`, also through local variables."""
        dropout = self._producer(conv)
        if dropout is None:
            return
        is_layer = layer_class(self.facts, dropout.func, dropout) == "Dropout"
        if not is_layer and self.facts.call_name(dropout) not in _DROPOUT_FUNCTIONS:
            return
        earlier = self._producer(dropout)
        n = CONVOLUTIONS.get(layer_class(self.facts, earlier.func, earlier) or "") if earlier is not None else None
        if n is not None and n == CONVOLUTIONS[layer_class(self.facts, conv.func, conv)]:
            if is_layer:
                constructor = layer_constructor(self.facts, dropout.func, dropout)
                self.report(constructor, MESSAGE.format(dropout="nn.Dropout", channelwise=f"nn.Dropout{n}d"))
            else:
                function = self.context.code_for(dropout.func)
                self.report(dropout, MESSAGE.format(dropout=function, channelwise=f"{function}{n}d"))

    def _producer(self, call: cst.Call) -> cst.Call | None:
        args = positional_args(call)
        return producer_layer(self.facts, args[0], call, self._elementwise_input) if args else None

    def _elementwise_input(self, call: cst.Call) -> cst.BaseExpression | None:
        func = call.func
        qualified = self.facts.call_name(call)
        if qualified in _ELEMENTWISE_FUNCTIONS or layer_class(self.facts, func, call) in ELEMENTWISE_LAYERS:
            args = positional_args(call)
            return args[0] if args else None
        if isinstance(func, cst.Attribute) and func.attr.value in _ELEMENTWISE_METHODS and qualified is None:
            return func.value
        return None
