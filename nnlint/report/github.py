"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff.

    ::error title=nnlint (NN101),file=train.py,line=3,col=9,endLine=3,endColumn=27::NN101 `view` reorders ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from nnlint.diagnostic import Diagnostic


def write(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    for diagnostic in diagnostics:
        properties = {
            "title": f"nnlint ({diagnostic.code})",
            "file": diagnostic.filename,
            "line": diagnostic.location.row,
            "col": diagnostic.location.column,
            "endLine": diagnostic.end_location.row,
            "endColumn": diagnostic.end_location.column,
        }
        if diagnostic.cell is not None:
            # Rows count within the cell, not lines of the .ipynb file: annotate the file, name the spot.
            location = diagnostic.location
            properties = {"title": f"nnlint ({diagnostic.code}) cell {diagnostic.cell}:{location.row}:{location.column}",
                          "file": diagnostic.filename}
        rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
        stream.write(f"::error {rendered}::{escape_data(f'{diagnostic.code} {diagnostic.message}')}\n")


def escape_data(text: str) -> str:
    """The runner reads a command up to the line break and decodes these three %-escapes in its message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property values are also cut at `,` (next property) and `:` (end of properties)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
