"""The bad-input table: each odd file or path gives one clear line and the right exit code, never a traceback.

Exit codes: 0 clean, 1 a finding (NN001 Python rejects the file, NN002 it cannot be read or decoded),
2 a path or configuration nnlint cannot use (config rows: tests/test_errors.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import VIEW_BUG

DEEP_PARENS = "import torch\nx = " + "(" * 2000 + "1" + ")" * 2000 + "\n"

# (file name, bytes, the one concise line expected, exit code); a finding's line is "name:row:col: CODE message"
FILES = [
    ("alone.py", b"def f(:\n", "alone.py:1:7: NN001 syntax error: invalid syntax", 1),
    ("deep.py", DEEP_PARENS.encode(), "deep.py:2:205: NN001 syntax error: too many nested parentheses", 1),
    # the same with a rule's trigger in it, so that libcst would be asked to parse it (it crashes on this)
    ("deep_view.py", (DEEP_PARENS + "y = x.view(1)\n").encode(),
     "deep_view.py:2:205: NN001 syntax error: too many nested parentheses", 1),
    ("empty.py", b"", None, 0),
    ("comments.py", b"# only a comment\n# and another\n", None, 0),
    ("py2.py", b"import torch\nprint 'hello'\n",
     "py2.py:2:1: NN001 syntax error: Missing parentheses in call to 'print'. Did you mean print(...)?", 1),
    ("nul.py", b"import torch\nx = 1\0\n", "nul.py:2:6: NN001 syntax error: source code cannot contain null bytes", 1),
    ("latin.py", b"import torch\n# caf\xe9\n",
     "latin.py:1:1: NN002 cannot decode file: not valid utf-8 (byte 0xe9 at offset 18)", 1),
    ("wide.py", "import torch\nx = 1\n".encode("utf-16"),
     "wide.py:1:1: NN002 cannot decode file: it is UTF-16 text (byte-order mark); Python source must be UTF-8", 1),
    ("klingon.py", b"# -*- coding: klingon -*-\nx = 1\n", "klingon.py:1:1: NN002 cannot decode file: unknown encoding: klingon", 1),
    ("ascii.py", b"# -*- coding: ascii -*-\nx = 'caf\xc3\xa9'\n",
     "ascii.py:1:1: NN002 cannot decode file: not valid ascii (byte 0xc3 at offset 32)", 1),
    ("crlf.py", VIEW_BUG.lstrip("\n").replace("\n", "\r\n").encode(),
     "crlf.py:6:12: NN101 `view` reorders dims (b, c, h, w) -> (b, h, w, c); this mixes data — use "
     "`permute(0, 2, 3, 1)`", 1),
    ("mixed.py", b"import torch\r\n\n\r\ndef forward(x):\r    b, c, h, w = x.shape\n    return x.view(b, h, w, c)\r\n",
     "mixed.py:6:12: NN101 `view` reorders dims (b, c, h, w) -> (b, h, w, c); this mixes data — use "
     "`permute(0, 2, 3, 1)`", 1),
    ("tabs.py", b"if True:\n\tx = 1\n        y = 2\n", "tabs.py:3:1: NN001 syntax error: inconsistent use of tabs and spaces in indentation", 1),
    ("outside.py", b"import torch\nreturn torch.ones(1)\n", "outside.py:2:1: NN001 syntax error: 'return' outside function", 1),
]


def _lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line and not line.startswith(("Found", "All checks"))]


@pytest.mark.parametrize(("name", "data", "expected", "code"), FILES, ids=[row[0] for row in FILES])
def test_odd_file(nnlint, write, name, data, expected, code):
    write(name, data)
    result = nnlint(name, "--output-format", "concise", "--no-cache")
    assert (result.code, result.stderr) == (code, "")
    assert _lines(result) == ([expected] if expected else [])
    if expected is None:
        assert result.stdout == "All checks passed!\n"


def test_a_file_python_rejects_is_reported_when_no_rule_could_match_it(nnlint, write):
    write("plain.py", "def f(:\n    return 1\n")  # no rule's trigger anywhere: still checked
    result = nnlint(".", "--output-format", "concise", "--no-cache")
    assert result.code == 1 and "Traceback" not in result.stderr
    assert _lines(result) == ["plain.py:1:7: NN001 syntax error: invalid syntax"]


def test_syntax_errors_are_not_reported_when_nn001_is_ignored(nnlint, write):
    write("deep.py", DEEP_PARENS + "y = x.view(1)\n")
    result = nnlint("deep.py", "--ignore", "NN001", "--no-cache")
    assert (result.code, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def _one_line_error(result, message: str) -> None:
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == f"nnlint: error: {message}\n"


def test_missing_path(nnlint):
    _one_line_error(nnlint("train.py"), "train.py: no such file or directory")


def test_fifo_named_on_the_command_line(nnlint, tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    _one_line_error(nnlint("pipe.py"), "pipe.py: not a regular file (a FIFO)")


def test_fifo_inside_a_tree_is_skipped_without_blocking(nnlint, write, tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    write("model.py", VIEW_BUG)
    result = nnlint(".", "--output-format", "concise", "--no-cache")
    assert result.code == 1
    assert [line.split(":")[0] for line in _lines(result)] == ["model.py"]


def test_dangling_symlink_named_on_the_command_line(nnlint, tmp_path):
    (tmp_path / "train.py").symlink_to("moved_away.py")
    _one_line_error(nnlint("train.py"), "train.py: dangling symlink (it points to moved_away.py, which does not exist)")


def test_dangling_symlink_inside_a_tree_is_one_finding(nnlint, write, tmp_path):
    (tmp_path / "train.py").symlink_to("moved_away.py")
    result = nnlint(".", "--output-format", "concise", "--no-cache")
    assert result.code == 1 and result.stderr == ""
    assert _lines(result) == ["train.py:1:1: NN002 cannot read file: dangling symlink (it points to moved_away.py)"]


def test_symlink_loop_named_on_the_command_line(nnlint, tmp_path):
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    _one_line_error(nnlint("a.py"), "a.py: symlink loop")


def test_directory_symlink_loop_is_walked_once(nnlint, write, tmp_path):
    write("pkg/model.py", VIEW_BUG)
    (tmp_path / "pkg" / "again").symlink_to("..")  # pkg/again -> the project: a loop if followed
    (tmp_path / "pkg" / "self").symlink_to(".")
    result = nnlint(".", "--output-format", "concise", "--no-cache")
    assert result.code == 1 and result.stderr == ""
    assert [line.split(":")[0] for line in _lines(result)] == ["pkg/model.py"]


def _run_as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, "-m", "nnlint", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is needed to drop to a non-root user")
def test_unreadable_file(write):
    project = Path(tempfile.mkdtemp(prefix="nnlint-perm-"))  # pytest's tmp dirs are private to their owner
    try:
        project.chmod(0o755)
        secret = project / "secret.py"
        secret.write_text("import torch\n")
        secret.chmod(0o000)
        if os.geteuid() != 0:
            result = subprocess.run([sys.executable, "-m", "nnlint", "secret.py", "--output-format", "concise"],
                                    cwd=project, capture_output=True, text=True, timeout=120)
        elif _run_as_nobody("--version", cwd=project).returncode != 0:
            pytest.skip("the user `nobody` cannot run this Python (its files are not readable by others)")
        else:
            result = _run_as_nobody("secret.py", "--output-format", "concise", cwd=project)
        assert (result.returncode, result.stderr) == (1, "")  # and no cache written: the directory is read-only
        assert result.stdout.splitlines()[0] == "secret.py:1:1: NN002 cannot read file: Permission denied"
    finally:
        shutil.rmtree(project)


def test_closed_stdout_is_one_line_and_exit_2_unless_findings_go_to_a_file(write, tmp_path):
    write("model.py", VIEW_BUG)
    closed = subprocess.run([sys.executable, "-m", "nnlint", "model.py"], cwd=tmp_path, text=True, timeout=120,
                            env={**os.environ, "NNLINT_NO_DAEMON": "1"}, stderr=subprocess.PIPE,
                            preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2
    assert closed.stderr == ("nnlint: error: standard output is closed: nowhere to print the findings "
                             "(--output-file FILE writes them to a file)\n")
    to_file = subprocess.run([sys.executable, "-m", "nnlint", "model.py", "-o", "report.txt"], cwd=tmp_path,
                             text=True, timeout=120, env={**os.environ, "NNLINT_NO_DAEMON": "1"},
                             stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert (to_file.returncode, to_file.stderr) == (1, "")
    assert "model.py:6:12: NN101" in (tmp_path / "report.txt").read_text()


def test_closed_stdin_with_dash_is_one_line_and_exit_2(tmp_path):
    closed = subprocess.run([sys.executable, "-m", "nnlint", "-", "--stdin-filename", "x.py"], cwd=tmp_path,
                            text=True, timeout=120, env={**os.environ, "NNLINT_NO_DAEMON": "1"},
                            capture_output=True, preexec_fn=lambda: os.close(0))
    assert (closed.returncode, closed.stdout) == (2, "")
    assert closed.stderr == "nnlint: error: standard input is closed: there is no code to read from `-`\n"
