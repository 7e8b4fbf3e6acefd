"""NN301: a training loop that steps the optimizer but never zeroes gradients, so they pile up forever."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import BACKWARD, ZERO_GRAD, training_loops
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
            if loop.trains and not any(child.trains for child in loop.children) and not loop.has(ZERO_GRAD):
                self.report(loop.of(BACKWARD)[0].node, MESSAGE)
