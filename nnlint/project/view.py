"""One file's window on the project: answers about names that come from another function or module.

The facts layer asks it (through `nnlint.facts.elsewhere`); it answers from this file's own summaries for
functions and classes defined here, and from the project index for imported ones, and keeps the digests
of every summary it used.
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst

from nnlint.facts.calls import unmoved
from nnlint.facts.imports import dotted
from nnlint.project.index import ProjectIndex
from nnlint.project.summary import Effect, Evaluation, Value

_REENTRY = 3  # a question asked while answering another: followed this many levels, then "unknown"
_TRAINING_STATE = re.compile(r"model|net|optim|opt$|scaler|loss|criterion|sched", re.I)
_TRAINING_WORDS = ("backward", "zero_grad", "clip_grad", "scaler", "optimizer", ".step(")


class ProjectView:
    def __init__(self, path: str, index: ProjectIndex | None = None) -> None:
        self.path = path
        self.index = index
        self.used: dict[str, str] = {}
        self.source: str | None = None  # the file's text, when the engine has it
        self._trains: bool | None = None
        self._summariser = None
        self._facts = None
        self._depth = 0

    def attach(self, facts) -> None:
        from nnlint.project.summarise import Summariser

        self._facts = facts
        self._summariser = Summariser(facts)

    # questions -------------------------------------------------------------------------------------------
    def value_of(self, expr: cst.BaseExpression, at: cst.CSTNode) -> Value | None:
        """What `expr` holds when it comes from a call to (or a constant of) a project function or module."""
        if self._summariser is None or self._depth >= _REENTRY or not self._worth_asking(expr, at):
            return None
        self._depth += 1
        try:
            return self._expand(self._summariser.value(expr, at))
        finally:
            self._depth -= 1

    def returned(self, call: cst.Call) -> Value | None:
        """What a call to a function or class of the project returns; None for any other call."""
        if not self.is_project_callee(call.func):
            return None
        return self.value_of(call, call)

    def is_project_callee(self, func: cst.BaseExpression) -> bool:
        if self._summariser is None:
            return False
        name = dotted(func)
        if name is None:
            return False
        if isinstance(func, cst.Name) and name in self._summariser.top_functions():
            return True
        if isinstance(func, cst.Name) and name in self._summariser.callable_classes():
            return True
        return self.index is not None and self._summariser.reference(func) is not None

    def effects(self, call: cst.Call) -> list[Effect]:
        """What calling an imported function does to the training state (functions of this file are followed
        by the facts themselves)."""
        if not self._is_training_code() or not _passes_training_state(call):
            return []
        reference = self._reference(call)
        return self.index.effects(reference, Path(self.path), self.used) if reference else []

    def evaluation(self, call: cst.Call) -> Evaluation | None:
        reference = self._reference(call)
        return self.index.evaluation(reference, Path(self.path), self.used) if reference else None

    # helpers ---------------------------------------------------------------------------------------------
    def _is_training_code(self) -> bool:
        """Whether the file trains something itself: only then do its helpers' effects matter (a model
        library's loops calling its own layer helpers are not worth a summary each)."""
        if self._trains is None:
            self._trains = self.source is None or any(word in self.source for word in _TRAINING_WORDS)
        return self._trains

    def _worth_asking(self, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """A call of a project function or class, an imported name, or a name bound to such a call: the
        cheap test that keeps every other expression from costing a summary."""
        if isinstance(expr, cst.Call):
            return self.is_project_callee(unmoved(expr).func)
        name = dotted(expr)
        if name is None:
            return False
        if self.index is not None and self._summariser.reference(expr) is not None:
            return True
        return any(
            isinstance(b.value, cst.Call) and self.is_project_callee(unmoved(b.value).func)
            for b in self._facts.bindings(name, at)
        )

    def _reference(self, call: cst.Call) -> str | None:
        if self.index is None or self._summariser is None:
            return None
        return self._summariser.reference(call.func)

    def _expand(self, value: Value | None) -> Value | None:
        if value is None:
            return None
        if self.index is None:
            return None if _has_reference(value) else value
        return self.index.expand(value, Path(self.path), self.used, here=False)


def _passes_training_state(call: cst.Call) -> bool:
    """`train_step(model, batch, optimizer)`, `clip_gradients(model)`: a helper that trains, steps, clips or
    switches modes must be handed the model, its optimizer, the scaler or the loss."""
    for arg in call.args:
        name = dotted(arg.value)
        if name is not None and _TRAINING_STATE.search(name.rsplit(".", 1)[-1]):
            return True
    return False


def _has_reference(value: Value | None) -> bool:
    return value is not None and (value.kind == "call" or any(_has_reference(e) for e in value.elements))
