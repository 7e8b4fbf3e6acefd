"""NN103: a softmax or reduction over dim 0 of a batch-first tensor, or a softmax that leaves the dim implicit."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.modules import (
    CONVOLUTIONS, ELEMENTWISE_LAYERS, SOFTMAX_LAYERS, batch_first_input, enclosing_forward, keeps_batch_first,
    layer_class, layer_constructor, nn_class, producer_layer, reduced_over_dim_zero, sequential_layers,
)
from nnlint.rules.base import PendingFix, Rule

_IMPLICIT_FUNCTIONS = frozenset(f"torch.nn.functional.{name}" for name in ("softmax", "log_softmax", "softmin"))
# Graphs and bags of instances legitimately reduce over dim 0: their rows are nodes or instances, not samples.
_SET_INPUTS = re.compile(r"^(edge_index|edge_attr|edge_weight|adj|adjacency|graph|g|bag|instances|batch)$")
_NORM_CLASS = re.compile(r"Norm|BN")

IMPLICIT_MESSAGE = (
    "`{name}` without `dim` picks dim 0 for 0-, 1- and 3-D input (the batch of a (batch, seq, classes) tensor) "
    "and dim 1 otherwise — pass `dim` explicitly"
)
BATCH_MESSAGE = (
    "`{name}` over dim 0 runs across the samples of the batch, so each output depends on the others — "
    "use the feature dim (`dim=-1` or `dim=1`)"
)


class ReductionOverBatch(Rule):
    code = "NN103"
    name = "reduction-over-batch"
    summary = "Softmax or reduction over dim 0 (the batch) in `forward`, or a softmax with an implicit dim"
    triggers = ("dim", "softmax", "Softmax", "softmin", "Softmin", "(0)", ", 0)", ", 0,")
    fix = "unsafe"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._instance_pooling: dict[cst.FunctionDef, bool] = {}  # forward -> pools over a bag of instances

    def visit_Call(self, node: cst.Call) -> None:
        if self._check_implicit(node):
            return
        layers = sequential_layers(self.facts, node)
        if layers is not None:
            self._check_sequential(layers, node)
            return
        reduced = reduced_over_dim_zero(self.facts, node)
        if reduced is None or not self._in_batch_first_forward(node):
            return
        pooling = self._pools_over_instances(self.facts.enclosing_function(node))
        if pooling and not self._classifier_softmax(node, reduced):
            return  # attention pooling over a bag of instances: its rows are not samples
        if keeps_batch_first(self.facts, reduced, node):
            name = layer_class(self.facts, node.func, node) or _short_name(node)
            self.report(node, BATCH_MESSAGE.format(name=name))

    def _check_implicit(self, call: cst.Call) -> bool:
        """`F.softmax(x)` / `nn.Softmax()` / `nn.Softmax(dim=None)`."""
        qualified = self.facts.call_name(call) or ""
        offset = 1 if qualified in _IMPLICIT_FUNCTIONS else 0 if nn_class(self.facts, call) in SOFTMAX_LAYERS else None
        if offset is None or any(arg.star for arg in call.args):
            return False
        dim = argument(call, offset, "dim")
        if dim is not None and not (isinstance(dim, cst.Name) and dim.value == "None"):
            return False
        name = qualified.rsplit(".", 1)[-1]
        self.report(call, IMPLICIT_MESSAGE.format(name=name), self._explicit_dim(call, dim, offset))
        return True

    def _explicit_dim(self, call: cst.Call, dim: cst.BaseExpression | None, offset: int) -> PendingFix | None:
        value = "1" if self._after_convolution(call) else "-1"
        message = f"Pass `dim={value}` (PyTorch's implicit dim was 0 for 0-, 1- and 3-D input and 1 otherwise)"
        if dim is not None:
            return self.replace(dim, value, message)
        if not call.args:
            return self.replace(call, f"{self.context.code_for(call.func)}(dim={value})", message)
        last = call.args[-1].value
        code = self.context.code_for(last)
        return None if "\n" in code else self.replace(last, f"{code}, dim={value}", message)

    def _after_convolution(self, layer: cst.Call) -> bool:
        """`nn.Softmax()` right after a conv in an nn.Sequential: the classes are the channels, dim 1."""
        parent = self.facts.parent(self.facts.parent(layer) or layer)
        layers = sequential_layers(self.facts, parent) if isinstance(parent, cst.Call) else None
        index = next((i for i, item in enumerate(layers or []) if item is layer), None)
        if index is None:
            return False
        before = [layer_class(self.facts, item, layer) for item in layers[:index]]
        last = next((name for name in reversed(before) if name not in ELEMENTWISE_LAYERS), None)
        return last in CONVOLUTIONS

    def _check_sequential(self, layers: list[cst.BaseExpression], at: cst.Call) -> None:
        """`nn.Sequential(nn.Linear(d, c), nn.Softmax(dim=0))`: the input of a Sequential is batch-first."""
        for index, layer in enumerate(layers[1:], 1):
            constructor = layer_constructor(self.facts, layer, at)
            if constructor is None or nn_class(self.facts, constructor) not in SOFTMAX_LAYERS:
                continue
            before = [item for item in layers[:index] if layer_class(self.facts, item, at) not in ELEMENTWISE_LAYERS]
            if number(argument(constructor, 0, "dim")) != 0 or not before or self._is_row_score_layer(before[-1], at):
                continue
            if any(layer_class(self.facts, item, at) in {"Linear", *CONVOLUTIONS} for item in before):
                self.report(constructor, BATCH_MESSAGE.format(name=nn_class(self.facts, constructor)))

    def _is_instance_score(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """One score per row, from `nn.Linear(d, 1)`: a softmax over dim 0 of it is attention pooling over instances."""
        producer = producer_layer(self.facts, expr, at, lambda call: None)
        return producer is not None and self._is_row_score_layer(producer.func, at)

    def _is_row_score_layer(self, layer: cst.BaseExpression, at: cst.CSTNode) -> bool:
        constructor = layer_constructor(self.facts, layer, at)
        return (
            constructor is not None and nn_class(self.facts, constructor) == "Linear"
            and number(argument(constructor, 1, "out_features")) == 1
        )

    def _in_batch_first_forward(self, node: cst.CSTNode) -> bool:
        forward = enclosing_forward(self.facts, node)
        if forward is None or _NORM_CLASS.search(self.facts.enclosing_class(node).name.value):
            return False
        if any(_SET_INPUTS.match(param.name.value) for param in forward.params.params):
            return False
        return bool(batch_first_input(self.facts, forward))

    def _classifier_softmax(self, call: cst.Call, reduced: cst.BaseExpression) -> bool:
        """`F.log_softmax(self.fc(x), dim=0)`: a softmax over dim 0 of a class-score layer, not of a row score;
        the attention-pooling exemption does not cover it."""
        name = (self.facts.call_name(call) or _short_name(call)).rsplit(".", 1)[-1]
        if name not in ("softmax", "log_softmax") and layer_class(self.facts, call.func, call) not in SOFTMAX_LAYERS:
            return False
        producer = producer_layer(self.facts, reduced, call, lambda inner: None)
        if producer is None or self._is_row_score_layer(producer.func, call):
            return False
        return layer_class(self.facts, producer.func, call) in {"Linear", *CONVOLUTIONS}

    def _pools_over_instances(self, forward: cst.FunctionDef) -> bool:
        """A `forward` that softmaxes one score per row over dim 0 treats its rows as a bag of instances."""
        if forward not in self._instance_pooling:
            calls = _Calls()
            forward.body.visit(calls)
            reduced = [(reduced_over_dim_zero(self.facts, call), call) for call in calls.found]
            self._instance_pooling[forward] = any(
                tensor is not None and self._is_instance_score(tensor, call) for tensor, call in reduced
            )
        return self._instance_pooling[forward]


def _short_name(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else "reduction"


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.found.append(node)
