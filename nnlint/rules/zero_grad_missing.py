"""NN301: a training loop that steps the optimizer but never zeroes gradients, so they pile up forever."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import BACKWARD, SCALER_STEP, STEPS, ZERO_GRAD, Event, Loop, training_loops
from nnlint.facts.roles import role_of
from nnlint.rules.base import Rule

MESSAGE = (
    "gradients are never zeroed in this loop, so every `backward()` adds to all earlier ones — "
    "call `optimizer.zero_grad()` once per step (after `optimizer.step()` or before `backward()`)"
)

PER_OPTIMIZER = (
    "`{optimizer}.step()` applies gradients that are never zeroed in this loop (only {zeroed} are), so every "
    "`backward()` adds to all earlier ones — call `{optimizer}.zero_grad()` once per step"
)


class ZeroGradMissing(Rule):
    code = "NN301"
    name = "zero-grad-missing"
    summary = "A loop calls `backward()` and `optimizer.step()` but never zeroes gradients"
    triggers = ("backward",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).loops:
            # The innermost loop that trains owns the step; zeroing anywhere in it (helpers too) is enough.
            if not loop.trains or any(child.trains for child in loop.children):
                continue
            if loop.has(ZERO_GRAD):
                self._check_each_optimizer(loop)
                continue
            local = [event for event in loop.of(BACKWARD) if not self._distributed(event)]
            if local and not self._optimizer_built_each_iteration(loop):
                self.report(local[0].node, MESSAGE)

    def _distributed(self, backward: Event) -> bool:
        """`dist_autograd.backward(context_id, [loss])`: its gradients live in a fresh context per iteration."""
        node = backward.node
        name = self.facts.call_name(node) if isinstance(node, cst.Call) else None
        return (name or "").startswith("torch.distributed.autograd.")

    def _check_each_optimizer(self, loop: Loop) -> None:
        """Several optimizers, each zeroed by name (a GAN): one that is stepped but never zeroed accumulates.

        Only when every zeroing names its optimizer; `model.zero_grad()`, `p.grad = None` or a helper may
        zero any parameters, and `for opt in opts: opt.zero_grad()` zeroes names we cannot list.
        """
        zeroed = set()
        for zero in loop.of(ZERO_GRAD):
            call = zero.node
            if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
                return
            if not isinstance(call.func.value, (cst.Name, cst.Attribute)) or self._loop_target(zero):
                return
            if role_of(self.facts, call.func.value, call) != "optimizer":
                return
            zeroed.add(zero.receiver)
        for step in loop.of(*STEPS):
            if step.receiver is None or step.receiver in zeroed or self._loop_target(step):
                continue
            call = step.node
            stepped = call.args[0].value if step.kind == SCALER_STEP and call.args else call.func.value
            if not isinstance(stepped, (cst.Name, cst.Attribute)) or role_of(self.facts, stepped, call) != "optimizer":
                continue
            zeros = ", ".join(f"`{name}`" for name in sorted(zeroed))
            self.report(call, PER_OPTIMIZER.format(optimizer=step.receiver, zeroed=zeros))

    def _loop_target(self, event) -> bool:
        """The receiver is the target of a loop around the call: `for opt in optimizers: opt.zero_grad()`."""
        for ancestor in self.facts.ancestors(event.node):
            if isinstance(ancestor, cst.For) and event.receiver in self.context.code_for(ancestor.target):
                return True
        return False

    def _optimizer_built_each_iteration(self, loop: Loop) -> bool:
        """`opt = SGD(...); opt.step()` inside the loop: a one-off numeric check, not a training loop."""
        for step in loop.of(*STEPS):
            if step.receiver is None:
                continue
            for binding in self.facts.bindings(step.receiver, step.node):
                if loop.node in self.facts.ancestors(binding.statement):
                    return True
        return False
