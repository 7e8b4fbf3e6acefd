"""GitLab Code Quality report (a JSON array of CodeClimate issues), shown in merge requests:

    [{"description": "NN101 `view` reorders dims ...", "check_name": "NN101", "fingerprint": "3f0c...",
      "severity": "major", "location": {"path": "src/train.py", "lines": {"begin": 12, "end": 12}}, ...}]

GitLab compares the report of a merge request with its target branch's by `fingerprint`: a finding whose
fingerprint is in both is old, any other is new. So the fingerprint leaves out the line number (an edit above
a finding must not make it new) and hashes what identifies the finding: its file, its code, the text of its
line with whitespace normalised, and which occurrence of that same (file, code, text) it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from nnlint.diagnostic import Diagnostic

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the breaks the parser counts rows by
SEVERITY = "major"  # every finding is a likely training bug; GitLab's scale: info, minor, major, critical, blocker


def write(
    diagnostics: Sequence[Diagnostic], stream: TextIO, *, read_source: Callable[[str], str | None] | None
) -> None:
    root = repository_root()
    lines = _LineText(read_source)
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for diagnostic in diagnostics:
        path = relative_path(diagnostic.filename, root)
        text = " ".join(lines.get(diagnostic).split())
        occurrence = seen[(path, diagnostic.code, text)]
        seen[(path, diagnostic.code, text)] += 1
        issues.append(_issue(diagnostic, path, fingerprint(path, diagnostic.code, text, occurrence)))
    json.dump(issues, stream, indent=2)
    stream.write("\n")


def fingerprint(path: str, code: str, line_text: str, occurrence: int) -> str:
    key = "\0".join([path, code, line_text, str(occurrence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _issue(diagnostic: Diagnostic, path: str, digest: str) -> dict:
    start, end = diagnostic.location, diagnostic.end_location
    description = f"{diagnostic.code} {diagnostic.message}"
    if diagnostic.cell is not None:
        # rows count within a notebook cell, not lines of the .ipynb file: point at the file, name the spot
        description = f"{diagnostic.code} (cell {diagnostic.cell}:{start.row}:{start.column}) {diagnostic.message}"
        lines = {"begin": 1, "end": 1}
    else:
        lines = {"begin": start.row, "end": max(end.row, start.row)}
    return {
        "type": "issue",
        "description": description,
        "check_name": diagnostic.code,
        "categories": ["Bug Risk"],
        "fingerprint": digest,
        "severity": SEVERITY,
        "location": {"path": path, "lines": lines},
    }


def repository_root() -> Path:
    """GitLab's checkout (`CI_PROJECT_DIR`), else the git work tree around the current directory, else it."""
    if os.environ.get("CI_PROJECT_DIR"):
        return Path(os.environ["CI_PROJECT_DIR"]).resolve()
    here = Path.cwd().resolve()
    for directory in [here, *here.parents]:
        if (directory / ".git").exists():
            return directory
    return here


def relative_path(filename: str, root: Path) -> str:
    path = Path(filename).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(filename).as_posix()


class _LineText:
    """The text of each finding's first line, every file (or notebook cell) read once."""

    def __init__(self, read_source: Callable[[str], str | None] | None) -> None:
        self._read_source = read_source
        self._lines: dict[tuple[str, int | None], list[str]] = {}

    def get(self, diagnostic: Diagnostic) -> str:
        key = (diagnostic.filename, diagnostic.cell)
        if key not in self._lines:
            source = self._read_source(diagnostic.filename) if self._read_source else None
            if source is not None and diagnostic.cell is not None:
                from nnlint.notebooks import cell_text  # here: most reports show no notebook

                source = cell_text(source, diagnostic.cell)
            self._lines[key] = _LINE_BREAK.split(source) if source is not None else []
        lines = self._lines[key]
        row = diagnostic.location.row
        return lines[row - 1] if 1 <= row <= len(lines) else ""
