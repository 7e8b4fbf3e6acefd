"""NN503: a training script that never seeds torch, so no run can be reproduced."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import string
from nnlint.facts.imports import dotted
from nnlint.facts.loops import BACKWARD, STEPS, Event, Loop, training_loops
from nnlint.facts.script_kind import builds_model_or_optimizer, trains_on_random_tensors
from nnlint.rules.base import Rule

_TORCH_SEEDERS = frozenset(
    {
        "torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all",
        "pytorch_lightning.seed_everything", "pytorch_lightning.utilities.seed.seed_everything",
        "lightning.seed_everything", "lightning.pytorch.seed_everything", "lightning.fabric.seed_everything",
        "lightning_fabric.utilities.seed.seed_everything", "transformers.set_seed", "accelerate.utils.set_seed",
        # set-up helpers that seed as one of their jobs
        "detectron2.engine.default_setup", "detectron2.engine.defaults.default_setup",
    }
)
# Named like a seeder but seeding something else, or drawing a fresh non-deterministic seed.
_NOT_TORCH_PREFIXES = ("random.", "numpy.", "tensorflow.", "jax.")
_NOT_SEEDING = frozenset({"torch.seed", "torch.random.seed", "torch.cuda.seed", "torch.cuda.seed_all"})
_SEED_NAME = re.compile(r"seed", re.I)
_DEPTH = 3

MESSAGE = (
    "this training script never seeds torch, so weight init, shuffling and dropout differ on every run "
    "— call `torch.manual_seed(seed)` (or `lightning.seed_everything(seed)`) before building the model"
)


class UnseededTrainingScript(Rule):
    code = "NN503"
    name = "unseeded-training-script"
    summary = "A training script (a loop with `backward()` and `step()`) never seeds torch"
    triggers = ("backward",)

    def __init__(self, context) -> None:
        super().__init__(context)
        self.seed_calls: list[cst.Call] = []
        self.main_guard: cst.If | None = None

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.facts.call_name(node)
        name = qualified or dotted(node.func) or _method(node) or ""
        seed_named = _SEED_NAME.search(name.rsplit(".", 1)[-1]) and not _seeds_something_else(node, qualified)
        if seed_named or qualified in _TORCH_SEEDERS:
            self.seed_calls.append(node)

    def visit_If(self, node: cst.If) -> None:
        if self.facts.parent(node) is self.context.module and _is_main_guard(node.test):
            self.main_guard = node

    def leave_Module(self, original_node: cst.Module) -> None:
        loops = training_loops(self.facts)
        trainers = [loop for loop in loops.loops if loop.trains]
        if not trainers or any(self._seeds(call, 0) for call in self.seed_calls):
            return
        if not builds_model_or_optimizer(self.facts) or trains_on_random_tensors(self.facts):
            return  # a fragment of someone's loop, or a demo whose data is noise anyway
        if self.main_guard is not None:
            self.report(self.main_guard.test, MESSAGE)
        elif self._runs_at_import(trainers):
            self.report(_outermost(trainers[0]).node, MESSAGE)

    def _seeds(self, call: cst.Call, depth: int) -> bool:
        """A torch seeder, an unknown helper named like one, or a helper of this file that calls a seeder."""
        if self.facts.call_name(call) in _TORCH_SEEDERS:
            return True
        helper = training_loops(self.facts).resolve(call)
        if helper is None:
            return self.facts.call_name(call) is None or not self.facts.call_name(call).startswith("torch.")
        inside = [c for c in self.seed_calls if helper in self.facts.ancestors(c)]
        return depth < _DEPTH and any(self._seeds(c, depth + 1) for c in inside)

    def _runs_at_import(self, trainers: list[Loop]) -> bool:
        """A training loop at the top level, or a top-level call to a function of this file that trains."""
        if any(self.facts.enclosing_function(loop.node) is None for loop in trainers):
            return True
        loops = training_loops(self.facts)
        for statement in self.context.module.body:
            for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
                value = small.value if isinstance(small, (cst.Expr, cst.Assign)) else None
                helper = loops.resolve(value) if isinstance(value, cst.Call) else None
                if helper is not None and _trains(loops.scope_events(helper)):
                    return True
        return False


def _seeds_something_else(call: cst.Call, qualified: str | None) -> bool:
    if qualified is not None:
        return qualified.startswith(_NOT_TORCH_PREFIXES) or qualified in _NOT_SEEDING
    # `generator.manual_seed(0)` / `torch.Generator().manual_seed(0)` seed one generator, not torch's global RNG
    return _method(call) == "manual_seed"


def _trains(events: list[Event]) -> bool:
    kinds = {event.kind for event in events}
    return BACKWARD in kinds and bool(kinds & STEPS)


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = (test.left, test.comparisons[0].comparator)
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
        string(s) == "__main__" for s in sides
    )


def _outermost(loop: Loop) -> Loop:
    """The epoch loop around a batch loop, within the same function."""
    while loop.parent is not None:
        loop = loop.parent
    return loop
