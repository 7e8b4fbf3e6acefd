"""One finding per line, `path:row:col: CODE message`: for grep, editors' error matchers and quick scans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from nnlint.diagnostic import Diagnostic
from nnlint.report import styled
from nnlint.report.styled import LineWriter


def write(diagnostics: Sequence[Diagnostic], stream: TextIO, *, color: bool) -> None:
    out = LineWriter(stream, color=color)
    for diagnostic in diagnostics:
        location = diagnostic.location
        out.line(
            *styled.position(_one_line(diagnostic.filename), location.row, location.column, diagnostic.cell),
            " ",
            (diagnostic.code, styled.CODE),
            " ",
            styled.printable(_one_line(diagnostic.message)),
        )


def _one_line(message: str) -> str:
    # A line break (a syntax error quoting code, an odd file name) would otherwise read as two findings.
    return " ".join(message.splitlines())
