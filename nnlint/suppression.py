"""`# noqa` comments: per line (flake8/Ruff compatible) and `# nnlint: noqa` for a whole file."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

_CODE = r"[A-Z]+[0-9]+"
_LINE_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(rf"^#\s*nnlint:\s*noqa(?::\s*(?P<codes>{_CODE}(?:[\s,]+{_CODE})*))?\s*$", re.IGNORECASE)

ALL = frozenset({"*"})


def _codes(text: str | None) -> frozenset[str]:
    if not text:
        return ALL
    return frozenset(code.upper() for code in re.split(r"[\s,]+", text.strip()) if code)


@dataclass(frozen=True)
class NoqaComment:
    """One `# noqa` directive: where it is written and the rows it covers."""

    row: int  # the physical row of the comment
    start: int  # 0-based character columns of the directive (`# noqa: A1, B2`) within that row
    end: int
    codes_span: tuple[int, int] | None  # columns of the code list, None for a bare `# noqa`
    codes: tuple[str, ...]  # as written, upper-cased; () for a bare `# noqa`
    first_row: int  # the rows of the logical line it covers
    last_row: int


@dataclass
class Suppressions:
    file_codes: frozenset[str] = frozenset()
    # physical row -> codes suppressed there; a logical line's comment covers all of its rows
    line_codes: dict[int, frozenset[str]] = field(default_factory=dict)
    comments: list[NoqaComment] = field(default_factory=list)

    def suppresses(self, code: str, row: int, lines: bool = True) -> bool:
        """Whether `code` at `row` is silenced: by the file's `# nnlint: noqa`, or (with `lines`) by a line's."""
        if _matches(self.file_codes, code):
            return True
        return lines and _matches(self.line_codes.get(row, frozenset()), code)


def _matches(codes: frozenset[str], code: str) -> bool:
    return codes is ALL or "*" in codes or code in codes


def parse_suppressions(source: str) -> Suppressions:
    suppressions = Suppressions()
    if "noqa" not in source.lower():  # no comment can say it: skip the tokenizer (pure Python, slow)
        return suppressions
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return suppressions
    seen_code = False
    logical_start: int | None = None
    pending: list[tuple[frozenset[str], tokenize.TokenInfo, re.Match]] = []
    for token in tokens:
        if token.type == tokenize.COMMENT:
            file_match = _FILE_NOQA.match(token.string)
            if file_match and not seen_code:
                suppressions.file_codes = suppressions.file_codes | _codes(file_match.group("codes"))
                continue
            line_match = _LINE_NOQA.search(token.string)
            if line_match:
                codes = _codes(line_match.group("codes"))
                if logical_start is None:  # a comment on a line of its own covers that line
                    _add(suppressions, token.start[0], token.start[0], codes)
                    _record(suppressions, token, line_match, token.start[0], token.start[0])
                else:
                    pending.append((codes, token, line_match))
            continue
        if token.type in (tokenize.NL, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if token.type == tokenize.NEWLINE:
            if logical_start is not None:
                for codes, comment, match in pending:
                    _add(suppressions, logical_start, token.start[0], codes)
                    _record(suppressions, comment, match, logical_start, token.start[0])
            logical_start, pending = None, []
            continue
        seen_code = True
        if logical_start is None:
            logical_start = token.start[0]
    return suppressions


def _record(suppressions: Suppressions, token: tokenize.TokenInfo, match: re.Match, first: int, last: int) -> None:
    column = token.start[1]
    codes_span = None
    if match.group("codes"):
        codes_span = (column + match.start("codes"), column + match.end("codes"))
    listed = tuple(code.upper() for code in re.split(r"[\s,]+", match.group("codes") or "") if code)
    suppressions.comments.append(
        NoqaComment(token.start[0], column + match.start(), column + match.end(), codes_span, listed, first, last)
    )


def _add(suppressions: Suppressions, first: int, last: int, codes: frozenset[str]) -> None:
    for row in range(first, last + 1):
        existing = suppressions.line_codes.get(row)
        if existing is None:
            suppressions.line_codes[row] = codes
        elif codes is ALL or existing is ALL:
            suppressions.line_codes[row] = ALL
        else:
            suppressions.line_codes[row] = existing | codes
