"""Where each character of a source line lands on a terminal.

Diagnostics count columns in characters, but a terminal does not: a tab jumps to the next tab stop, East
Asian wide characters take two cells, combining marks take none. The caret under a finding has to be placed
in terminal cells, so every line we print goes through `DisplayLine` and carets are placed with its map.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

TAB_SIZE = 4  # Ruff's default tab-size, so both tools draw the same picture of a file

# Shown in place of a control character: printing it raw could move the cursor and break the picture.
_CONTROL_PLACEHOLDER = "?"


def char_width(char: str) -> int:
    """Terminal cells taken by one (non-tab) character."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


@dataclass(frozen=True)
class DisplayLine:
    """A source line as printed: tabs expanded, control characters replaced.

    `pieces[i]` is what character `i` of the original line prints as, and `cells[i]` the terminal column
    (0-based) where it starts; `cells[len(line)]` is the width of the whole line, so a range's end is looked
    up the same way as its start.
    """

    pieces: tuple[str, ...]
    cells: tuple[int, ...]

    @classmethod
    def of(cls, line: str) -> DisplayLine:
        pieces: list[str] = []
        cells: list[int] = []
        cell = 0
        for char in line:
            cells.append(cell)
            if char == "\t":
                piece = " " * (TAB_SIZE - cell % TAB_SIZE)
                width = len(piece)
            elif unicodedata.category(char) == "Cc":
                piece, width = _CONTROL_PLACEHOLDER, 1
            else:
                piece, width = char, char_width(char)
            pieces.append(piece)
            cell += width
        cells.append(cell)
        return cls(tuple(pieces), tuple(cells))

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def width(self) -> int:
        return self.cells[-1]

    def cell_of(self, column: int) -> int:
        """Terminal cell of a 1-based character column; columns past the end sit just after the line."""
        index = min(max(column - 1, 0), len(self.pieces))
        return self.cells[index]

    def clip(self, start: int, stop: int) -> str:
        """The text printed in cells [start, stop).

        A wide character or tab cut by an edge becomes spaces, so everything after it keeps its cell.
        """
        kept = []
        for index, piece in enumerate(self.pieces):
            left, right = self.cells[index], self.cells[index + 1]
            if left >= start and right <= stop:
                kept.append(piece)
            elif left < stop and right > start:
                kept.append(" " * (min(right, stop) - max(left, start)))
        return "".join(kept)
