"""nnlint's 1-based (row, character) locations <-> LSP positions in the client's encoding (UTF-16 by default).

Every conversion uses the lines of the text that was linted, not of the buffer as it is now.
"""

from __future__ import annotations

import bisect
import difflib
import re

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from nnlint.diagnostic import Location

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where LSP splits them (not at \\f or \\u2028 like str.splitlines)."""
    lines, start = [], 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


class Positions:
    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.lines = split_lines(text)
        self.codec = codec
        self._starts = [0]
        for line in self.lines:
            self._starts.append(self._starts[-1] + len(line))

    def position(self, location: Location) -> types.Position:
        line, character = location.row - 1, location.column - 1
        if line >= len(self.lines):
            return types.Position(line=len(self.lines), character=0)
        return self.codec.position_to_client_units(self.lines, types.Position(line=line, character=character))

    def range(self, start: Location, end: Location) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def location(self, position: types.Position) -> Location:
        """The nnlint location of a client position in this text."""
        server = self.codec.position_from_client_units(self.lines, position)
        return Location(server.line + 1, server.character + 1)

    def offset(self, location: Location) -> int:
        row = min(max(location.row, 1), len(self._starts))
        return self._starts[row - 1] + location.column - 1

    def location_at(self, offset: int) -> Location:
        row = bisect.bisect_right(self._starts, offset) - 1
        if row == len(self.lines) and self.lines and not self.lines[-1].endswith(("\n", "\r")):
            row -= 1  # the end of a text without a final newline is the end of its last line
        return Location(row + 1, offset - self._starts[row] + 1)


def minimal_edits(old: str, new: str, positions: Positions) -> list[types.TextEdit]:
    """TextEdits that turn `old` into `new`, each as small as a line diff then a character trim makes it."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = positions._starts[i1]
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = _common_prefix(before, after)
        suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
        removed = before[prefix:len(before) - suffix]
        inserted = after[prefix:len(after) - suffix]
        begin = start + prefix
        edits.append(types.TextEdit(
            range=positions.range(positions.location_at(begin), positions.location_at(begin + len(removed))),
            new_text=inserted,
        ))
    return edits


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
