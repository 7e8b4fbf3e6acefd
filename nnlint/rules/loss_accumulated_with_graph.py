"""NN306: summing or collecting loss tensors across iterations keeps every iteration's graph alive."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.imports import dotted
from nnlint.facts.loops import BACKWARD, Loop, training_loops
from nnlint.facts.losses import is_loss
from nnlint.facts.plain_numbers import holds_plain_number
from nnlint.rules.base import Rule

MESSAGE = (
    "`{target}` accumulates the loss tensor itself, which keeps every iteration's autograd graph in memory "
    "— accumulate `{value}.item()` (or `.detach()`) instead"
)


class LossAccumulatedWithGraph(Rule):
    code = "NN306"
    name = "loss-accumulated-with-graph"
    summary = "`total += loss` / `losses.append(loss)` in a training loop without `.item()` / `.detach()`"
    triggers = ("backward", "loss")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign):
            self._check(node, node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "append" and len(node.args) == 1:
            self._check(node, node.func.value, node.args[0].value)

    def _check(self, node: cst.CSTNode, accumulator: cst.BaseExpression, value: cst.BaseExpression) -> None:
        loop = training_loops(self.facts).loop_of(node)
        name = dotted(accumulator)
        if loop is None or name is None or not loop.has(BACKWARD):
            return
        loss = self._graph_loss(value, node)
        if loss is None or self._reset_each_iteration(loop, name, node) or self._backpropagated(loop, name):
            return
        self.report(node, MESSAGE.format(target=name, value=self.context.code_for(loss)))

    def _graph_loss(self, value: cst.BaseExpression, at: cst.CSTNode) -> cst.BaseExpression | None:
        """The loss tensor in `loss`, `loss * n`, `loss / k` — unless it was read off the graph already."""
        if isinstance(value, cst.BinaryOperation):
            return self._graph_loss(value.left, at) or self._graph_loss(value.right, at)
        if not is_loss(self.facts, value, at):
            return None
        if holds_plain_number(self.facts, value, at):
            return None  # loss = criterion(out, y).item(); epoch_loss = 0.0 (its `+=` is what gets reported)
        return value

    def _reset_each_iteration(self, loop: Loop, name: str, at: cst.CSTNode) -> bool:
        """`loss = 0` inside the loop: the sum is this step's loss being built, not a running total."""
        return any(loop.node in self.facts.ancestors(b.statement) for b in self.facts.bindings(name, at))

    def _backpropagated(self, loop: Loop, name: str) -> bool:
        """`sum(losses).backward()` or `total.backward()`: the collected graph is wanted."""
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        return any(pattern.search(self.context.code_for(b.node)) for b in loop.of(BACKWARD))

