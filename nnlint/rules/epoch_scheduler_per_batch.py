"""NN502: a scheduler whose period is counted in epochs, stepped once per batch."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.cli_defaults import option_default
from nnlint.facts.loops import SCHEDULER_STEP, Event, training_loops
from nnlint.facts.passed_values import sources
from nnlint.facts.roles import scheduler_constructor
from nnlint.rules.base import Rule

MESSAGE = (
    "`{kind}` is set up in epochs but stepped every batch, so it decays hundreds of times too fast — "
    "call `scheduler.step()` once per epoch, after the batch loop"
)

# scheduler -> (position, keyword, largest literal that still reads as an epoch count)
_PERIODS = {
    "StepLR": (1, "step_size", 100),
    "MultiStepLR": (1, "milestones", 300),
    "CosineAnnealingLR": (1, "T_max", 300),
    "PolynomialLR": (1, "total_iters", 300),
}
_EPOCHS = re.compile(r"epoch", re.I)
_STEPS = re.compile(r"step|iter|len\(|batch|update", re.I)


class EpochSchedulerPerBatch(Rule):
    code = "NN502"
    name = "epoch-scheduler-per-batch"
    summary = "An epoch-based LR scheduler stepped inside the per-batch loop"
    triggers = ("LR",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).loops:
            if not loop.is_batch_loop or not loop.trains:
                continue
            for tick in loop.of(SCHEDULER_STEP):
                kind = self._epoch_scheduler(tick)
                if kind is not None and not tick.conditional:
                    self.report(tick.node, MESSAGE.format(kind=kind))

    def _epoch_scheduler(self, tick: Event) -> str | None:
        found = scheduler_constructor(self.facts, tick.node.func.value, tick.node) or self._built_elsewhere(tick)
        if found is None:
            return None
        kind, call = found[0].rsplit(".", 1)[-1], found[1]
        if kind == "ReduceLROnPlateau":
            return kind
        if kind == "ExponentialLR":
            gamma = number(argument(call, 1, "gamma"))
            return kind if gamma is not None and gamma <= 0.99 else None
        if kind in _PERIODS:
            position, keyword, limit = _PERIODS[kind]
            return kind if self._counts_epochs(argument(call, position, keyword), limit) else None
        return None

    def _built_elsewhere(self, tick: Event) -> tuple[str, cst.Call] | None:
        """A scheduler passed in as a parameter or returned by a helper: `train(..., scheduler)` after
        `optimizer, scheduler = prepare_model(args)` — the one torch constructor all its sources agree on."""
        built = set()
        for source in sources(self.facts, tick.node.func.value, tick.node):
            qualified = self.facts.call_name(source.value) if isinstance(source.value, cst.Call) else None
            if qualified is None or not qualified.startswith("torch.optim.lr_scheduler."):
                return None
            built.add((qualified, source.value))
        return built.pop() if len(built) == 1 else None

    def _counts_epochs(self, period: cst.BaseExpression | None, limit: int) -> bool:
        """`30`, `[30, 60]`, `args.epochs`, `num_epochs // 3` — not `epochs * len(loader)` or `total_steps`.

        A command-line option counts by its default (`args.step_size` with `default=10`)."""
        if period is None:
            return False
        period = option_default(self.facts, period) or period
        if isinstance(period, (cst.List, cst.Tuple)):
            values = [number(element.value) for element in period.elements]
            return bool(values) and all(v is not None and 0 < v <= limit for v in values)
        value = number(period)
        if value is not None:
            return 0 < value <= limit
        code = self.context.code_for(period)
        return bool(_EPOCHS.search(code)) and not _STEPS.search(code)
