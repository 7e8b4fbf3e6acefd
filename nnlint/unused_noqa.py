"""NN003 unused-noqa: a `# noqa: NN101` on a line where NN101 does not fire any more.

A stale suppression hides the next real finding on that line, so it is worth removing. Only codes of
nnlint's static rules that ran on the file are judged (a code of another tool, or of a rule not selected
for this file, may well be needed); a bare `# noqa` is left alone, since it may silence other tools. The fix
removes the stale codes from the list, or the whole directive when none is left.
"""

from __future__ import annotations

from collections.abc import Iterable

from nnlint.diagnostic import Diagnostic, Edit, Fix, Location
from nnlint.rules import static_rules
from nnlint.rules.engine_codes import UNUSED_NOQA
from nnlint.suppression import NoqaComment, Suppressions


def unused_noqa(
    path: str, source: str, suppressions: Suppressions, found: Iterable[Diagnostic], selected: frozenset[str]
) -> list[Diagnostic]:
    """NN003 findings for `found`, the file's diagnostics before any `# noqa` was applied."""
    judged = selected & {rule.code for rule in static_rules()}
    fired = {(diagnostic.code, diagnostic.location.row) for diagnostic in found}
    lines = source.splitlines()
    diagnostics = []
    for comment in suppressions.comments:
        rows = range(comment.first_row, comment.last_row + 1)
        stale = [code for code in comment.codes if code in judged and not any((code, row) in fired for row in rows)]
        if stale:
            diagnostics.append(_diagnostic(path, comment, stale, lines[comment.row - 1]))
    return diagnostics


def _diagnostic(path: str, comment: NoqaComment, stale: list[str], line: str) -> Diagnostic:
    kept = [code for code in comment.codes if code not in stale]
    listed = ", ".join(f"`{code}`" for code in stale)
    verb = "does" if len(stale) == 1 else "do"
    message = f"unused `noqa`: {listed} {verb} not fire on this line; remove {'it' if len(stale) == 1 else 'them'}"
    row = comment.row
    if kept:
        start, end = comment.codes_span
        edit = Edit(", ".join(kept), Location(row, start + 1), Location(row, end + 1))
        fix_message = f"Remove {', '.join(stale)} from the `noqa` list"
    else:
        edit = _remove_directive(comment, line)
        fix_message = "Remove the `noqa` comment"
    start = Location(row, comment.start + 1)
    fix = Fix(UNUSED_NOQA.fix, fix_message, (edit,))
    return Diagnostic(UNUSED_NOQA.code, UNUSED_NOQA.name, message, path, start, Location(row, comment.end + 1), fix,
                      UNUSED_NOQA.url)


def _remove_directive(comment: NoqaComment, line: str) -> Edit:
    """Delete `# noqa: ...` with the blanks before it; a comment that goes on after it keeps its `#`."""
    row = comment.row
    rest = line[comment.end:]
    if rest.strip():  # `x = 1  # noqa: NN101 kept for the paper` -> `x = 1  # kept for the paper`
        return Edit("#", Location(row, comment.start + 1), Location(row, comment.end + 1))
    start = comment.start
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    return Edit("", Location(row, start + 1), Location(row, len(line) + 1))
