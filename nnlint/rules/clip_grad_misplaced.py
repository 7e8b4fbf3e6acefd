"""NN302: gradient clipping that runs before the gradients exist or after the step already used them."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import BACKWARD, CLIP, STEPS, Event, Loop, training_loops
from nnlint.rules.base import Rule

BEFORE_BACKWARD = (
    "gradients are clipped before `backward()` computes them, so the clipping has no effect — "
    "clip after `backward()` and before `optimizer.step()`"
)
AFTER_STEP = (
    "gradients are clipped after `optimizer.step()` already used them, so the clipping has no effect — "
    "clip after `backward()` and before `optimizer.step()`"
)


class ClipGradMisplaced(Rule):
    code = "NN302"
    name = "clip-grad-misplaced"
    summary = "Gradient clipping before `backward()` or after `optimizer.step()`: it clips nothing that is used"
    triggers = ("clip_grad",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).step_regions():
            # a step function (`def backward(self, loss)`) may leave `optimizer.step()` to its caller
            if not loop.trains and not (isinstance(loop.node, cst.FunctionDef) and loop.has(BACKWARD)):
                continue
            for clip in loop.of(CLIP):
                if clip.in_handler:
                    continue
                if _before_backward(loop, clip):
                    self.report(clip.node, BEFORE_BACKWARD)
                elif _after_step(loop, clip):
                    self.report(clip.node, AFTER_STEP)


def _before_backward(loop: Loop, clip: Event) -> bool:
    """`clip; loss.backward(); step` — not the rotated `clip; step; ...; backward` that clips last pass's grads."""
    backwards, steps = loop.of(BACKWARD), loop.of(*STEPS)
    if any(b.may_precede(clip) for b in backwards):
        return False
    return any(
        clip.may_precede(b) and not any(clip.may_precede(s) and s.may_precede(b) for s in steps) for b in backwards
    )


def _after_step(loop: Loop, clip: Event) -> bool:
    """`backward; step; clip` with no new `backward()` between the step and the clip."""
    backwards = loop.of(BACKWARD)
    return any(
        s.may_precede(clip) and not any(s.may_precede(b) and b.may_precede(clip) for b in backwards)
        for s in loop.of(*STEPS)
    )
