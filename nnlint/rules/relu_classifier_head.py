"""NN703: a classifier whose last layer is a ReLU, so no logit can be negative."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.modules import enclosing_forward, latest_value, layer_class, layer_constructor, sequential_layers
from nnlint.facts.values import activation_input, loss_call, origin
from nnlint.rules.base import Rule

_RELUS = frozenset({"ReLU", "ReLU6"})
_RELU_FUNCTIONS = frozenset({"torch.relu", "torch.nn.functional.relu", "torch.nn.functional.relu6"})
_SKIPPED = frozenset({"Dropout", "Identity", "Flatten"})
# `num_classes`, `n_classes`, `len(classes)`, `self.num_labels`: the output size names the classes.
_CLASS_COUNT = re.compile(r"class|label", re.IGNORECASE)
_LOGIT_LOSSES = frozenset({"cross_entropy", "bce_logits"})
MESSAGE = (
    "the classifier ends in a ReLU, so its logits cannot be negative and every class the ReLU zeroes gets "
    "no gradient — end the head with the Linear layer"
)


class ReluClassifierHead(Rule):
    code = "NN703"
    name = "relu-classifier-head"
    summary = "A classifier head ending in ReLU: logits cannot be negative"
    triggers = ("ReLU", "relu")

    def visit_Call(self, node: cst.Call) -> None:
        layers = sequential_layers(self.facts, node)
        if layers is not None:
            self._check_sequence(layers, node)
            return
        loss = loss_call(self.facts, node)
        if loss is not None and loss.kind in _LOGIT_LOSSES:
            # a ReLU output (the model's, or applied in the loop) goes into a loss that wants logits
            found = origin(self.facts, loss.input, node)
            if found is not None and found.kind == "relu":
                self.report(found.node, MESSAGE)

    def visit_Return(self, node: cst.Return) -> None:
        """`return F.relu(self.fc(x))` in `forward`, where `self.fc` outputs one value per class."""
        if node.value is None or enclosing_forward(self.facts, node) is None:
            return
        value = latest_value(self.facts, node.value, node) if isinstance(node.value, cst.Name) else node.value
        classified = False
        if isinstance(value, cst.Call) and self._is_softmax(value):
            # `return F.log_softmax(x)` after `x = F.relu(self.fc2(x))`: the softmax says these are class scores
            inner = activation_input(self.facts, value)
            value = latest_value(self.facts, inner, value) if isinstance(inner, cst.Name) else inner
            classified = True
        if not isinstance(value, cst.Call) or not self._is_relu(value):
            return
        tensor = activation_input(self.facts, value)
        if isinstance(tensor, cst.Name):
            tensor = latest_value(self.facts, tensor, value)  # read where the ReLU reads it
        if not isinstance(tensor, cst.Call):
            return
        if self._is_class_scores_layer(tensor.func, node) or classified and self._is_linear(tensor.func, node):
            self.report(value, MESSAGE)

    def _is_softmax(self, call: cst.Call) -> bool:
        found = origin(self.facts, call, call)
        return found is not None and found.inline and found.node is call and found.kind in ("softmax", "log_softmax")

    def _is_linear(self, layer: cst.BaseExpression, at: cst.CSTNode) -> bool:
        return layer_class(self.facts, layer, at) in ("Linear", "LazyLinear")

    def _check_sequence(self, layers: list[cst.BaseExpression], at: cst.CSTNode) -> None:
        kept = [layer for layer in layers if layer_class(self.facts, layer, at) not in _SKIPPED]
        if len(kept) >= 2 and layer_class(self.facts, kept[-1], at) in _RELUS:
            if self._is_class_scores_layer(kept[-2], at):
                self.report(layer_constructor(self.facts, kept[-1], at), MESSAGE)

    def _is_relu(self, call: cst.Call) -> bool:
        if self.facts.call_name(call) in _RELU_FUNCTIONS or layer_class(self.facts, call.func, call) in _RELUS:
            return True
        func = call.func
        return isinstance(func, cst.Attribute) and func.attr.value == "relu" and self.facts.call_name(call) is None

    def _is_class_scores_layer(self, layer: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """A Linear whose output size names the classes (`nn.Linear(512, num_classes)`)."""
        constructor = layer_constructor(self.facts, layer, at)
        if constructor is None or layer_class(self.facts, constructor, at) != "Linear":
            return False
        size = argument(constructor, 1, "out_features")
        if not isinstance(size, (cst.Name, cst.Attribute, cst.Call)):
            return False  # `num_classes * 4` sizes a hidden layer
        return bool(_CLASS_COUNT.search(self.context.code_for(size)))
