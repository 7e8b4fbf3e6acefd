"""Remember a fact's answer per file, for questions that several rules ask about the same nodes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from operator import is_
from typing import TypeVar

import libcst as cst

from nnlint.facts.collector import Facts

Answer = TypeVar("Answer")


def per_file(question: Callable[..., Answer]) -> Callable[..., Answer]:
    """`question(facts, *nodes)` answered once per file for the same nodes (by identity).

    For questions whose answer depends only on the file's facts and the nodes, and is not mutated by the
    caller (a node, a string, None). Kept on the Facts object, so it goes with the file's tree.
    """

    @functools.wraps(question)
    def remembered(facts: Facts, *nodes: cst.CSTNode) -> Answer:
        answers = facts.remembered.setdefault(question, {})
        key = tuple(map(id, nodes))
        known = answers.get(key)
        # the entry holds the nodes, so their ids stay theirs; `map(is_, ...)` runs in C (no generator frame)
        if known is not None and all(map(is_, known[0], nodes)):
            return known[1]
        answer = question(facts, *nodes)
        answers[key] = (nodes, answer)
        return answer

    return remembered
