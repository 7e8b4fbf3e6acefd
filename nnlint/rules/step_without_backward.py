"""NN307: `optimizer.step()` in a training loop where no `backward()` ever runs: nothing is learned."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.loops import BACKWARD, OPTIMIZER_STEP, SCALER_STEP, Loop, training_loops
from nnlint.rules.base import Rule

MESSAGE = (
    "`{step}` runs in a loop where no `backward()` is ever called, so there are no new gradients and the "
    "weights never learn from the loss — call `loss.backward()` before the step"
)
UNCALLED_MESSAGE = (
    "`{step}` runs in a loop whose `{attribute}` is never called (the parentheses are missing), so there are "
    "no gradients and nothing is learned — write `{attribute}()`"
)
# Calls we cannot see into that may compute gradients: `agent.learn()`, `accelerator.backward`-like helpers,
# `torch.autograd.grad`, `env.step(a)` of an RL loop whose update lives elsewhere.
_MAY_BACKPROPAGATE = re.compile(r"backward|grad|(^|_)step|update|train|fit|learn|optimi[sz]e", re.I)
_SCALER = re.compile(r"scaler$", re.I)  # `scaler.update()` only adjusts the loss scale


class StepWithoutBackward(Rule):
    code = "NN307"
    name = "step-without-backward"
    summary = "`optimizer.step()` reached in a training loop where no `backward()` runs"
    triggers = ("step(",)

    def visit_Module(self, node: cst.Module) -> None:
        loops = training_loops(self.facts)
        for loop in loops.loops:
            if loop.parent is not None or loop.has(BACKWARD) or self._may_get_gradients_elsewhere(loop):
                continue
            steps = [e for e in loop.of(OPTIMIZER_STEP, SCALER_STEP) if e.kind == SCALER_STEP or not e.node.args]
            if not steps:
                continue  # `optimizer.step(closure)`: LBFGS computes the gradients itself
            step = self.context.code_for(steps[0].node)
            uncalled = self._uncalled_backward(loop)
            if uncalled is not None:
                self.report(steps[0].node, UNCALLED_MESSAGE.format(step=step, attribute=uncalled))
            else:
                self.report(steps[0].node, MESSAGE.format(step=step))

    def _may_get_gradients_elsewhere(self, loop: Loop) -> bool:
        """Helpers out of sight, manual `.grad` writes, or a loop inside a function called from another loop."""
        for name in loop.opaque_calls:
            receiver, _, method = name.rpartition(".")
            if _MAY_BACKPROPAGATE.search(method) and not _SCALER.search(receiver):
                return True
        if ".grad" in self.context.code_for(loop.node):
            return True
        function = self.facts.enclosing_function(loop.node)
        return function is not None and bool(training_loops(self.facts).calls_to(function))

    def _uncalled_backward(self, loop: Loop) -> str | None:
        """`loss.backward` written as a statement without the call."""
        for node in self.facts.nodes():
            if isinstance(node, cst.Expr) and isinstance(node.value, cst.Attribute):
                if node.value.attr.value == "backward" and loop.node in self.facts.ancestors(node):
                    return self.context.code_for(node.value)
        return None
