"""NN304: `scheduler.step()` before `optimizer.step()` skips the schedule's first learning rate."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.imports import dotted
from nnlint.facts.loops import SCHEDULER_STEP, STEPS, Event, training_loops
from nnlint.facts.roles import scheduler_constructor
from nnlint.rules.base import Rule

MESSAGE = (
    "`scheduler.step()` runs before `optimizer.step()` in the same iteration, so the first learning rate "
    "of the schedule is skipped — step the scheduler after the optimizer"
)


class SchedulerBeforeOptimizer(Rule):
    code = "NN304"
    name = "scheduler-before-optimizer"
    summary = "`scheduler.step()` called before `optimizer.step()` in the same iteration"
    triggers = ("sched", "LR")

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).step_regions():
            steps = loop.of(*STEPS)
            for tick in loop.of(SCHEDULER_STEP):
                if tick.node.args:  # `step(epoch)` sets the LR explicitly
                    continue
                ours = [step for step in steps if self._steps_its_optimizer(tick, step)]
                # `if (i + 1) % accum == 0: scheduler.step(); optimizer.step()`: a guard shared with the step
                ours = [step for step in ours if self._unconditional(tick, step)]
                if any(tick.may_precede(s) for s in ours) and not any(s.may_precede(tick) for s in steps):
                    self.report(tick.node, MESSAGE)

    def _unconditional(self, tick: Event, step: Event) -> bool:
        """Runs whenever `step` runs: its only guards of its own are `if scheduler is not None:` checks (a
        guard shared with the optimizer step, like a gradient-accumulation `if`, is fine; `if epoch > 0:` not)."""
        name = (tick.receiver or "").rsplit(".", 1)[-1]
        shared = 0
        for mine, theirs in zip(tick.guards, step.guards):
            if mine.block is not theirs.block:
                break
            shared += 1
        return all(
            not guard.is_loop and guard.test is not None and name in self.context.code_for(guard.test)
            for guard in tick.guards[shared:]
        )

    def _steps_its_optimizer(self, tick: Event, step: Event) -> bool:
        """With several optimizers, the scheduler's own one (its first argument) is the one that counts."""
        constructor = scheduler_constructor(self.facts, tick.node.func.value, tick.node)
        optimizer = argument(constructor[1], 0, "optimizer") if constructor else None
        name = dotted(optimizer) if optimizer is not None else None
        return name is None or step.receiver is None or step.receiver == name
