"""Whether a learning-rate scheduler counts its period in epochs (and so must be stepped once per epoch)."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.calls import argument, number
from nnlint.facts.cli_defaults import option_default
from nnlint.facts.collector import Facts
from nnlint.facts.passed_values import sources
from nnlint.facts.roles import scheduler_constructor

# scheduler -> (position, keyword, largest literal that still reads as an epoch count)
_PERIODS = {
    "StepLR": (1, "step_size", 100),
    "MultiStepLR": (1, "milestones", 300),
    "CosineAnnealingLR": (1, "T_max", 300),
    "PolynomialLR": (1, "total_iters", 300),
}
_EPOCHS = re.compile(r"epoch", re.I)
_STEPS = re.compile(r"step|iter|len\(|batch|update", re.I)


def epoch_scheduler(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[str, object] | None:
    """(class name, where it is built elsewhere or None) when the scheduler `expr` counts epochs.

    Built here (`lr_scheduler.StepLR(opt, 30)`) or returned by a project function
    (`optimizer, scheduler = make_optimizer(model)`), in this file or another.
    """
    found = scheduler_constructor(facts, expr, at)
    if found is not None:
        kind = epoch_based(facts, *found)
        return (kind, None) if kind is not None else None
    if not isinstance(expr, (cst.Name, cst.Attribute)):
        return None
    built = elsewhere.value_of(facts, expr, at)
    if built is not None and built.kind == "scheduler":
        return (built.detail, built.where) if built.epoch_based else None
    found = _built_in_this_file(facts, expr, at)
    if found is not None:
        kind = epoch_based(facts, *found)
        return (kind, None) if kind is not None else None
    return None


def _built_in_this_file(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[str, cst.Call] | None:
    """A scheduler passed in as a parameter or returned by a helper: `train(..., scheduler)` after
    `optimizer, scheduler = prepare_model(args)` — the one torch constructor all its sources agree on."""
    built = set()
    for source in sources(facts, expr, at):
        qualified = facts.call_name(source.value) if isinstance(source.value, cst.Call) else None
        if qualified is None or not qualified.startswith("torch.optim.lr_scheduler."):
            return None
        built.add((qualified, source.value))
    return built.pop() if len(built) == 1 else None


def epoch_based(facts: Facts, qualified: str, call: cst.Call) -> str | None:
    """The class name of `torch.optim.lr_scheduler.<Class>(...)` when its period is counted in epochs."""
    kind = qualified.rsplit(".", 1)[-1]
    if kind == "ReduceLROnPlateau":
        return kind
    if kind == "ExponentialLR":
        gamma = number(argument(call, 1, "gamma"))
        return kind if gamma is not None and gamma <= 0.99 else None
    if kind in _PERIODS:
        position, keyword, limit = _PERIODS[kind]
        return kind if _counts_epochs(facts, argument(call, position, keyword), limit) else None
    return None


def _counts_epochs(facts: Facts, period: cst.BaseExpression | None, limit: int) -> bool:
    """`30`, `[30, 60]`, `args.epochs`, `num_epochs // 3` — not `epochs * len(loader)` or `total_steps`.

    A command-line option counts by its default (`args.step_size` with `default=10`)."""
    if period is None:
        return False
    period = option_default(facts, period) or period
    if isinstance(period, (cst.List, cst.Tuple)):
        values = [number(element.value) for element in period.elements]
        return bool(values) and all(v is not None and 0 < v <= limit for v in values)
    value = number(period)
    if value is not None:
        return 0 < value <= limit
    code = facts.module.code_for_node(period)
    return bool(_EPOCHS.search(code)) and not _STEPS.search(code)
