"""The hooks of .pre-commit-hooks.yaml, run by the real `pre-commit try-repo` in a throwaway git repository.

pre-commit installs nnlint from this checkout into its own virtualenv (once per test session, from the
package index), then runs the hook on the staged files, as it does in a user's `git commit`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import VIEW_BUG

REPO = Path(__file__).parent.parent

SIGMOID_BCE = """
import torch
import torch.nn.functional as F


def mask_loss(logits, masks):
    return F.binary_cross_entropy(torch.sigmoid(logits), masks)
"""
FIXED_BCE = SIGMOID_BCE.replace("F.binary_cross_entropy(torch.sigmoid(logits), masks)",
                                "F.binary_cross_entropy_with_logits(logits, masks)")


def _is_git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True)
    return done.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _is_git_checkout(), reason="pre-commit try-repo needs this checkout to be a git repository"),
]


def test_hook_manifest_declares_both_hooks_for_python_and_notebooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"nnlint", "nnlint-fix"}
    for hook in hooks.values():
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["require_serial"] is False
        assert hook["language"] == "python"
        assert hook.get("pass_filenames", True) is True  # only the staged files are linted
    assert "--fix" in hooks["nnlint-fix"]["entry"].split()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One pre-commit cache for the module, so nnlint is installed into pre-commit's environment once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path) -> Path:
    for args in (["init", "-q"], ["config", "user.email", "dev@example.com"], ["config", "user.name", "Dev"]):
        subprocess.run(["git", *args], cwd=tmp_path, check=True)
    return tmp_path


def _stage(project: Path, relative: str, text: str) -> Path:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    subprocess.run(["git", "add", relative], cwd=project, check=True)
    return path


def _try_repo(project: Path, hook: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def test_check_hook_fails_on_a_staged_bug_and_names_the_code(project, pre_commit_home):
    _stage(project, "model.py", VIEW_BUG)
    cell = new_code_cell("%matplotlib inline\nimport torch\nloss = torch.clamp(loss, max=5.0)")
    notebook = new_notebook(cells=[cell])
    nbformat.write(notebook, str(project / "explore.ipynb"))
    subprocess.run(["git", "add", "explore.ipynb"], cwd=project, check=True)
    (project / "unstaged.py").write_text(SIGMOID_BCE, encoding="utf-8")  # not staged: not linted

    done = _try_repo(project, "nnlint", pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "model.py:6:12: NN101" in output
    assert "explore.ipynb:cell 1:3:8: NN205" in output
    assert "unstaged.py" not in output


def test_check_hook_passes_clean_code_and_honours_excludes(project, pre_commit_home):
    _stage(project, "pyproject.toml", '[tool.nnlint]\nextend-exclude = ["legacy/"]\n')
    _stage(project, "model.py", "import torch\n\nx = torch.zeros(2, 3).view(3, 2)\n")
    _stage(project, "legacy/old_train.py", VIEW_BUG)  # staged, but excluded by the project's settings

    done = _try_repo(project, "nnlint", pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_fix_hook_rewrites_the_file_and_fails_so_it_is_re_staged(project, pre_commit_home):
    path = _stage(project, "losses.py", SIGMOID_BCE)

    done = _try_repo(project, "nnlint-fix", pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert path.read_text(encoding="utf-8") == FIXED_BCE.lstrip("\n")
    assert "files were modified by this hook" in done.stdout

    subprocess.run(["git", "add", "losses.py"], cwd=project, check=True)
    again = _try_repo(project, "nnlint-fix", pre_commit_home)
    assert again.returncode == 0, again.stdout + again.stderr
