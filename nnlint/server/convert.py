"""nnlint findings as LSP diagnostics and text edits."""

from __future__ import annotations

from lsprotocol import types

from nnlint.diagnostic import Diagnostic, Fix
from nnlint.rules.engine_codes import ENGINE_CODES
from nnlint.server.positions import Positions

SOURCE = "nnlint"
_ERRORS = {info.code for info in ENGINE_CODES}  # the file could not be linted at all


def lsp_diagnostic(diagnostic: Diagnostic, positions: Positions) -> types.Diagnostic:
    return types.Diagnostic(
        range=positions.range(diagnostic.location, diagnostic.end_location),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Error if diagnostic.code in _ERRORS else types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=diagnostic.url) if diagnostic.url else None,
        source=SOURCE,
    )


def fix_edits(fix: Fix, positions: Positions) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=positions.range(edit.location, edit.end_location), new_text=edit.content)
        for edit in fix.edits
    ]


def overlaps(a: types.Range, b: types.Range) -> bool:
    """Ranges touch or intersect (an empty cursor range at a finding's edge counts)."""
    return _key(a.start) <= _key(b.end) and _key(b.start) <= _key(a.end)


def contains(outer: types.Range, position: types.Position) -> bool:
    return _key(outer.start) <= _key(position) <= _key(outer.end)


def _key(position: types.Position) -> tuple[int, int]:
    return position.line, position.character
