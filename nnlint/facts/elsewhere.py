"""Answers about a name whose value is made in another function or module, from the project's summaries.

This is the one place where the facts layer consults `nnlint.project`: a fact that cannot see a value's
origin in the expression itself (a criterion built by `build_criterion("ce")`, a model imported from
`models/net.py`, a helper imported from `utils.py` that clips gradients) asks here. Rules never read another
file; they get a `Where` (file, line, what is there) to name in their message.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts.collector import Facts


def _view(facts: Facts):
    view = facts.project
    if view is None:  # facts built outside the engine (a summary, a test): this file's own functions only
        from nnlint.project.view import ProjectView

        view = facts.project = ProjectView("")
    if view._facts is not facts:
        view.attach(facts)
    return view


def value_of(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode):
    """The summary `Value` of what `expr` holds (a criterion, scheduler, model, loss tensor, ...), or None."""
    return _view(facts).value_of(expr, at)


def returned(facts: Facts, call: cst.Call):
    """What calling a function or class of the project returns (None for library and unknown calls)."""
    return _view(facts).returned(call)


def effects(facts: Facts, call: cst.Call):
    """What a call to an imported project function does: `Effect`s (backward, clip, eval_mode, ...)."""
    return _view(facts).effects(call)


def evaluation(facts: Facts, call: cst.Call):
    """The `Evaluation` an imported project function runs over one of its arguments, if it runs one."""
    return _view(facts).evaluation(call)


def describe(where) -> str:
    """`nn.Softmax` in `models/net.py:9`, for a message."""
    return f"`{where.label}` in {where.path}:{where.line}" if where.path else f"`{where.label}` on line {where.line}"


def here(facts: Facts, node: cst.CSTNode, label: str):
    """A `Where` for a node of this file (to name a place inside a helper of the same file)."""
    from nnlint.project.summarise import Summariser

    return Summariser.of(facts).where(node, label)
