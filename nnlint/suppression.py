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


@dataclass
class Suppressions:
    file_codes: frozenset[str] = frozenset()
    # physical row -> codes suppressed there; a logical line's comment covers all of its rows
    line_codes: dict[int, frozenset[str]] = field(default_factory=dict)

    def suppresses(self, code: str, row: int) -> bool:
        if _matches(self.file_codes, code):
            return True
        return _matches(self.line_codes.get(row, frozenset()), code)


def _matches(codes: frozenset[str], code: str) -> bool:
    return codes is ALL or "*" in codes or code in codes


def parse_suppressions(source: str) -> Suppressions:
    suppressions = Suppressions()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return suppressions
    seen_code = False
    logical_start: int | None = None
    pending: list[frozenset[str]] = []
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
                else:
                    pending.append(codes)
            continue
        if token.type in (tokenize.NL, tokenize.ENCODING, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if token.type == tokenize.NEWLINE:
            if logical_start is not None:
                for codes in pending:
                    _add(suppressions, logical_start, token.start[0], codes)
            logical_start, pending = None, []
            continue
        seen_code = True
        if logical_start is None:
            logical_start = token.start[0]
    return suppressions


def _add(suppressions: Suppressions, first: int, last: int, codes: frozenset[str]) -> None:
    for row in range(first, last + 1):
        existing = suppressions.line_codes.get(row)
        if existing is None:
            suppressions.line_codes[row] = codes
        elif codes is ALL or existing is ALL:
            suppressions.line_codes[row] = ALL
        else:
            suppressions.line_codes[row] = existing | codes
