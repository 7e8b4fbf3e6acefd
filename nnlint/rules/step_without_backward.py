"""NN307: `optimizer.step()` in a training loop where no `backward()` ever runs: nothing is learned."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.imports import dotted
from nnlint.facts.loops import BACKWARD, OPTIMIZER_STEP, SCALER_STEP, Event, Loop, training_loops
from nnlint.facts.losses import is_loss_callable
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
            steps = [e for e in loop.of(OPTIMIZER_STEP, SCALER_STEP) if _no_closure(e)]
            if not steps:
                continue  # `optimizer.step(closure)`: LBFGS computes the gradients itself
            self._report(steps[0].node, loop.node)
        for function in self._step_functions():
            events = loops.scope_events(function)
            steps = [e for e in events if e.kind in (OPTIMIZER_STEP, SCALER_STEP) and _no_closure(e)]
            if steps and not any(e.kind == BACKWARD for e in events):
                self._report(steps[0].node, function)

    def _step_functions(self) -> list[cst.FunctionDef | cst.Module]:
        """`def train_step(batch): ...` (or a script's top level) computing a loss, with no loop of its own,
        that nothing here calls."""
        loops = training_loops(self.facts)
        found = []
        for node in self.facts.nodes_of(cst.Module, cst.FunctionDef):  # in source order, by exact class
            if isinstance(node, cst.FunctionDef) and loops.calls_to(node):
                continue
            owner = None if isinstance(node, cst.Module) else node
            if any(self.facts.enclosing_function(loop.node) is owner for loop in loops.loops):
                continue
            calls = loops.calls_within(node)
            names = [dotted(call.func) or "" for call in calls]
            if any(_MAY_BACKPROPAGATE.search(n.rsplit(".", 1)[-1]) and _opaque(n) for n in names):
                continue
            if any(is_loss_callable(self.facts, call.func, call) for call in calls):
                found.append(node)  # it computes a loss and steps: a training step, whose backward is missing
        return found

    def _report(self, step: cst.CSTNode, region: cst.CSTNode) -> None:
        code = self.context.code_for(step)
        uncalled = self._uncalled_backward(region)
        if uncalled is not None:
            self.report(step, UNCALLED_MESSAGE.format(step=code, attribute=uncalled))
        else:
            self.report(step, MESSAGE.format(step=code))

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

    def _uncalled_backward(self, region: cst.CSTNode) -> str | None:
        """`loss.backward` written as a statement without the call."""
        for node in self.facts.nodes():
            if isinstance(node, cst.Expr) and isinstance(node.value, cst.Attribute):
                if node.value.attr.value == "backward" and region in self.facts.ancestors(node):
                    return self.context.code_for(node.value)
        return None


def _no_closure(step: Event) -> bool:
    """`optimizer.step(closure)`: LBFGS computes the gradients itself."""
    return step.kind == SCALER_STEP or not step.node.args


def _opaque(name: str) -> bool:
    """A call that is not an optimizer's or scaler's own step/update: `agent.learn()`, `env.step(a)`."""
    receiver = name.rpartition(".")[0]
    return not _SCALER.search(receiver) and not re.search(r"opt|optim|optimi[sz]er|sched", receiver, re.I)
