"""`--add-noqa`: silence every current finding with a `# noqa: CODE` comment, so a gate can go on today in a
codebase with hundreds of findings, and new ones fail it from now on.

A comment is written where nnlint's suppression reads it and where it cannot change the code: at the end of
the last physical line of the finding's statement (a comment there covers every line of the statement, and
that line cannot end inside a string or with a backslash continuation). A statement that already has a
`# noqa: ...` list gets the code added to that list. A finding that has no statement to attach to (the file
does not tokenize, the line is outside any statement) is left as it is, with a note saying why.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass

from nnlint.diagnostic import Diagnostic
from nnlint.rules.engine_codes import UNSUPPRESSIBLE, UNUSED_NOQA
from nnlint.suppression import NoqaComment, parse_suppressions

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Skipped:
    diagnostic: Diagnostic
    reason: str


def add_noqa(source: str, diagnostics: Iterable[Diagnostic]) -> tuple[str, int, list[Skipped]]:
    """`source` with `# noqa` comments for `diagnostics`; how many codes were added; what was skipped."""
    wanted: dict[int, set[str]] = {}  # last row of a statement -> codes to silence there
    skipped: list[Skipped] = []
    candidates = [d for d in diagnostics if d.code != UNUSED_NOQA.code]  # a stale noqa is fixed, not silenced
    if not candidates:
        return source, 0, skipped
    statement_end = _statement_ends(source)
    for diagnostic in candidates:
        if diagnostic.code in UNSUPPRESSIBLE:
            skipped.append(Skipped(diagnostic, "a file that cannot be read or parsed cannot be silenced line by line"))
        elif statement_end is None:
            skipped.append(Skipped(diagnostic, "the file does not tokenize as Python"))
        elif diagnostic.location.row not in statement_end:
            skipped.append(Skipped(diagnostic, "no statement on this line to attach a comment to"))
        else:
            wanted.setdefault(statement_end[diagnostic.location.row], set()).add(diagnostic.code)
    if not wanted:
        return source, 0, skipped

    lines = _LINE_BREAK.split(source)
    breaks = _LINE_BREAK.findall(source)
    comments = parse_suppressions(source).comments
    added = 0
    for row, codes in wanted.items():
        existing = _noqa_list_covering(comments, row)
        if existing is not None:
            new = sorted(codes - set(existing.codes))
            start, end = existing.codes_span
            line = lines[existing.row - 1]
            lines[existing.row - 1] = line[:start] + ", ".join([*_written_codes(line, existing), *new]) + line[end:]
        else:
            new = sorted(codes)
            lines[row - 1] = lines[row - 1].rstrip(" \t") + f"  # noqa: {', '.join(new)}"
        added += len(new)
    text = "".join(line + (breaks[index] if index < len(breaks) else "") for index, line in enumerate(lines))
    return text, added, skipped


def _statement_ends(source: str) -> dict[int, int] | None:
    """Each row that belongs to a statement -> the statement's last physical row; None if it won't tokenize."""
    ends: dict[int, int] = {}
    first: int | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
                              tokenize.ENCODING):
                continue
            if token.type == tokenize.NEWLINE:
                if first is not None:
                    for row in range(first, token.start[0] + 1):
                        ends[row] = token.start[0]
                first = None
                continue
            if first is None:
                first = token.start[0]
    except (tokenize.TokenError, SyntaxError):
        return None
    return ends


def _noqa_list_covering(comments: list[NoqaComment], row: int) -> NoqaComment | None:
    """The statement's `# noqa: ...` list (not a bare `# noqa`, which already silences everything)."""
    for comment in comments:
        if comment.codes_span is not None and comment.first_row <= row <= comment.last_row:
            return comment
    return None


def _written_codes(line: str, comment: NoqaComment) -> list[str]:
    start, end = comment.codes_span
    return [code for code in re.split(r"[\s,]+", line[start:end]) if code]
