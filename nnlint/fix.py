"""Apply fixes: edits spliced into the text, re-linted until stable, kept only if the result parses."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from nnlint.atomic_write import write_atomically  # noqa: F401 - its old home; callers may import it here
from nnlint.diagnostic import Diagnostic, Fix, Location
from nnlint.engine import Selection, lint_source
from nnlint.python_syntax import python_error

MAX_ROUNDS = 5


def applicable(diagnostic: Diagnostic, fixable: frozenset[str], unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and diagnostic.code in fixable and (fix.applicability == "safe" or unsafe)


def fix_source(
    path: str, source: str, selection: Selection, fixable: frozenset[str], unsafe: bool, project=None,
) -> tuple[str, list[Diagnostic], int]:
    """The fixed text, the diagnostics that remain in it, and how many fixes were applied.

    `project`: the file's nnlint.project view, for names imported from other files (None: this file alone).
    """
    diagnostics = lint_source(path, source, selection, project)
    applied = 0
    for _ in range(MAX_ROUNDS):
        fixes = [d.fix for d in diagnostics if applicable(d, fixable, unsafe)]
        if not fixes:
            break
        candidate, count = apply_fixes(source, fixes)
        if candidate == source or not _parses(candidate):
            break
        source, applied = candidate, applied + count
        diagnostics = lint_source(path, source, selection, project)
    return source, diagnostics, applied


def apply_fixes(source: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply every fix whose edits overlap no earlier fix's edits (the rest wait for the next round).

    Returns the new text and the number of fixes applied.
    """
    offsets = _LineOffsets(source)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    count = 0
    for fix in fixes:
        spans = [(offsets.of(e.location), offsets.of(e.end_location), e.content) for e in fix.edits]
        if any(start < end_ and start_ < end for start, end, _ in spans for start_, end_ in taken):
            continue
        taken.extend((start, end) for start, end, _ in spans)
        chosen.extend(spans)
        count += 1
    for start, end, content in sorted(chosen, reverse=True):
        source = source[:start] + content + source[end:]
    return source, count


class _LineOffsets:
    def __init__(self, source: str) -> None:
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def of(self, location: Location) -> int:
        return self.starts[location.row - 1] + location.column - 1


def _parses(source: str) -> bool:
    """Python accepts it (its own compiler) and libcst can parse it again for the next round."""
    if python_error(source) is not None:
        return False
    try:
        cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True
