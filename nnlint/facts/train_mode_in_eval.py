"""`model.train()` inside an evaluation loop, before the forward: the last mode call decides.

`model.eval()` before the loop does not help when the loop body (or a helper it calls) switches the same
model back with `model.train()` / `.train(True)` ahead of `model(x)`: every batch is then evaluated with
dropout on and BatchNorm on batch statistics. A later `model.eval()` between the two restores the mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.facts.collector import Facts
from nnlint.facts.evaluation import evaluation_loops
from nnlint.facts.imports import dotted
from nnlint.facts.loops import EVAL_MODE, TRAIN_MODE, Event, training_loops


@dataclass(frozen=True)
class TrainModeInEval:
    switch: cst.Call  # the `.train()` call, in the loop body or in a helper it calls
    model: str  # `model`, `self.net`
    loader: str  # what the evaluation loop iterates


def train_mode_in_eval(facts: Facts) -> list[TrainModeInEval]:
    found: dict[int, TrainModeInEval] = {}
    for loop in evaluation_loops(facts):
        modes = loop.of(EVAL_MODE, TRAIN_MODE)
        loops = training_loops(facts)
        for forward in loops.calls_within(loop.node.body):
            model = dotted(forward.func)
            if model is None:
                continue
            at = Event("forward", forward, model, loops.guards(forward, loop.node.body), (facts.order(forward),))
            last = _last_mode_before(at, [m for m in modes if m.receiver == model])
            if last is not None and last.kind == TRAIN_MODE:
                found.setdefault(id(last.node), TrainModeInEval(last.node, model, loop.iterable_name or "the loader"))
    return list(found.values())


def _last_mode_before(forward: Event, modes: list[Event]) -> Event | None:
    """The mode call on the forward's model that runs last before it in one pass of the loop body."""
    earlier = [m for m in modes if m.may_precede(forward) and not m.in_handler]
    return max(earlier, key=lambda m: m.position, default=None)
