"""What one `nnlint run` collects: findings (each reported once), notes, the step count, and the rule
that stops the script after `max_steps` optimizer steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from nnlint.runtime.findings import Finding


class StopRun(BaseException):
    """Raised from an optimizer step hook to end the script. A BaseException, like KeyboardInterrupt, so the
    script's own `except Exception:` does not swallow it."""


@dataclass
class RunSession:
    max_steps: int | None = None
    allow: tuple = ()
    batch_check: bool = True
    rank: int | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    steps: int = 0
    stats: dict = field(default_factory=dict)  # what each automatic check cost, by check
    busy: bool = False  # True while a check runs the model itself: the watchers must not see that
    _seen: set = field(default_factory=set)

    def add(self, finding: Finding, key: object = None) -> None:
        """Record a finding once per `key` (default: code and location)."""
        key = (finding.code, finding.location) if key is None else key
        if key in self._seen:
            return
        self._seen.add(key)
        if self.rank is not None:
            finding = Finding(finding.code, finding.message, finding.pairs, finding.op, finding.location, self.rank)
        self.findings.append(finding)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
