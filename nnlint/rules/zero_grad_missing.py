"""NN301: a training loop that steps the optimizer but never zeroes gradients, so they pile up forever."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import BACKWARD, STEPS, ZERO_GRAD, Event, Loop, training_loops
from nnlint.rules.base import Rule

MESSAGE = (
    "gradients are never zeroed in this loop, so every `backward()` adds to all earlier ones — "
    "call `optimizer.zero_grad()` once per step (after `optimizer.step()` or before `backward()`)"
)


class ZeroGradMissing(Rule):
    code = "NN301"
    name = "zero-grad-missing"
    summary = "A loop calls `backward()` and `optimizer.step()` but never zeroes gradients"
    triggers = ("backward",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).loops:
            # The innermost loop that trains owns the step; zeroing anywhere in it (helpers too) is enough.
            if not loop.trains or any(child.trains for child in loop.children) or loop.has(ZERO_GRAD):
                continue
            local = [event for event in loop.of(BACKWARD) if not self._distributed(event)]
            if local and not self._optimizer_built_each_iteration(loop):
                self.report(local[0].node, MESSAGE)

    def _distributed(self, backward: Event) -> bool:
        """`dist_autograd.backward(context_id, [loss])`: its gradients live in a fresh context per iteration."""
        node = backward.node
        name = self.facts.call_name(node) if isinstance(node, cst.Call) else None
        return (name or "").startswith("torch.distributed.autograd.")

    def _optimizer_built_each_iteration(self, loop: Loop) -> bool:
        """`opt = SGD(...); opt.step()` inside the loop: a one-off numeric check, not a training loop."""
        for step in loop.of(*STEPS):
            if step.receiver is None:
                continue
            for binding in self.facts.bindings(step.receiver, step.node):
                if loop.node in self.facts.ancestors(binding.statement):
                    return True
        return False
