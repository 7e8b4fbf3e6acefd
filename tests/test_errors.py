"""Bad input: one clear line on stderr, exit 2 (or a diagnostic for a bad file), never a traceback."""

from __future__ import annotations

import json

from nnlint.engine import Selection
from nnlint.rules import catalogue
from nnlint.runner import lint_file
from tests.conftest import VIEW_BUG


def _one_line_error(result, *needles):
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nnlint: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_path(nnlint):
    _one_line_error(nnlint("does_not_exist.py"), "does_not_exist.py", "no such file")


def test_unknown_rule_code_on_the_command_line(nnlint, write):
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py", "--select", "NN999"), "NN999")


def test_unknown_option(nnlint):
    _one_line_error(nnlint(".", "--frobnicate"), "--frobnicate")


def test_unknown_rule_for_nnlint_rule(nnlint):
    _one_line_error(nnlint("rule", "NN10"), "NN10")


def test_unknown_config_key_names_key_and_file(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\nslect = ["NN1"]\n')
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py"), "pyproject.toml", "slect", "select")


def test_wrong_type_in_config(nnlint, write):
    write("nnlint.toml", 'ignore = "NN101"\n')
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py"), "nnlint.toml", "ignore", "list")


def test_unknown_code_in_config(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\nper-file-ignores = {"tests/*" = ["NN1O1"]}\n')
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py"), "per-file-ignores", "NN1O1")


def test_invalid_toml(nnlint, write):
    write("pyproject.toml", "[tool.nnlint\nselect = 1\n")
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py"), "pyproject.toml", "invalid TOML")


def test_missing_config_file(nnlint, write):
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py", "--config", "nope.toml"), "nope.toml")


def test_syntax_error_is_one_finding_and_other_files_are_still_linted(nnlint, write):
    write("broken.py", "import torch\nx = torch.zeros(2).view(2\n")
    write("model.py", VIEW_BUG)
    result = nnlint(".", "--output-format", "json")
    assert result.code == 1
    found = sorted((item["filename"], item["code"]) for item in json.loads(result.stdout))
    assert found == [("broken.py", "NN001"), ("model.py", "NN101")]
    broken = next(item for item in json.loads(result.stdout) if item["code"] == "NN001")
    assert broken["message"] == "syntax error: '(' was never closed"
    assert broken["location"]["row"] == 2


def test_non_utf8_bytes_are_one_finding(nnlint, write):
    write("latin.py", b"import torch\n# caf\xe9\nx = torch.zeros(1).view(1)\n")
    write("model.py", VIEW_BUG)
    result = nnlint(".", "--output-format", "json")
    assert result.code == 1
    items = json.loads(result.stdout)
    latin = next(item for item in items if item["filename"] == "latin.py")
    assert latin["code"] == "NN002" and "utf-8" in latin["message"]
    assert any(item["code"] == "NN101" for item in items)


def test_declared_encoding_is_honoured(nnlint, write):
    write("latin.py", b"# -*- coding: latin-1 -*-\nimport torch\n# caf\xe9\n" + VIEW_BUG.encode())
    result = nnlint("latin.py", "--output-format", "json")
    assert [item["code"] for item in json.loads(result.stdout)] == ["NN101"]


def test_file_that_cannot_be_read_is_one_finding(tmp_path):
    # e.g. deleted between discovery and reading, or no read permission
    selection = Selection(frozenset(catalogue()))
    outcome = lint_file(str(tmp_path / "gone.py"), selection, None, None)
    [diagnostic] = outcome.diagnostics
    assert diagnostic.code == "NN002"
    assert diagnostic.message == "cannot read file: No such file or directory"


def test_report_file_that_cannot_be_written(nnlint, write, tmp_path):
    write("a.py", "x = 1\n")
    (tmp_path / "out").mkdir()  # a directory where the report file should go
    _one_line_error(nnlint("a.py", "--output-file", "out"), "out", "is a directory")


def test_report_file_in_a_missing_directory(nnlint, write):
    write("a.py", "x = 1\n")
    _one_line_error(nnlint("a.py", "--output-file", "no/such/dir/report.txt"), "cannot write no/such/dir/report.txt")


def test_a_crash_on_one_file_names_it_and_the_others_are_still_reported(write, tmp_path, monkeypatch, capsys):
    from nnlint import check_command, runner
    from nnlint.config import Settings

    write("model.py", VIEW_BUG)
    write("weird.py", VIEW_BUG)
    real = runner.lint_data

    def crash_on_weird(path, *args):
        if path.endswith("weird.py"):
            raise ValueError("rule bug")
        return real(path, *args)

    monkeypatch.setattr(runner, "lint_data", crash_on_weird)
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path, output_format="concise")
    status = check_command.run_check(["."], settings, check_command.Options(use_cache=False, quiet=True))
    out, err = capsys.readouterr()
    assert status == 2
    assert out.startswith("model.py:6:12: NN101")
    assert err == "nnlint: internal error while linting weird.py: ValueError: rule bug (please report it)\n"


def test_valid_python_that_libcst_cannot_parse_is_not_called_a_syntax_error(nnlint, write):
    write("odd.py", "import torch\n\n(pars): bool = True\nx = torch.zeros(2).view(2)\n")
    result = nnlint("odd.py", "--output-format", "json")
    assert (result.code, json.loads(result.stdout)) == (0, [])
