"""NN303: with AMP, clipping the still-scaled gradients uses a threshold thousands of times too small."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.elsewhere import describe, here
from nnlint.facts.imports import dotted
from nnlint.facts.loops import CLIP, SCALER_SCALE, SCALER_STEP, SCALER_UNSCALE, STEPS, Event, training_loops
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
        reported: set[cst.CSTNode] = set()  # a helper's clip is seen from every loop that calls it
        for loop in training_loops(self.facts).step_regions():
            if not loop.has(SCALER_STEP):
                continue
            scales, unscales, steps = loop.of(SCALER_SCALE), loop.of(SCALER_UNSCALE), loop.of(*STEPS)
            for clip in loop.of(CLIP):
                scaled = [s for s in scales if s.may_precede(clip) and not _stepped_between(s, clip, steps)]
                if scaled and not clip.in_handler and not any(u.may_precede(clip) for u in unscales):
                    if clip.node not in reported:
                        reported.add(clip.node)
                        self._report(clip, inside_helper=any(s.via is clip.via for s in scaled))

    def _report(self, clip: Event, inside_helper: bool) -> None:
        """At the clip, or at the helper call that clips inside (where the user can add the unscale).

        A helper that scales and clips itself (the whole AMP step in `_run_batch`) is mended at its clip.
        """
        if clip.via is None or (inside_helper and clip.elsewhere is None):
            self.report(clip.node, MESSAGE)
            return
        where = clip.elsewhere or self._here(clip.node)
        self.report(clip.via, f"{MESSAGE} (this call clips with {describe(where)})", related=where)

    def _here(self, node: cst.Call):
        return here(self.facts, node, f"{dotted(node.func) or 'clip'}(...)")


def _stepped_between(scale: Event, clip: Event, steps: list[Event]) -> bool:
    """A step consumed the scaled gradients before the clip: `run_batch(train)` then `run_batch(eval)`."""
    return any(scale.position < step.position < clip.position for step in steps)
