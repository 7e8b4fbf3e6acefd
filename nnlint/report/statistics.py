"""`--statistics`: how many findings each rule produced, most frequent first, like `ruff --statistics`.

    12  NN101  [*] view-as-permute
     3  NN205      loss-clamped
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from nnlint.diagnostic import Diagnostic
from nnlint.report import styled
from nnlint.report.styled import LineWriter

if TYPE_CHECKING:
    from nnlint.rule_info import RuleInfo

FIXABLE = "[*]"


def write(
    diagnostics: Sequence[Diagnostic], stream: TextIO, *, rules: Mapping[str, RuleInfo], color: bool
) -> None:
    counts = Counter(diagnostic.code for diagnostic in diagnostics)
    names = {diagnostic.code: diagnostic.name for diagnostic in diagnostics}
    # Marked when `--fix` alone would fix at least one of them.
    fixable = {d.code for d in diagnostics if d.fix is not None and d.fix.applicability == "safe"}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if not rows:
        return

    count_width = max(len(str(count)) for _, count in rows)
    code_width = max(len(code) for code, _ in rows)
    marker_width = len(FIXABLE) + 1 if fixable else 0
    out = LineWriter(stream, color=color)
    for code, count in rows:
        name = rules[code].name if code in rules else names[code]
        marker = FIXABLE if code in fixable else ""
        out.line(
            f"{count:>{count_width}}  ",
            (f"{code:<{code_width}}", styled.CODE),
            "  ",
            (f"{marker:<{marker_width}}", styled.FIXABLE),
            name,
        )
