"""Turn runtime findings into the Diagnostics every reporter prints (torch-free)."""

from __future__ import annotations

from collections.abc import Sequence

from nnlint.diagnostic import Diagnostic, Location
from nnlint.runtime.codes import RUNTIME_RULES_BY_CODE
from nnlint.runtime.findings import Finding


def _line_length(filename: str, row: int) -> int:
    try:
        with open(filename, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if number == row:
                    return len(line.rstrip("\r\n"))
    except (OSError, UnicodeDecodeError):
        pass
    return 0


def to_diagnostics(findings: Sequence[Finding], script: str) -> list[Diagnostic]:
    """One Diagnostic per finding, at the user's line the finding came from (the script's first line when the
    finding has no line). Sorted as the reporters expect."""
    diagnostics = []
    for finding in findings:
        filename, row = (finding.filename, finding.line) if finding.location else (script, 1)
        rule = RUNTIME_RULES_BY_CODE[finding.code]
        column = 1
        text = _indented_start(filename, row)
        if text is not None:
            column = text
        end = max(column, _line_length(filename, row) + 1)
        message = finding.message + (f" (rank {finding.rank})" if finding.rank is not None else "")
        diagnostics.append(Diagnostic(finding.code, rule.name, message, filename, Location(row, column),
                                      Location(row, end), url=rule.url))
    return sorted(diagnostics, key=Diagnostic.sort_key)


def _indented_start(filename: str, row: int) -> int | None:
    """The column of the line's first non-blank character: the statement, not its indentation."""
    try:
        with open(filename, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if number == row:
                    stripped = line.lstrip()
                    return len(line) - len(stripped) + 1 if stripped else 1
    except (OSError, UnicodeDecodeError):
        pass
    return None
