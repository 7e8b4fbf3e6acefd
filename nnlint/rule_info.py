"""What reporters, the configuration and `nnlint rules` know about a code: plain data, no libcst.

A run answered from the cache needs these and nothing of the rules' machinery, so they live apart from
`nnlint.rules.base` (which re-exports them).
"""

from __future__ import annotations

from dataclasses import dataclass

from nnlint.diagnostic import DOCS_URL, Applicability

GROUPS = {
    "NN0": "engine",
    "NN1": "batch & shape",
    "NN2": "loss & outputs",
    "NN3": "optimisation step",
    "NN4": "data & augmentation",
    "NN5": "schedules & reproducibility",
    "NN6": "train/eval mode",
    "NN7": "architecture",
    "NN9": "runtime",
}


@dataclass(frozen=True)
class RuleInfo:
    """What reporters and `nnlint rules` need to know about a code."""

    code: str
    name: str
    summary: str
    fix: Applicability | None
    default_enabled: bool

    @property
    def group(self) -> str:
        return GROUPS.get(self.code[:3], "other")

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)
