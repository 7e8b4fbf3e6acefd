"""`--fix`, `--unsafe-fixes` and `--diff`: what is written, what is not, and that a second run is a no-op."""

from __future__ import annotations

from dataclasses import replace

from nnlint.diagnostic import Edit, Fix, Location
from nnlint.engine import Selection, lint_source
from nnlint.fix import apply_fixes
from tests.conftest import VIEW_BUG

FIXED = VIEW_BUG.replace("x.view(b, h, w, c)", "x.permute(0, 2, 3, 1)").lstrip("\n")


def test_unsafe_fix_is_not_applied_without_unsafe_fixes(nnlint, write):
    path = write("model.py", VIEW_BUG)
    before = path.read_bytes()
    result = nnlint("model.py", "--fix")
    assert result.code == 1
    assert path.read_bytes() == before
    assert "1 fixable with `--fix --unsafe-fixes`" in result.stdout


def test_fix_with_unsafe_fixes_rewrites_and_exits_zero(nnlint, write):
    path = write("model.py", VIEW_BUG)
    path.chmod(0o640)
    result = nnlint("model.py", "--fix", "--unsafe-fixes")
    assert result.code == 0, result.stdout
    assert path.read_text() == FIXED
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)  # permissions kept
    assert [p.name for p in path.parent.iterdir() if "nnlint-tmp" in p.name] == []  # no temp file left
    second = nnlint("model.py", "--fix", "--unsafe-fixes")
    assert second.code == 0 and path.read_text() == FIXED


def test_unfixable_config_keeps_the_file(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\nunfixable = ["NN101"]\n')
    path = write("model.py", VIEW_BUG)
    before = path.read_text()
    nnlint("model.py", "--fix", "--unsafe-fixes")
    assert path.read_text() == before


def test_diff_shows_the_change_and_writes_nothing(nnlint, write):
    path = write("model.py", VIEW_BUG)
    before = path.read_bytes()
    result = nnlint("model.py", "--diff", "--unsafe-fixes")
    assert result.code == 1
    assert "-    return x.view(b, h, w, c)\n+    return x.permute(0, 2, 3, 1)\n" in result.stdout
    assert result.stdout.startswith("--- model.py\n+++ model.py\n")
    assert path.read_bytes() == before


def test_fix_keeps_crlf_line_endings(nnlint, write):
    path = write("model.py", VIEW_BUG.lstrip("\n").replace("\n", "\r\n").encode())
    nnlint("model.py", "--fix", "--unsafe-fixes")
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_fix_from_stdin_prints_the_fixed_code(nnlint):
    result = nnlint("-", "--fix", "--unsafe-fixes", "--stdin-filename", "m.py", stdin=VIEW_BUG.lstrip("\n"))
    assert result.code == 0
    assert result.stdout == FIXED


def test_nothing_is_written_without_fix(nnlint, write):
    path = write("model.py", VIEW_BUG)
    stamp = path.stat().st_mtime_ns
    nnlint("model.py", "--unsafe-fixes")
    assert path.stat().st_mtime_ns == stamp


def test_overlapping_edits_wait_for_the_next_round():
    source = "abcdef\n"
    first = Fix("safe", "a", (Edit("X", Location(1, 1), Location(1, 4)),))
    overlapping = Fix("safe", "b", (Edit("Y", Location(1, 3), Location(1, 5)),))
    separate = Fix("safe", "c", (Edit("Z", Location(1, 6), Location(1, 7)),))
    assert apply_fixes(source, [first, overlapping, separate]) == ("XdeZ\n", 2)


def test_a_fix_that_would_not_parse_is_not_written(monkeypatch):
    from nnlint import fix as fix_module

    selection = Selection(frozenset({"NN101"}))
    broken = Fix("unsafe", "break it", (Edit("x.view(", Location(6, 12), Location(6, 30)),))

    def lint_with_a_broken_fix(path, source, selection, project=None):
        return [replace(d, fix=broken) for d in lint_source(path, source, selection)]

    monkeypatch.setattr(fix_module, "lint_source", lint_with_a_broken_fix)
    source = VIEW_BUG.lstrip("\n")
    fixed, remaining, applied = fix_module.fix_source("m.py", source, selection, frozenset({"NN101"}), True)
    assert (fixed, applied, len(remaining)) == (source, 0, 1)
