"""Lint a snippet with one rule and read back what a user would see."""

from __future__ import annotations

import textwrap

from nnlint.engine import Selection, lint_source
from nnlint.fix import fix_source


def findings(source: str, code: str) -> list[tuple[int, int]]:
    """(row, column) of each `code` finding in `source` (dedented), 1-based like the CLI prints them."""
    selection = Selection(frozenset({code}))
    return [(d.location.row, d.location.column) for d in lint_source("t.py", textwrap.dedent(source), selection)]


def messages(source: str, code: str) -> list[str]:
    selection = Selection(frozenset({code}))
    return [d.message for d in lint_source("t.py", textwrap.dedent(source), selection)]


def fixed(source: str, code: str) -> str:
    """`source` after applying every fix of `code`, unsafe ones included."""
    selection = Selection(frozenset({code}))
    text, _, _ = fix_source("t.py", textwrap.dedent(source), selection, frozenset({code}), True)
    return text
