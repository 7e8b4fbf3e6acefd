"""Reading the examples out of the rule catalogue pages (`rules/NNxxx.md`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).parent.parent / "rules"
_BLOCK = re.compile(r"^```python (flagged|clean|fixed)\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"\s*# <- (NN\d{3})$")


@dataclass(frozen=True)
class Example:
    code: str
    kind: str  # flagged | clean | fixed
    source: str

    def marked_rows(self) -> list[int]:
        return [row for row, line in enumerate(self.source.splitlines(), 1) if MARKER.search(line)]

    def without_markers(self) -> str:
        return "".join(MARKER.sub("", line.rstrip("\n")) + "\n" for line in self.source.splitlines())

    def __str__(self) -> str:
        return f"{self.code}-{self.kind}"


def page_codes() -> list[str]:
    return sorted(path.stem for path in PAGES.glob("NN*.md"))


def examples(code: str) -> list[Example]:
    text = (PAGES / f"{code}.md").read_text(encoding="utf-8")
    return [Example(code, kind, body) for kind, body in _BLOCK.findall(text)]


def all_examples() -> list[Example]:
    return [example for code in page_codes() for example in examples(code)]
