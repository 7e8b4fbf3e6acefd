"""NN502: a scheduler whose period is counted in epochs, stepped once per batch."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.elsewhere import describe
from nnlint.facts.loops import SCHEDULER_STEP, training_loops
from nnlint.facts.schedulers import epoch_scheduler
from nnlint.rules.base import Rule

MESSAGE = (
    "`{kind}` is set up in epochs but stepped every batch, so it decays hundreds of times too fast — "
    "call `scheduler.step()` once per epoch, after the batch loop"
)
ELSEWHERE = " (built by {where})"


class EpochSchedulerPerBatch(Rule):
    code = "NN502"
    name = "epoch-scheduler-per-batch"
    summary = "An epoch-based LR scheduler stepped inside the per-batch loop"
    triggers = ("LR", "sched")

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).loops:
            if not loop.is_batch_loop or not loop.trains:
                continue
            for tick in loop.of(SCHEDULER_STEP):
                found = epoch_scheduler(self.facts, tick.node.func.value, tick.node)
                if found is None or tick.conditional:
                    continue
                kind, where = found
                message = MESSAGE.format(kind=kind)
                if where is not None:
                    message += ELSEWHERE.format(where=describe(where))
                self.report(tick.node, message, related=where)
