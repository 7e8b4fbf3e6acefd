"""NN602: `model.eval()` inside the training loop with no `model.train()` after it: training goes on in eval mode."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.imports import dotted
from nnlint.facts.loops import EVAL_MODE, TRAIN_MODE, Loop, training_loops
from nnlint.rules.base import Rule

MESSAGE = (
    "`{model}.eval()` runs inside the training loop and `{model}.train()` is never called again, so the rest "
    "of training runs with dropout off and frozen BatchNorm — call `{model}.train()` before the next step"
)
# Calls we cannot follow that probably switch back: `train_one_epoch(...)`, `set_train_mode()`.
_MAYBE_TRAIN = re.compile(r"train", re.I)


class EvalModeNotRestored(Rule):
    code = "NN602"
    name = "eval-mode-not-restored"
    summary = "`model.eval()` inside the epoch loop and `model.train()` never restored before training resumes"
    triggers = ("eval", ".train(")

    def visit_Module(self, node: cst.Module) -> None:
        loops = training_loops(self.facts)
        for loop in loops.loops:
            if not loop.trains or loop.has(TRAIN_MODE) or any(_MAYBE_TRAIN.search(n) for n in loop.opaque_calls):
                continue
            trained = {_last(name) for name in loops.trained_modules} | self._called_with_grad(loop)
            for switch in loop.of(EVAL_MODE):
                model = switch.receiver or ""
                if _last(model) in trained and not switch.in_handler:
                    self.report(switch.node, MESSAGE.format(model=model))

    def _called_with_grad(self, loop: Loop) -> set[str]:
        """Modules the loop runs forward with autograd on, in helpers too (`train(epoch)`); a frozen teacher
        runs under no_grad."""
        loops = training_loops(self.facts)
        calls = loops.calls_reached(loop.node.body)
        return {_last(dotted(c.func)) for c in calls if dotted(c.func) and not loops.runs_without_grad(c)}


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]
