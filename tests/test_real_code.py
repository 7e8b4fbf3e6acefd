"""Precision on real code: every default-on rule over torchvision's and timm's own sources.

Well-maintained library code is what correct code looks like, so a default-on rule that fires there is a
false alarm — unless the finding is listed in EXPECTED below with the reason it is a true positive. The
wheels are fetched once with pip into `.real_code_cache/` and read as zip files: nothing is imported.
Per-rule counts and the review behind EXPECTED: docs/precision.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from nnlint.engine import Selection, lint_bytes
from nnlint.rules import catalogue, static_rules

TORCHVISION = "0.29.1"
TIMM = "1.0.31"
# One exact wheel each, whatever machine runs the test: the sources must not vary with the platform.
WHEELS = (
    f"torchvision-{TORCHVISION}-cp311-cp311-manylinux_2_28_x86_64.whl",
    f"timm-{TIMM}-py3-none-any.whl",
)
CACHE = Path(__file__).resolve().parent.parent / ".real_code_cache"

# (file inside the wheel, code, row) -> why it is a true positive.
EXPECTED: dict[tuple[str, str, int], str] = {
    ("timm/layers/non_local_attn.py", "NN701", 45): (
        "`self.z` is a Conv2d with bias=True whose output goes straight into `self.norm` (BatchNorm2d) in "
        "forward; BN subtracts the batch mean, so that bias is a dead parameter"
    ),
}


def default_on_codes() -> frozenset[str]:
    static = {rule.code for rule in static_rules()}
    return frozenset(code for code, info in catalogue().items() if info.default_enabled and code in static)


@pytest.fixture(scope="session")
def wheels() -> list[Path]:
    paths = [CACHE / name for name in WHEELS]
    if not all(path.exists() for path in paths):
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
            f"torchvision=={TORCHVISION}", f"timm=={TIMM}", "-d", str(CACHE),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"pip download failed:\n{result.stdout}\n{result.stderr}"
    return paths


@pytest.fixture(scope="session")
def real_code_findings(wheels) -> tuple[set[tuple[str, str, int]], list[str]]:
    """Every default-on finding over both wheels, and the tracebacks of files whose lint raised."""
    sources = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            sources += [(name, archive.read(name)) for name in archive.namelist() if name.endswith(".py")]
    assert len(sources) > 400, "the wheels hold far fewer Python files than expected"
    chunks = [sources[i :: _workers() * 4] for i in range(_workers() * 4)]
    findings: set[tuple[str, str, int]] = set()
    errors: list[str] = []
    with ProcessPoolExecutor(_workers()) as pool:
        for chunk_findings, chunk_errors in pool.map(_lint_chunk, chunks):
            findings |= chunk_findings
            errors += chunk_errors
    return findings, errors


def _workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _lint_chunk(sources: list[tuple[str, bytes]]) -> tuple[set[tuple[str, str, int]], list[str]]:
    selection = Selection(default_on_codes())
    findings, errors = set(), []
    for name, data in sources:
        try:
            findings |= {(name, d.code, d.location.row) for d in lint_bytes(name, data, selection)}
        except Exception:  # noqa: BLE001 - the test reports every crash, with the file that caused it
            errors.append(f"{name}:\n{traceback.format_exc()}")
    return findings, errors


def test_linting_real_library_code_never_raises(real_code_findings):
    _, errors = real_code_findings
    assert errors == []


def test_default_on_rules_find_only_the_reviewed_true_positives(real_code_findings):
    found, _ = real_code_findings
    unexpected = sorted(found - EXPECTED.keys())
    missing = sorted(EXPECTED.keys() - found)
    assert (unexpected, missing) == ([], []), (
        "a default-on rule fired on correct library code (unexpected) or a reviewed finding vanished (missing)"
    )


def test_every_expected_finding_comes_from_a_default_on_rule():
    assert {code for _, code, _ in EXPECTED} <= default_on_codes()
