"""NN102: `forward` flattens the whole batch into one vector before a Linear layer."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument, number, positional_args
from nnlint.facts.modules import (
    ELEMENTWISE_LAYERS, enclosing_forward, layer_class, layer_constructor, producer_layer, sequential_layers,
)
from nnlint.rules.base import Rule

_LINEAR = frozenset({"Linear", "LazyLinear", "Bilinear"})
_SHAPE_TEST = re.compile(r"dim|shape|size|len\(")
MESSAGE = (
    "`{call}` flattens the batch dim into the features, so the whole batch becomes one input vector for the "
    "next layer — keep the batch dim with `flatten(1)`"
)


class BatchFlattened(Rule):
    code = "NN102"
    name = "batch-flattened"
    summary = "`forward` flattens away the batch dim (`x.view(-1)`, `x.flatten()`) before a layer"
    triggers = ("view", "reshape", "flatten")

    def visit_Call(self, node: cst.Call) -> None:
        if enclosing_forward(self.facts, node) is None or not self._feeds_linear(node):  # the cheaper test first
            return
        args = positional_args(node)
        if not args:
            return
        flattened = producer_layer(self.facts, args[0], node, lambda call: None)
        if flattened is not None and self._flattens_everything(flattened) and not self._unbatched_branch(flattened):
            self.report(flattened, MESSAGE.format(call=" ".join(self.context.code_for(flattened).split())))

    def _feeds_linear(self, call: cst.Call) -> bool:
        """`self.fc(...)`, `F.linear(...)`, or an nn.Sequential whose first layer that mixes features is Linear."""
        if self.facts.call_name(call) == "torch.nn.functional.linear":
            return True
        constructor = layer_constructor(self.facts, call.func, call)
        if constructor is None:
            return False
        layers = sequential_layers(self.facts, constructor)
        if layers is None:
            return layer_class(self.facts, constructor, call) in _LINEAR
        names = [layer_class(self.facts, layer, call) for layer in layers]
        first = next((name for name in names if name not in ELEMENTWISE_LAYERS and name != "Dropout"), None)
        return first in _LINEAR

    def _unbatched_branch(self, node: cst.CSTNode) -> bool:
        """`if x.dim() == 1: x = x.view(-1)`: a branch for single, unbatched samples, chosen on purpose."""
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return False
            if isinstance(ancestor, (cst.If, cst.IfExp)) and _SHAPE_TEST.search(self.context.code_for(ancestor.test)):
                return True
        return False

    def _flattens_everything(self, call: cst.Call) -> bool:
        """`x.view(-1)`, `x.reshape(-1)`, `x.flatten()`, `x.flatten(0)`, `torch.flatten(x)`, `torch.reshape(x, (-1,))`"""
        qualified = self.facts.call_name(call)
        func = call.func
        if qualified == "torch.flatten":
            return _from_dim_zero(call, offset=1)
        if qualified == "torch.reshape":
            shape = argument(call, 1, "shape")
            return isinstance(shape, (cst.Tuple, cst.List)) and _is_minus_one(shape.elements)
        if qualified is not None or not isinstance(func, cst.Attribute):
            return False
        if func.attr.value in ("view", "reshape"):
            args = positional_args(call)
            if len(args) == 1 and isinstance(args[0], (cst.Tuple, cst.List)):
                return _is_minus_one(args[0].elements)
            return len(call.args) == 1 and args == [call.args[0].value] and number(args[0]) == -1
        return func.attr.value == "flatten" and _from_dim_zero(call, offset=0)


def _from_dim_zero(call: cst.Call, offset: int) -> bool:
    """flatten with start_dim 0 (the default) and end_dim left at -1."""
    start = argument(call, offset, "start_dim")
    end = argument(call, offset + 1, "end_dim")
    return (start is None or number(start) == 0) and (end is None or number(end) == -1)


def _is_minus_one(elements) -> bool:
    return len(elements) == 1 and number(elements[0].value) == -1
