"""Zero crashes: generated programs, arbitrary bytes and large real corpora lint without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlint.engine import Selection, lint_bytes, lint_source
from nnlint.fix import fix_source
from nnlint.rules import catalogue, static_rules

EVERYTHING = Selection(frozenset(catalogue()))
# a prefix that holds every rule's trigger, so generated programs are always parsed and visited
TRIGGERS = "# " + " ".join(trigger for rule in static_rules() for trigger in rule.triggers) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_programs_lint_and_fix_without_crashing(source):
    text = TRIGGERS + source
    diagnostics = lint_source("generated.py", text, EVERYTHING)
    assert all(d.location.row >= 1 and d.location.column >= 1 for d in diagnostics)
    fix_source("generated.py", text, EVERYTHING, frozenset(catalogue()), True)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_generated_syntax_trees_lint_without_crashing(source):
    lint_source("generated.py", TRIGGERS + source, EVERYTHING)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_a_finding_or_nothing(data):
    for diagnostic in lint_bytes("noise.py", TRIGGERS.encode() + data, EVERYTHING):
        assert diagnostic.code in catalogue()


def _lint_tree(tree: Path) -> list[dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "nnlint", str(tree), "--select", "ALL", "--output-format", "json",
         "--no-cache", "--exit-zero"],
        capture_output=True, text=True, timeout=900,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    return json.loads(completed.stdout)


def test_the_standard_library_lints_without_crashing():
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    findings = _lint_tree(stdlib)
    # CPython's test suite keeps deliberately broken files (badsyntax_*.py, bad_coding*.py): those may
    # be NN001/NN002; nothing else in the stdlib may fail to parse.
    # Every file is checked by Python's compiler now, so lib2to3's Python 2 test data (tests/data/) counts too.
    unparsable = {Path(f["filename"]) for f in findings if f["code"] in ("NN001", "NN002")}
    assert all(path.name.startswith(("bad", "tokenizedata")) or "test" in path.name or "tests" in path.parts
               for path in unparsable), unparsable


def test_the_installed_torch_sources_lint_without_crashing():
    import torch

    findings = _lint_tree(Path(torch.__file__).parent)
    unparsable = {Path(f["filename"]).name for f in findings if f["code"] in ("NN001", "NN002")}
    # torch keeps modules written for newer Pythons (py312_intrinsics.py: `type` statements) that it imports
    # only there; Python's compiler rightly rejects them on this one. Nothing else may fail to parse.
    later = tuple(f"py3{minor}" for minor in range(sys.version_info.minor + 1, 20))
    newer = {name for name in unparsable if name.startswith(later)}
    assert unparsable == newer, unparsable
