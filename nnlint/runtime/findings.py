"""What a runtime check reports: findings, grouped in a report that reads well and serialises to JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from nnlint.runtime.codes import rule_name


@dataclass(frozen=True)
class Finding:
    """One problem. `pairs` are (receiver, source) indices: output row/step `receiver` depends on input
    row/step `source`. `location` is "path/to/file.py:LINE" of the user's line the op came from."""

    code: str
    message: str
    pairs: tuple[tuple[int, int], ...] = ()
    op: str | None = None
    location: str | None = None
    rank: int | None = None

    @property
    def name(self) -> str:
        return rule_name(self.code)

    @property
    def filename(self) -> str | None:
        return self.location.rsplit(":", 1)[0] if self.location else None

    @property
    def line(self) -> int | None:
        return int(self.location.rsplit(":", 1)[1]) if self.location else None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        op = f" [{self.op}]" if self.op else ""
        rank = f" (rank {self.rank})" if self.rank is not None else ""
        return f"{where}{self.code} {self.name}: {self.message}{op}{rank}"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "pairs": [list(pair) for pair in self.pairs],
            "op": self.op,
            "location": self.location,
            "rank": self.rank,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(
            code=data["code"],
            message=data["message"],
            pairs=tuple(tuple(pair) for pair in data.get("pairs", ())),
            op=data.get("op"),
            location=data.get("location"),
            rank=data.get("rank"),
        )


@dataclass
class Report:
    """The outcome of one check. `notes` say what the check did that a reader should know (e.g. which
    layers it put in eval mode); `stats` hold its cost (passes, seconds)."""

    check: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def __bool__(self) -> bool:  # `assert report` reads as `assert report.ok`
        return self.ok

    def __str__(self) -> str:
        head = f"{self.check}: " + ("ok" if self.ok else f"{len(self.findings)} finding(s)")
        lines = [head]
        lines += [f"  {finding}" for finding in self.findings]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "check": self.check,
            "ok": self.ok,
            "findings": [finding.to_dict() for finding in self.findings],
            "notes": list(self.notes),
            "stats": dict(self.stats),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)
