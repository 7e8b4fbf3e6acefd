"""The edit behind "Disable NN101 for this line": add `# noqa: NN101`, or extend the line's existing noqa.

A `# noqa` anywhere on a logical line covers all of its rows (see nnlint.suppression), so the comment goes
at the end of the logical line that holds the finding, after any comment already there.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from nnlint.diagnostic import Location

_NOQA = re.compile(r"#\s*noqa(?P<colon>:\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


@dataclass(frozen=True)
class Insertion:
    """Insert `text` at `at` (1-based row and character column)."""

    at: Location
    text: str


def noqa_insertion(source: str, row: int, code: str) -> Insertion | None:
    """The insertion that silences `code` on the logical line containing `row`; None if already silenced."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    comments: list[tokenize.TokenInfo] = []
    first: int | None = None
    for token in tokens:
        if token.type == tokenize.COMMENT:
            comments.append(token)
            continue
        if token.type in (tokenize.NL, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            if first is None:
                comments = []  # comments on lines of their own before a statement belong to no logical line
            continue
        if first is None:
            first = token.start[0]
        if token.type == tokenize.NEWLINE:
            if first <= row <= token.start[0]:
                return _insertion(comments, token, code)
            first, comments = None, []
    return None


def _insertion(comments: list[tokenize.TokenInfo], newline: tokenize.TokenInfo, code: str) -> Insertion | None:
    for comment in comments:
        match = _NOQA.search(comment.string)
        if match is None:
            continue
        if match.group("codes") is None:
            return None  # a noqa comment without codes already silences everything
        codes = {c.upper() for c in re.split(r"[\s,]+", match.group("codes"))}
        if code in codes:
            return None
        column = comment.start[1] + match.end("codes")
        return Insertion(Location(comment.start[0], column + 1), f", {code}")
    row, column = newline.start
    return Insertion(Location(row, column + 1), f"  # noqa: {code}")
