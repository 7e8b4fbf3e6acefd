"""action.yml, the composite GitHub Action: its inputs, and its scripts run as the runner would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from tests.conftest import VIEW_BUG

REPO = Path(__file__).parent.parent
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = {step["name"]: step for step in ACTION["runs"]["steps"]}
EXPRESSION = re.compile(r"\$\{\{\s*([\w.]+)\s*\}\}")


def _step_env(step: dict, inputs: dict[str, str], action_path: Path) -> dict[str, str]:
    """The step's `env:` with `${{ inputs.* }}` and `${{ github.action_path }}` resolved, as the runner does."""
    context = {f"inputs.{key}": value for key, value in inputs.items()} | {"github.action_path": str(action_path)}
    return {key: EXPRESSION.sub(lambda match: context[match.group(1)], str(value))
            for key, value in step.get("env", {}).items()}


def _run_step(name: str, inputs: dict[str, str], cwd: Path, path_dirs: list[str]) -> subprocess.CompletedProcess:
    step = STEPS[name]
    assert step["shell"] == "bash"
    defaults = {key: spec.get("default", "") for key, spec in ACTION["inputs"].items()}
    env = {**os.environ, **_step_env(step, defaults | inputs, REPO)}
    env["PATH"] = os.pathsep.join([*path_dirs, env["PATH"]])
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def test_action_is_composite_with_version_paths_and_args_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"version", "paths", "args"}
    assert ACTION["inputs"]["paths"]["default"] == "."
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step["run"], f"{step['name']}: inputs must reach the script through env, not splicing"


def test_the_run_step_annotates_findings_through_the_real_cli(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(VIEW_BUG.lstrip("\n"), encoding="utf-8")
    (tmp_path / "src" / "clean.py").write_text("import torch\n", encoding="utf-8")
    scripts = str(Path(sys.executable).parent)  # where this environment's `nnlint` lives

    done = _run_step("Run nnlint", {"paths": "src", "args": "--select NN1 --ignore NN103"}, tmp_path, [scripts])
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error title=nnlint (NN101),file=src/model.py,line=6,col=12,")
    assert done.stderr == ""

    exit_zero = _run_step("Run nnlint", {"paths": "src/clean.py src/model.py", "args": "--exit-zero"}, tmp_path,
                          [scripts])
    assert exit_zero.returncode == 0 and "::error" in exit_zero.stdout

    unknown = _run_step("Run nnlint", {"paths": "src", "args": "--no-such-option"}, tmp_path, [scripts])
    assert unknown.returncode == 2 and "nnlint: error:" in unknown.stderr


@pytest.mark.slow
def test_the_install_step_installs_this_checkout(tmp_path):
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    bin_dir = environment / ("Scripts" if os.name == "nt" else "bin")
    install = _run_step("Install nnlint", {"version": ""}, tmp_path, [str(bin_dir)])
    assert install.returncode == 0, install.stderr
    (tmp_path / "model.py").write_text(VIEW_BUG.lstrip("\n"), encoding="utf-8")
    lint = _run_step("Run nnlint", {}, tmp_path, [str(bin_dir)])
    assert lint.returncode == 1, lint.stderr
    assert "::error title=nnlint (NN101),file=model.py," in lint.stdout
