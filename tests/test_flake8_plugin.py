"""nnlint inside flake8 (`flake8 --select NN`), run with the real flake8 program."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import CLAMP_BUG, VIEW_BUG

# two findings, the second at a column that an off-by-one would move
TWO_BUGS = VIEW_BUG + "\n\ndef head(x):\n    b, c, h, w = x.shape\n    return {'y': [0, x.reshape(b, w, h, c)]}\n"


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def _write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def test_flake8_lists_the_plugin():
    done = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "nnlint:" in done.stdout


def test_flake8_reports_what_nnlint_reports_at_the_same_row_and_column(tmp_path, nnlint):
    _write(tmp_path, "model.py", TWO_BUGS)
    _write(tmp_path, "train.py", CLAMP_BUG)
    done = flake8("--select", "NN", "model.py", "train.py", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    ours = nnlint("model.py", "train.py", "--output-format", "concise", "-q", "--no-cache")
    # flake8's default format and nnlint's concise one are both `path:row:col: CODE message`
    assert done.stdout.splitlines() == ours.stdout.splitlines()
    assert [line.split(": ")[0] for line in done.stdout.splitlines()] == [
        "model.py:6:12", "model.py:11:22", "train.py:7:12",
    ]


def test_flake8s_own_noqa_applies(tmp_path):
    silenced = VIEW_BUG.replace("return x.view(b, h, w, c)", "return x.view(b, h, w, c)  # noqa: NN101")
    _write(tmp_path, "model.py", silenced)
    assert flake8("--select", "NN", "model.py", cwd=tmp_path).returncode == 0
    # flake8 decides: with its --disable-noqa the finding is back
    disabled = flake8("--select", "NN", "--disable-noqa", "model.py", cwd=tmp_path)
    assert disabled.returncode == 1 and "model.py:6:12: NN101" in disabled.stdout


def test_flake8_select_and_ignore_filter_nnlint_codes(tmp_path):
    _write(tmp_path, "model.py", TWO_BUGS)
    _write(tmp_path, "train.py", CLAMP_BUG)
    done = flake8("--select", "NN", "--extend-ignore", "NN101", "model.py", "train.py", cwd=tmp_path)
    assert done.stdout.splitlines()[0].startswith("train.py:7:12: NN205 ")
    assert "NN101" not in done.stdout


def test_nnlint_configuration_chooses_the_rules(tmp_path):
    _write(tmp_path, "pyproject.toml", '[tool.nnlint]\nignore = ["NN205"]\n')
    _write(tmp_path, "train.py", CLAMP_BUG)
    _write(tmp_path, "model.py", VIEW_BUG)
    done = flake8("--select", "NN", "train.py", "model.py", cwd=tmp_path)
    assert [line.split(" ")[1] for line in done.stdout.splitlines()] == ["NN101"]


def test_a_file_that_does_not_parse_is_flake8s_e999_not_a_crash(tmp_path):
    _write(tmp_path, "broken.py", "import torch\nx = torch.zeros(2).view(\n")
    done = flake8("--select", "NN,E999", "broken.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "E999" in done.stdout and "Traceback" not in done.stderr
