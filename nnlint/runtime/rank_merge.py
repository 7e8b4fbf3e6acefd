"""Report once for a distributed job: every rank but 0 leaves its findings in a file, rank 0 gathers them.

Files, not collectives: the job's process group may already be destroyed, and a collective that one rank
never reaches would hang the whole job. The folder is keyed by the launcher's run id, master port and the
launcher's pid, which the ranks of one `torchrun` on a node share.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from nnlint.runtime.findings import Finding

WAIT_SECONDS = 60.0


def _folder() -> Path:
    key = "-".join([os.environ.get("TORCHELASTIC_RUN_ID", "none"), os.environ.get("MASTER_PORT", "0"),
                    str(os.getppid())])
    return Path(tempfile.gettempdir()) / f"nnlint-run-{key}"


def publish(rank: int, findings: list[Finding], notes: list[str]) -> None:
    """Leave this rank's findings for rank 0 (written to a temporary name, then renamed: never half-read)."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    data = {"findings": [f.to_dict() for f in findings], "notes": notes}
    partial = folder / f".rank{rank}.json.partial"
    partial.write_text(json.dumps(data))
    partial.replace(folder / f"rank{rank}.json")


def _key(finding: Finding) -> tuple:
    """Two ranks that hit the same problem at the same line report it once."""
    return (finding.code, finding.location or finding.message)


def gather(world_size: int, findings: list[Finding], notes: list[str],
           wait: float = WAIT_SECONDS) -> tuple[list[Finding], list[str]]:
    """On rank 0: this rank's findings plus every other rank's, each kept once (lowest rank wins)."""
    folder = _folder()
    expected = {folder / f"rank{r}.json" for r in range(1, world_size)}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(path.exists() for path in expected):
        time.sleep(0.1)
    merged, merged_notes = list(findings), list(notes)
    seen = {_key(f) for f in findings}
    for path in sorted(expected, key=lambda p: int(p.stem[4:])):
        if not path.exists():
            merged_notes.append(f"rank {path.stem[4:]} sent no findings within {wait:g} s")
            continue
        data = json.loads(path.read_text())
        for raw in data["findings"]:
            finding = Finding.from_dict(raw)
            if _key(finding) not in seen:
                seen.add(_key(finding))
                merged.append(finding)
        merged_notes += [note for note in data["notes"] if note not in merged_notes]
    shutil.rmtree(folder, ignore_errors=True)
    return merged, merged_notes
