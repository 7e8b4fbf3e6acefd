"""The command line as a user meets it: exit codes, one-line errors, formats, selection."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.conftest import CLAMP_BUG, VIEW_BUG

REPO = Path(__file__).parent.parent
SARIF_SCHEMA = json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def test_bundled_example_trips_the_headline_rules(nnlint):
    result = nnlint("examples/", "--output-format", "json", "--no-cache", cwd=REPO)
    assert result.code == 1
    codes = {item["code"] for item in json.loads(result.stdout)}
    assert {"NN101", "NN205", "NN401", "NN501"} <= codes


def test_clean_project_exits_zero(nnlint, write):
    write("src/model.py", "import torch\n\nx = torch.zeros(2, 3).view(3, 2)\n")
    result = nnlint("src")
    assert result.code == 0
    assert "All checks passed!" in result.stdout


def test_full_output_shows_the_line_and_a_caret(nnlint, write):
    write("model.py", VIEW_BUG)
    result = nnlint("model.py")
    assert result.code == 1
    assert "model.py:6:12: NN101" in result.stdout
    assert "    return x.view(b, h, w, c)" in result.stdout
    assert "^^^^^^^^^^^^^^^^^^" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes
    assert "Found 1 problem." in result.stdout


def test_concise_output(nnlint, write):
    write("model.py", VIEW_BUG)
    write("train.py", CLAMP_BUG)
    result = nnlint(".", "--output-format", "concise", "-q")
    lines = result.stdout.splitlines()
    assert [line.split(" ")[0:2] for line in lines] == [["model.py:6:12:", "NN101"], ["train.py:7:12:", "NN205"]]


def test_json_uses_ruff_field_names(nnlint, write):
    write("model.py", VIEW_BUG)
    [item] = json.loads(nnlint("model.py", "--output-format", "json").stdout)
    assert item["code"] == "NN101" and item["name"] == "view-as-permute"
    assert item["filename"] == "model.py"
    assert item["location"] == {"row": 6, "column": 12}
    assert item["end_location"] == {"row": 6, "column": 30}
    assert item["fix"]["applicability"] == "unsafe"
    assert item["fix"]["edits"] == [
        {"content": "x.permute(0, 2, 3, 1)", "location": {"row": 6, "column": 12}, "end_location": {"row": 6, "column": 30}}
    ]
    assert item["url"].endswith("/NN101/")


def test_sarif_is_valid_for_code_scanning(nnlint, write):
    write("model.py", VIEW_BUG)
    log = json.loads(nnlint("model.py", "--output-format", "sarif").stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "NN101"
    rule_ids = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert rule_ids[result["ruleIndex"]] == "NN101"


def test_github_annotations(nnlint, write):
    write("model.py", VIEW_BUG)
    out = nnlint("model.py", "--output-format", "github").stdout
    assert out.startswith("::error title=nnlint (NN101),file=model.py,line=6,col=12,endLine=6,endColumn=30::NN101 ")


def test_output_file(nnlint, write, tmp_path):
    write("model.py", VIEW_BUG)
    result = nnlint("model.py", "--output-format", "json", "--output-file", "report.json")
    assert result.code == 1 and result.stdout == ""
    assert json.loads((tmp_path / "report.json").read_text())[0]["code"] == "NN101"


def test_select_ignore_and_prefixes(nnlint, write):
    write("model.py", VIEW_BUG)
    write("train.py", CLAMP_BUG)

    def codes(*args):
        return sorted(item["code"] for item in json.loads(nnlint(".", "--output-format", "json", *args).stdout))

    assert codes() == ["NN101", "NN205"]
    assert codes("--select", "NN1") == ["NN101"]
    assert codes("--ignore", "NN1") == ["NN205"]
    assert codes("--select", "NN101", "--extend-select", "NN205") == ["NN101", "NN205"]
    assert codes("--select", "ALL", "--ignore", "NN2,NN1") == []


def test_statistics_and_exit_zero(nnlint, write):
    write("model.py", VIEW_BUG)
    result = nnlint("model.py", "--statistics", "--exit-zero")
    assert result.code == 0
    assert "NN101" in result.stdout and "1" in result.stdout.split()


def test_stdin_with_a_filename(nnlint):
    result = nnlint("-", "--stdin-filename", "pkg/model.py", "--output-format", "concise", stdin=VIEW_BUG.lstrip())
    assert result.code == 1
    assert result.stdout.startswith("pkg/model.py:6:12: NN101")


def test_show_files(nnlint, write):
    write("a.py", "x = 1\n")
    write("sub/b.py", "y = 2\n")
    write("notes.txt", "z\n")
    assert nnlint("--show-files", ".").stdout.split() == ["a.py", "sub/b.py"]


def test_rules_table_and_rule_page(nnlint):
    table = nnlint("rules", "--output-format", "json")
    rows = {row["code"]: row for row in json.loads(table.stdout)}
    assert {"NN101", "NN205", "NN401", "NN501"} <= set(rows)
    assert rows["NN101"]["fix"] == "unsafe" and rows["NN101"]["default"] is True
    page = nnlint("rule", "nn101")
    assert page.code == 0
    assert page.stdout.startswith("# NN101 view-as-permute")


def test_version(nnlint):
    result = nnlint("--version")
    assert result.code == 0 and result.stdout.startswith("nnlint 0.")


def test_no_progress_bar_when_stderr_is_not_a_terminal(nnlint, write):
    for i in range(60):
        write(f"pkg/m{i}.py", VIEW_BUG)
    result = nnlint("pkg", "--output-format", "json")
    assert result.code == 1
    assert result.stderr == ""
    assert len(json.loads(result.stdout)) == 60  # linted in the process pool: every file's finding is there


def test_progress_bar_on_a_terminal_stays_out_of_the_report(write, tmp_path):
    import os
    import pty
    import subprocess
    import sys

    for i in range(60):
        write(f"pkg/m{i}.py", VIEW_BUG)
    leader, follower = pty.openpty()  # stderr is a terminal, stdout a pipe: `nnlint ... > report.json`
    completed = subprocess.run(
        [sys.executable, "-m", "nnlint", "pkg", "--output-format", "json", "--no-cache"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=follower, timeout=300,
    )
    os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert completed.returncode == 1
    assert len(json.loads(completed.stdout)) == 60
    assert b"linting" in terminal and b"/60" in terminal
