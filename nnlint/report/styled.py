"""Writing lines made of styled pieces: coloured through rich on a terminal, plain text everywhere else.

The caller (the CLI) decides whether to colour; we never guess from the stream or the environment, so a
file or a pipe gets exactly the plain text that tests assert on.
"""

from __future__ import annotations

import unicodedata
from typing import TextIO

# A piece is plain text, or (text, rich style).
Piece = str | tuple[str, str]

PATH = "bold"
CODE = "bold red"
FIXABLE = "cyan"
GUTTER = "bold blue"
CARET = "bold red"
HELP = "cyan"


class LineWriter:
    def __init__(self, stream: TextIO, *, color: bool) -> None:
        self._stream = stream
        if color:  # rich only when colouring: plain output (pipes, files, CI) never imports it
            from rich.console import Console
        self._console = (
            Console(
                file=stream,
                force_terminal=True,
                color_system="standard",
                no_color=False,  # the caller asked for colour; NO_COLOR is the caller's business
                highlight=False,
                markup=False,
                emoji=False,
                soft_wrap=True,  # never re-wrap source lines: the caret would land on the wrong row
            )
            if color
            else None
        )

    def line(self, *pieces: Piece) -> None:
        if self._console is None:
            self._stream.write("".join(piece if isinstance(piece, str) else piece[0] for piece in pieces) + "\n")
        else:
            from rich.text import Text

            self._console.print(Text.assemble(*pieces))


def position(filename: str, row: int, column: int, cell: int | None = None) -> list[Piece]:
    """`path:row:col:` — the prefix editors and terminals turn into a link to the spot; in a notebook
    `path:cell N:row:col:` with the row counted within the cell."""
    where = f":cell {cell}:{row}:{column}:" if cell is not None else f":{row}:{column}:"
    return [(printable(filename), PATH), where]


def printable(text: str) -> str:
    """`text` without control characters (line breaks and tabs kept): a file name or a message quoting
    source must not be able to send escape sequences to the user's terminal."""
    return "".join(char if char in "\n\t" or unicodedata.category(char) != "Cc" else "?" for char in text)
