"""The runtime codes are listed without torch, and each has its catalogue page in the expected shape."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnlint.runtime.codes import RUNTIME_RULES

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ["## What it flags", "## Why it matters", "## Example", "## Fix"]


def test_codes_are_nn901_to_nn913_with_stable_names():
    assert [(r.code, r.name) for r in RUNTIME_RULES] == [
        ("NN901", "batch-mixing"), ("NN902", "causality-leak"), ("NN903", "loss-at-init"),
        ("NN904", "dead-parameter"), ("NN905", "grad-not-zeroed"), ("NN906", "eval-in-train-mode"),
        ("NN907", "lr-collapsed"), ("NN908", "non-finite"), ("NN909", "output-ignores-input"),
        ("NN910", "cannot-overfit-one-batch"), ("NN911", "input-not-normalised"), ("NN912", "degenerate-batch"),
        ("NN913", "exploding-gradients")]
    assert all(r.group == "runtime" and r.fix is None for r in RUNTIME_RULES)


def test_codes_and_command_import_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"  # makes `import torch` fail
            "import nnlint.runtime, nnlint.runtime.codes, nnlint.runtime.command\n"
            "print(len(nnlint.runtime.codes.RUNTIME_RULES))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "13"


def test_run_without_torch_is_one_line_and_exit_2(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("print('hi')\n")
    code = ("import sys; sys.modules['torch'] = None\n"
            "from nnlint.runtime.command import run_command\n"
            f"run_command([{str(script)!r}], prog_name='nnlint run')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 2
    assert out.stderr.strip() == "nnlint: error: `nnlint run` needs torch: pip install 'nnlint[runtime]'"


@pytest.mark.parametrize("rule", RUNTIME_RULES, ids=lambda rule: rule.code)
def test_page_has_the_catalogue_shape(rule):
    text = (REPO / "rules" / f"{rule.code}.md").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# {rule.code} {rule.name}"
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "A Recipe for Training Neural Networks" in " ".join(text.split())
    fences = re.findall(r"^```(.*)$", text, re.MULTILINE)
    assert fences and all(info in ("python", "") for info in fences)  # runtime examples are not executed
