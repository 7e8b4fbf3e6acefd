"""nnlint findings as LSP diagnostics and text edits."""

from __future__ import annotations

import os

from lsprotocol import types
from pygls.uris import from_fs_path

from nnlint.diagnostic import Diagnostic, Fix, Related
from nnlint.rules.engine_codes import ENGINE_CODES
from nnlint.server.positions import Positions

SOURCE = "nnlint"
_ERRORS = {info.code for info in ENGINE_CODES}  # the file could not be linted at all


def lsp_diagnostic(diagnostic: Diagnostic, positions: Positions, uri: str | None = None) -> types.Diagnostic:
    """`uri`: the linted document's, for related places inside it (an untitled buffer has no file)."""
    return types.Diagnostic(
        range=positions.range(diagnostic.location, diagnostic.end_location),
        message=diagnostic.message,
        severity=types.DiagnosticSeverity.Error if diagnostic.code in _ERRORS else types.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=diagnostic.url) if diagnostic.url else None,
        source=SOURCE,
        related_information=[related_information(diagnostic, r, positions, uri) for r in diagnostic.related] or None,
    )


def related_information(diagnostic: Diagnostic, related: Related, positions: Positions, uri: str | None):
    """The other place a finding involves (the model's softmax in models/net.py), as a link the editor shows.

    A place in the linted document is converted with its text; one in another file keeps nnlint's column
    (exact for ASCII lines, which the places summaries name are in practice)."""
    if os.path.abspath(related.filename) == os.path.abspath(diagnostic.filename):
        position = positions.position(related.location)
        where = uri or from_fs_path(related.filename)
    else:
        position = types.Position(line=related.location.row - 1, character=related.location.column - 1)
        where = from_fs_path(related.filename)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=where, range=types.Range(start=position, end=position)),
        message=related.message,
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
