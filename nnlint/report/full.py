"""The default, human output: each finding followed by the source it points at, like Ruff's full format.

    train.py:12:9: NN101 `view` reorders dims (b, c, h, w) -> (b, h, w, c); ...
       |
    12 |     y = x.view(b, h, w, c)
       |         ^^^^^^^^^^^^^^^^^^
       |
       = help: Use `permute(0, 2, 3, 1)`
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TextIO

from nnlint.diagnostic import Diagnostic
from nnlint.report import styled
from nnlint.report.display import DisplayLine
from nnlint.report.styled import LineWriter

MAX_SNIPPET_LINES = 5  # a finding spanning a whole function shows its head, not the function
MAX_SOURCE_WIDTH = 150  # wider lines are cut around the finding so the terminal never wraps them
LEFT_CONTEXT = 40  # cells kept left of the finding when a wide line is cut
ELLIPSIS = "..."

# The same line breaks the parser counts rows by (not str.splitlines, which also breaks at \f, \v, \x1c ...).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def write(
    diagnostics: Sequence[Diagnostic],
    stream: TextIO,
    *,
    read_source: Callable[[str], str | None] | None,
    color: bool,
) -> None:
    out = LineWriter(stream, color=color)
    sources = _SourceLines(read_source)
    for diagnostic in diagnostics:
        _write_header(out, diagnostic)
        lines = sources.get(diagnostic.filename, diagnostic.cell)
        # A position past the end (a syntax error at EOF, a file changed since it was linted) has no line to show.
        if lines is not None and 1 <= diagnostic.location.row <= len(lines):
            _write_snippet(out, diagnostic, lines)
            out.line()


class _SourceLines:
    """Each file read once per report, however many findings it has."""

    def __init__(self, read_source: Callable[[str], str | None] | None) -> None:
        self._read_source = read_source
        self._lines: dict[tuple[str, int | None], list[str] | None] = {}

    def get(self, filename: str, cell: int | None = None) -> list[str] | None:
        """The lines of a file, or of one cell of a notebook (whose file text is its JSON)."""
        if self._read_source is None:
            return None
        key = (filename, cell)
        if key not in self._lines:
            source = self._read_source(filename)
            if source is not None and cell is not None:
                from nnlint.notebooks import cell_text  # here: most reports show no notebook

                source = cell_text(source, cell)
            self._lines[key] = None if source is None else _LINE_BREAK.split(source)
        return self._lines[key]


def _write_header(out: LineWriter, diagnostic: Diagnostic) -> None:
    location = diagnostic.location
    fixable = diagnostic.fix is not None and diagnostic.fix.applicability == "safe"
    out.line(
        *styled.position(diagnostic.filename, location.row, location.column, diagnostic.cell),
        " ",
        (diagnostic.code, styled.CODE),
        " ",
        *([("[*]", styled.FIXABLE), " "] if fixable else []),
        styled.printable(diagnostic.message),
    )


def _write_snippet(out: LineWriter, diagnostic: Diagnostic, lines: list[str]) -> None:
    first = diagnostic.location.row
    last = min(max(diagnostic.end_location.row, first), len(lines))
    shown_last = min(last, first + MAX_SNIPPET_LINES - 1)
    shown = [DisplayLine.of(lines[row - 1]) for row in range(first, shown_last + 1)]

    head = shown[0]
    start = head.cell_of(diagnostic.location.column)
    # A range running onto later lines is underlined to the end of its first line.
    end = head.cell_of(diagnostic.end_location.column) if last == first else head.width
    end = max(end, start + 1)

    window = _Window.around(start, end, max(line.width for line in shown))
    gutter_width = max(len(str(shown_last)), len(ELLIPSIS) if shown_last < last else 0)
    blank_gutter = " " * gutter_width

    out.line((f"{blank_gutter} |", styled.GUTTER))
    for row, line in enumerate(shown, start=first):
        text = window.show(line)
        out.line((f"{row:>{gutter_width}} |", styled.GUTTER), f" {text}" if text else "")
        if row == first:
            caret_start, caret_end = window.cells(start, end)
            out.line(
                (f"{blank_gutter} | ", styled.GUTTER),
                " " * caret_start,
                ("^" * (caret_end - caret_start), styled.CARET),
            )
    if shown_last < last:
        out.line((f"{ELLIPSIS:>{gutter_width}} |", styled.GUTTER))
    out.line((f"{blank_gutter} |", styled.GUTTER))
    if diagnostic.fix is not None:
        out.line((f"{blank_gutter} = help: ", styled.HELP), styled.printable(diagnostic.fix.message))
    for related in diagnostic.related:  # the other place the finding involves: the model's softmax, the clip
        where = f"{related.filename}:{related.location.row}:{related.location.column}"
        out.line((f"{blank_gutter} = note: ", styled.HELP), styled.printable(f"{where}: {related.message}"))


class _Window:
    """The cells of the source shown: all of them, or a slice around the finding when lines are too wide."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.stop = offset + MAX_SOURCE_WIDTH
        self._lead = len(ELLIPSIS) if offset else 0

    @classmethod
    def around(cls, start: int, end: int, widest: int) -> _Window:
        if widest <= MAX_SOURCE_WIDTH or end <= MAX_SOURCE_WIDTH:
            return cls(0)
        return cls(max(start - LEFT_CONTEXT, 0))

    def show(self, line: DisplayLine) -> str:
        text = line.clip(self.offset, self.stop)
        if self.offset:
            text = ELLIPSIS + text
        if line.width > self.stop:
            text += ELLIPSIS
        return text

    def cells(self, start: int, end: int) -> tuple[int, int]:
        """Where the range [start, end) of line cells lands in the shown text; at least one caret."""
        shown_start = self._lead + min(start, self.stop) - self.offset
        shown_end = self._lead + min(end, self.stop) - self.offset
        return shown_start, max(shown_end, shown_start + 1)
