"""NN305: zeroing gradients between `backward()` and `optimizer.step()` throws the gradients away."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import BACKWARD, STEPS, ZERO_GRAD, Event, Loop, training_loops
from nnlint.facts.roles import role_of
from nnlint.rules.base import Rule

MESSAGE = (
    "gradients are zeroed after `backward()` and before `optimizer.step()`, so the step applies zero "
    "gradients and nothing is learned — zero them before `backward()` or after `step()`"
)


class ZeroGradBeforeStep(Rule):
    code = "NN305"
    name = "zero-grad-before-step"
    summary = "`zero_grad()` between `backward()` and `optimizer.step()`: the step sees no gradients"
    triggers = ("grad",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).step_regions():
            for zero in loop.of(ZERO_GRAD):
                if not zero.in_handler and self._wipes_gradients(loop, zero):
                    self.report(zero.node, MESSAGE)

    def _wipes_gradients(self, loop: Loop, zero: Event) -> bool:
        backwards, steps = loop.of(BACKWARD), loop.of(*STEPS)
        # Gradients no step has used yet (GAN: D's backward and step, then G's zero_grad, is fine).
        unused = [
            b
            for b in backwards
            if b.may_precede(zero) and not any(b.may_precede(s) and s.may_precede(zero) for s in steps)
        ]
        return bool(unused) and any(
            zero.may_precede(s)
            and not any(zero.may_precede(b) and b.may_precede(s) for b in backwards)
            and self._same_parameters(zero, s)
            for s in steps
        )

    def _same_parameters(self, zero: Event, step: Event) -> bool:
        """`opt_g.zero_grad()` does not touch what `opt_d.step()` applies; `model.zero_grad()` may."""
        call = zero.node
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute) or step.receiver is None:
            return True
        if role_of(self.facts, call.func.value, call) != "optimizer":
            return True
        return zero.receiver == step.receiver
