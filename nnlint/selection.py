"""Which rules run on one file: a set of codes, cheap to pickle to worker processes and to hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnlint.rules.base import Rule


@dataclass(frozen=True)
class Selection:
    """The rules that run on one file."""

    codes: frozenset[str]
    skip_generated: bool = True  # files marked `@generated` or `# nnlint: skip-file` report nothing

    def rules(self) -> list[type[Rule]]:
        from nnlint.rules import static_rules  # imports every rule (and libcst): only when a file is linted

        return [rule for rule in static_rules() if rule.code in self.codes]
