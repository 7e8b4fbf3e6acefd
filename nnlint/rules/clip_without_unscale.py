"""NN303: with AMP, clipping the still-scaled gradients uses a threshold thousands of times too small."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import CLIP, SCALER_SCALE, SCALER_STEP, SCALER_UNSCALE, training_loops
from nnlint.rules.base import Rule

MESSAGE = (
    "gradients scaled by the `GradScaler` are clipped without unscaling, so `max_norm` applies to grads "
    "multiplied by the loss scale — call `scaler.unscale_(optimizer)` before clipping"
)


class ClipWithoutUnscale(Rule):
    code = "NN303"
    name = "clip-without-unscale"
    summary = "Gradient clipping in an AMP `GradScaler` loop without `scaler.unscale_(optimizer)` first"
    triggers = ("clip_grad",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).step_regions():
            if not loop.has(SCALER_STEP):
                continue
            scales, unscales = loop.of(SCALER_SCALE), loop.of(SCALER_UNSCALE)
            for clip in loop.of(CLIP):
                scaled = any(scale.may_precede(clip) for scale in scales)
                if scaled and not clip.in_handler and not any(u.may_precede(clip) for u in unscales):
                    self.report(clip.node, MESSAGE)
