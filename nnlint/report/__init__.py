"""Output formats: how findings are shown to people, editors, CI systems and code-scanning services.

One module per format; this module only picks one, and imports it only then: `FORMATS` is read by the
command line and the settings at startup, which should not load the XML writer and the rest for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from nnlint.diagnostic import Diagnostic
    from nnlint.rule_info import RuleInfo

FORMATS: tuple[str, ...] = ("full", "concise", "json", "json-lines", "github", "gitlab", "sarif", "junit")

__all__ = ["FORMATS", "read_source_file", "write_report", "write_statistics"]


def read_source_file(path: str) -> str | None:
    """A file's text for the snippets of `full` (undecodable bytes shown as U+FFFD), None if unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def write_report(
    fmt: str,
    diagnostics: Sequence[Diagnostic],
    stream: TextIO,
    *,
    rules: Mapping[str, RuleInfo],
    read_source: Callable[[str], str | None] | None = None,
    color: bool = False,
    files_checked: Sequence[str] = (),
) -> None:
    """Write `diagnostics` (already sorted) to `stream` in format `fmt`.

    `read_source` gives a file's text for the source snippets of `full` (None: show the header only);
    `color` asks for ANSI colours in the human formats; `files_checked` lists the clean files too, for
    formats that report every file (junit).
    """
    match fmt:
        case "full":
            from nnlint.report import full

            full.write(diagnostics, stream, read_source=read_source, color=color)
        case "concise":
            from nnlint.report import concise

            concise.write(diagnostics, stream, color=color)
        case "json":
            from nnlint.report import json_format

            json_format.write(diagnostics, stream)
        case "json-lines":
            from nnlint.report import json_lines

            json_lines.write(diagnostics, stream)
        case "github":
            from nnlint.report import github

            github.write(diagnostics, stream)
        case "gitlab":
            from nnlint.report import gitlab

            gitlab.write(diagnostics, stream, read_source=read_source)
        case "sarif":
            from nnlint.report import sarif

            sarif.write(diagnostics, stream, rules=rules)
        case "junit":
            from nnlint.report import junit

            junit.write(diagnostics, stream, files_checked=files_checked)
        case _:
            raise ValueError(f"unknown output format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def write_statistics(
    diagnostics: Sequence[Diagnostic], stream: TextIO, *, rules: Mapping[str, RuleInfo], color: bool = False
) -> None:
    """A count per rule, most frequent first (`--statistics`)."""
    from nnlint.report import statistics

    statistics.write(diagnostics, stream, rules=rules, color=color)
