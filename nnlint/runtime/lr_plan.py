"""The whole planned learning-rate schedule, simulated on a copy of each scheduler the script builds.

A scheduler is copied the moment it is constructed (its step 0), with a stand-in for its optimizer that holds
the param groups' hyperparameters and no parameters, and stepped for the run's planned length: the scheduler's
own horizon (OneCycleLR's total_steps, CosineAnnealingLR's T_max) or the script's `--epochs`-like argument.
A copied ImageNet decay that drives the learning rate to ~0 shows before training gets there.
"""

from __future__ import annotations

import argparse
import copy
import warnings

import torch
from torch.optim import lr_scheduler

EPOCH_ARGUMENTS = ("epochs", "num_epochs", "n_epochs", "max_epochs", "epoch", "nepochs", "train_epochs")
MAX_POINTS = 10_000


class _StandIn:
    """What a scheduler reads and writes on its optimizer: param_groups (and a step it may wrap)."""

    def __init__(self, optimizer):
        self.param_groups = [{key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
                             | {"params": []} for group in optimizer.param_groups]
        self.defaults = dict(getattr(optimizer, "defaults", {}))
        self._opt_called = True

    def step(self, closure=None):
        return None


class LRPlan:
    def __init__(self):
        self.schedulers: list[tuple[object, object]] = []  # (live scheduler, copy at step 0)
        self.arguments: argparse.Namespace | None = None
        self._patched: list[tuple[object, str, object]] = []

    def install(self) -> None:
        plan = self
        init = lr_scheduler.LRScheduler.__init__

        def recording_init(scheduler, *args, **kwargs):
            init(scheduler, *args, **kwargs)
            if type(scheduler).__name__ != "ReduceLROnPlateau" and scheduler not in [s for s, _ in plan.schedulers]:
                plan.record(scheduler)

        parse = argparse.ArgumentParser.parse_known_args

        def recording_parse(parser, *args, **kwargs):
            namespace, rest = parse(parser, *args, **kwargs)
            if plan.arguments is None:
                plan.arguments = namespace
            return namespace, rest

        self._patched = [(lr_scheduler.LRScheduler, "__init__", init),
                         (argparse.ArgumentParser, "parse_known_args", parse)]
        lr_scheduler.LRScheduler.__init__ = recording_init
        argparse.ArgumentParser.parse_known_args = recording_parse

    def uninstall(self) -> None:
        for owner, name, original in self._patched:
            setattr(owner, name, original)
        self._patched = []

    def record(self, scheduler) -> None:
        try:
            optimizer = scheduler.optimizer
            if getattr(scheduler, "_nnlint_copy", False):
                return
            clone = copy.deepcopy(scheduler, {id(optimizer): _StandIn(optimizer)})
            clone._nnlint_copy = True
            self.schedulers.append((scheduler, clone))
        except Exception:  # a scheduler holding something that cannot be copied: no plan for it
            pass

    def epochs(self) -> int | None:
        for name in EPOCH_ARGUMENTS:
            value = getattr(self.arguments, name, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return None

    def plans(self, optimizer_steps: int) -> list[dict]:
        """One dict per scheduler: its name, the unit of its steps, where the horizon came from, and the
        learning rate of each param group at each of its steps."""
        result = []
        for live, clone in self.schedulers:
            calls = max(getattr(live, "_step_count", 1) - 1, 0)
            per_batch = calls > 0 and calls >= optimizer_steps - 1
            unit = "optimizer step" if per_batch else ("epoch" if calls else "scheduler step")
            horizon, source = self.horizon(clone, per_batch, calls, optimizer_steps)
            lrs = simulate(clone, min(horizon, MAX_POINTS))
            result.append({"name": type(live).__name__, "unit": unit, "horizon": horizon, "source": source,
                           "lrs": lrs, "observed": calls})
        return result

    def horizon(self, clone, per_batch: bool, calls: int, optimizer_steps: int) -> tuple[int, str]:
        for attribute, label in (("total_steps", "its total_steps"), ("T_max", "its T_max")):
            value = getattr(clone, attribute, None)
            if isinstance(value, int) and value > 0:
                return value, label
        epochs = self.epochs()
        if epochs is not None and not per_batch:
            return epochs, "the script's epochs argument"
        if epochs is not None and per_batch and calls and optimizer_steps:
            return epochs * optimizer_steps, "the script's epochs argument x the steps seen (a lower bound)"
        return max(2 * calls, 100), "no horizon known: 100 steps shown"


def simulate(clone, steps: int) -> list[list[float]]:
    """The copy stepped `steps` times from step 0 (the copy is spent afterwards)."""
    clone = copy.deepcopy(clone)
    optimizer = clone.optimizer
    lrs = [[float(g["lr"]) for g in optimizer.param_groups]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            try:
                clone.step()
            except Exception:  # e.g. OneCycleLR stepped past its total_steps
                break
            lrs.append([float(g["lr"]) if not isinstance(g["lr"], torch.Tensor) else float(g["lr"].item())
                        for g in optimizer.param_groups])
    return lrs
