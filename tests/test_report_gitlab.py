"""`--output-format gitlab`: GitLab Code Quality's report, with fingerprints that survive unrelated edits."""

from __future__ import annotations

import json
import os

import jsonschema
import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import CLAMP_BUG, VIEW_BUG

# The fields GitLab documents for a Code Quality report (docs.gitlab.com/ci/testing/code_quality/, "Code
# Quality report format"): each one required, with its documented type and severity scale.
CODE_QUALITY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "not": {"pattern": "^(/|\\./|\\.\\./)"}},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def _report(nnlint, *args, cwd=None, env=None) -> list[dict]:
    if env is None:  # these tests choose the root themselves, also when the suite runs in GitLab CI
        env = {key: value for key, value in os.environ.items() if key != "CI_PROJECT_DIR"}
    result = nnlint(*args, "--output-format", "gitlab", "--no-cache", cwd=cwd, env=env)
    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, CODE_QUALITY_SCHEMA)
    return report


def test_report_has_gitlabs_documented_fields(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()  # the repository root
    write("src/model.py", VIEW_BUG)
    write("src/train.py", CLAMP_BUG)
    report = _report(nnlint, "src")
    assert [(issue["check_name"], issue["location"]["path"], issue["location"]["lines"]["begin"]) for issue in report] \
        == [("NN101", "src/model.py", 6), ("NN205", "src/train.py", 7)]
    assert report[0]["description"].startswith("NN101 `view` reorders dims")
    assert {issue["severity"] for issue in report} == {"major"}
    assert len({issue["fingerprint"] for issue in report}) == 2


def test_paths_are_relative_to_the_repository_root_wherever_nnlint_runs(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write("pkg/sub/model.py", VIEW_BUG)
    [issue] = _report(nnlint, "model.py", cwd=tmp_path / "pkg" / "sub")
    assert issue["location"]["path"] == "pkg/sub/model.py"


def test_gitlab_ci_project_dir_is_the_root(nnlint, write, tmp_path):
    write("project/model.py", VIEW_BUG)
    env = {**os.environ, "CI_PROJECT_DIR": str(tmp_path / "project")}
    [issue] = _report(nnlint, "project/model.py", env=env)
    assert issue["location"]["path"] == "model.py"


def test_fingerprint_is_stable_across_runs_and_when_the_line_moves(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    path = write("model.py", VIEW_BUG)
    [first] = _report(nnlint, "model.py")
    [again] = _report(nnlint, "model.py")
    assert again == first

    path.write_text("# a comment and a blank line added above\n\n" + path.read_text(), encoding="utf-8")
    [moved] = _report(nnlint, "model.py")
    assert moved["location"]["lines"]["begin"] == first["location"]["lines"]["begin"] + 2
    assert moved["fingerprint"] == first["fingerprint"]  # the same finding: GitLab must not call it new

    path.write_text(path.read_text().replace("x.view(b, h, w, c)", "x.view(b, w, h, c)"), encoding="utf-8")
    [changed] = _report(nnlint, "model.py")
    assert changed["fingerprint"] != first["fingerprint"]  # the line itself changed: a different finding


def test_the_same_finding_twice_in_a_file_has_two_fingerprints(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write("model.py", VIEW_BUG + "\n\ndef other(x):\n    b, c, h, w = x.shape\n    return x.view(b, h, w, c)\n")
    report = _report(nnlint, "model.py")
    assert [issue["check_name"] for issue in report] == ["NN101", "NN101"]
    assert report[0]["fingerprint"] != report[1]["fingerprint"]


def test_notebook_findings_point_at_the_file_and_name_the_cell(nnlint, tmp_path):
    (tmp_path / ".git").mkdir()
    notebook = new_notebook(cells=[new_code_cell("import torch\nloss = torch.clamp(loss, max=5.0)")])
    nbformat.write(notebook, str(tmp_path / "explore.ipynb"))
    [issue] = _report(nnlint, "explore.ipynb")
    assert issue["location"] == {"path": "explore.ipynb", "lines": {"begin": 1, "end": 1}}
    assert issue["description"].startswith("NN205 (cell 1:2:8) ")


def test_gitlab_is_accepted_in_the_config_file(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\noutput-format = "gitlab"\n')
    write("model.py", VIEW_BUG)
    result = nnlint("model.py")
    assert result.code == 1
    assert json.loads(result.stdout)[0]["check_name"] == "NN101"
