"""NN306: summing or collecting loss tensors across iterations keeps every iteration's graph alive."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.imports import dotted
from nnlint.facts.loops import BACKWARD, Loop, training_loops
from nnlint.facts.calls import same_code
from nnlint.facts.losses import is_detached, is_loss
from nnlint.facts.plain_numbers import holds_plain_number
from nnlint.facts.roles import receiver_name
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

    def visit_Assign(self, node: cst.Assign) -> None:
        """`running_loss = running_loss + loss`: an `+=` written out."""
        value = node.value
        if len(node.targets) != 1 or not isinstance(value, cst.BinaryOperation):
            return
        if not isinstance(value.operator, cst.Add):
            return
        target = dotted(node.targets[0].target)
        if target is not None and dotted(value.left) == target:
            self._check(node, node.targets[0].target, value.right)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "append" and len(node.args) == 1:
            self._check(node, node.func.value, node.args[0].value)

    def _check(self, node: cst.CSTNode, accumulator: cst.BaseExpression, value: cst.BaseExpression) -> None:
        loop = training_loops(self.facts).loop_of(node)
        while loop is not None and not loop.has(BACKWARD):
            loop = loop.parent  # `for key in loss: self.losses[key] += loss[key]` inside the training loop
        name = receiver_name(accumulator)  # `self.losses` for `self.losses[key]`
        if loop is None or name is None:
            return
        loss = self._graph_loss(value, node) or self._backpropagated_container(loop, value)
        if loss is None or self._reset_each_iteration(loop, name, node) or self._backpropagated(loop, name):
            return
        self.report(node, MESSAGE.format(target=name, value=self.context.code_for(loss)))

    def _backpropagated_container(self, loop: Loop, value: cst.BaseExpression) -> cst.BaseExpression | None:
        """`outputs.append(output)` after `output["loss"].backward()`: the dict still holds the graph."""
        name = dotted(value)
        if name is None:
            return None
        for event in loop.of(BACKWARD):
            call = event.node
            receiver = call.func.value if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) else None
            if isinstance(receiver, (cst.Subscript, cst.Attribute)) and dotted(receiver.value) == name:
                if self.facts.order(call) < self.facts.order(value) and not self._detached_between(receiver, value):
                    return receiver
        return None

    def _detached_between(self, item: cst.BaseExpression, use: cst.CSTNode) -> bool:
        """`output["loss"] = output["loss"].detach()` after the backward and before the container is kept."""
        start, end = self.facts.order(item), self.facts.order(use)
        for node in self.facts.nodes():
            position = self.facts.order(node)
            if position >= end:
                return False
            if position > start and isinstance(node, cst.Assign) and is_detached(node.value):
                if any(same_code(self.context.module, t.target, item) for t in node.targets):
                    return True
        return False

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
        return any(
            loop.node in self.facts.ancestors(b.statement) and not _adds_to_itself(b.value, name)
            for b in self.facts.bindings(name, at)
        )

    def _backpropagated(self, loop: Loop, name: str) -> bool:
        """`sum(losses).backward()` or `total.backward()`: the collected graph is wanted."""
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        return any(pattern.search(self.context.code_for(b.node)) for b in loop.of(BACKWARD))



def _adds_to_itself(value: cst.BaseExpression, name: str) -> bool:
    """`running = running + loss`: an accumulation step, not a reset."""
    return isinstance(value, cst.BinaryOperation) and dotted(value.left) == name
