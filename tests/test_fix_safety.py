"""`--fix` never loses code: atomic writes, the file's own bytes conventions kept, read-only files refused,
and over generated training programs the fixed code parses and a second `--fix` changes nothing."""

from __future__ import annotations

import libcst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlint import atomic_write, check_command
from nnlint.config import Settings
from nnlint.engine import Selection
from nnlint.fix import fix_source
from nnlint.python_syntax import python_error
from nnlint.rules import catalogue
from tests.conftest import VIEW_BUG
from tests.training_programs import training_programs

FIXED = VIEW_BUG.replace("x.view(b, h, w, c)", "x.permute(0, 2, 3, 1)").lstrip("\n")
EVERYTHING = Selection(frozenset(catalogue()))


def _fix_in_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = check_command.Options(fix=True, unsafe_fixes=True, use_cache=False, quiet=True)
    return check_command.run_check(["."], Settings(root=tmp_path, output_format="concise"), options)


def _leftovers(directory) -> list[str]:
    return [path.name for path in directory.iterdir() if "nnlint-tmp" in path.name]


def test_a_failure_between_write_and_rename_keeps_the_original_and_no_temp_file(write, tmp_path, monkeypatch, capsys):
    path = write("model.py", VIEW_BUG)
    before = path.read_bytes()

    def power_cut(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_write.os, "replace", power_cut)
    status = _fix_in_process(tmp_path, monkeypatch)
    out, err = capsys.readouterr()
    assert status == 2
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert err == "nnlint: error: cannot write the fixes to model.py: No space left on device\n"
    assert out.startswith("model.py:6:12: NN101")  # the finding still stands: nothing was fixed


def test_an_interrupt_while_writing_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "model.py"
    path.write_text("x = 1\n")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write.write_atomically(path, b"x = 2\n")
    assert path.read_text() == "x = 1\n" and _leftovers(tmp_path) == []


def test_a_read_only_file_is_one_error_and_is_not_written(nnlint, write, tmp_path):
    path = write("model.py", VIEW_BUG)
    other = write("other.py", VIEW_BUG)
    path.chmod(0o444)
    before = path.read_bytes()
    result = nnlint(".", "--fix", "--unsafe-fixes", "--no-cache", "--output-format", "concise")
    assert result.code == 2
    assert result.stderr == "nnlint: error: cannot write the fixes to model.py: the file is read-only\n"
    assert path.read_bytes() == before and oct(path.stat().st_mode & 0o777) == "0o444"
    assert other.read_text() == FIXED  # the other file is fixed all the same
    assert result.stdout.splitlines()[0].startswith("model.py:6:12: NN101")
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("label", "original", "fixed"),
    [
        ("BOM", b"\xef\xbb\xbf" + VIEW_BUG.lstrip("\n").encode(), b"\xef\xbb\xbf" + FIXED.encode()),
        ("latin-1 cookie", ("# -*- coding: latin-1 -*-\n# café\n" + VIEW_BUG.lstrip("\n")).encode("latin-1"),
         ("# -*- coding: latin-1 -*-\n# café\n" + FIXED).encode("latin-1")),
        ("CRLF", VIEW_BUG.lstrip("\n").replace("\n", "\r\n").encode(), FIXED.replace("\n", "\r\n").encode()),
        ("mixed endings", VIEW_BUG.lstrip("\n").replace("\n", "\r\n", 3).encode(), FIXED.replace("\n", "\r\n", 3).encode()),
        ("no final newline", VIEW_BUG.lstrip("\n").rstrip("\n").encode(), FIXED.rstrip("\n").encode()),
    ],
)
def test_fix_keeps_the_files_conventions(nnlint, write, label, original, fixed):
    path = write("model.py", original)
    path.chmod(0o751)
    result = nnlint("model.py", "--fix", "--unsafe-fixes", "--no-cache")
    assert (result.code, result.stderr) == (0, "")
    assert path.read_bytes() == fixed
    assert oct(path.stat().st_mode & 0o777) == "0o751"


def _fix(source: str) -> tuple[str, int]:
    fixed, _, applied = fix_source("train.py", source, EVERYTHING, frozenset(catalogue()), True)
    return fixed, applied


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(training_programs(), st.sampled_from(["\n", "\r\n"]))
def test_fixed_training_programs_parse_and_a_second_fix_changes_nothing(program, newline):
    source = program.replace("\n", newline)
    assert python_error(source) is None  # the generator writes valid Python
    fixed, applied = _fix(source)
    if "F.cross_entropy(F.softmax(logits, dim=1), y)" in source:  # NN201's fix: the programs do get fixed
        assert applied >= 1 and "F.cross_entropy(logits, y)" in fixed
    assert python_error(fixed) is None
    libcst.parse_module(fixed)
    assert fixed.count("\n") == fixed.count(newline)  # line endings kept, never mixed in
    again, applied = _fix(fixed)
    assert (again, applied) == (fixed, 0)

