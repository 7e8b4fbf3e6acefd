"""The cache is never trusted blindly and never in the way; static mode never runs the code it checks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import CLAMP_BUG, VIEW_BUG

ARGS = (".", "--output-format", "json")


def _findings(result) -> list[tuple[str, str, int]]:
    return sorted((item["filename"], item["code"], item["location"]["row"]) for item in json.loads(result.stdout))


def _project(write, files: int = 30) -> None:
    for index in range(files):  # enough files for the process pool
        write(f"pkg/model_{index}.py", VIEW_BUG if index % 2 else CLAMP_BUG)
    write("pkg/broken.py", "def f(:\n")


def _cache_file(tmp_path):
    [cache_file] = (tmp_path / ".nnlint_cache").glob("*.json")
    return cache_file


def test_two_processes_on_the_same_tree_at_once_agree(nnlint, write, tmp_path):
    _project(write)
    expected = _findings(nnlint(*ARGS, "--no-cache"))
    command = [sys.executable, "-m", "nnlint", *ARGS]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (stdout, stderr) in zip(runs, outputs):
        assert (run.returncode, stderr) == (1, "")
        assert sorted((i["filename"], i["code"], i["location"]["row"]) for i in json.loads(stdout)) == expected
    assert _findings(nnlint(*ARGS)) == expected  # and the cache they left behind answers the same
    assert [p.name for p in (tmp_path / ".nnlint_cache").iterdir() if p.suffix == ".tmp"] == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated mid-write
        lambda text: "\x00\xff garbage",  # not JSON
        lambda text: json.dumps([1, 2, 3]),  # JSON, but another layout
        lambda text: json.dumps({key: {"hash": 5, "diagnostics": "?"} for key in json.loads(text)}),  # wrong types
        lambda text: json.dumps({key: {**value, "diagnostics": [{"code": "NN101"}]} for key, value in json.loads(text).items()}),
    ],
    ids=["truncated", "garbage", "other-layout", "wrong-types", "damaged-diagnostic"],
)
def test_a_damaged_cache_is_ignored_and_rewritten(nnlint, write, tmp_path, damage):
    _project(write, files=4)
    expected = _findings(nnlint(*ARGS))
    cache_file = _cache_file(tmp_path)
    cache_file.write_text(damage(cache_file.read_text()))
    result = nnlint(*ARGS)
    assert result.stderr == "" and _findings(result) == expected
    rewritten = json.loads(cache_file.read_text())  # a sound cache again, one entry per file
    assert isinstance(rewritten, dict) and len(rewritten) == 5
    assert all(isinstance(entry["hash"], str) for entry in rewritten.values())


def test_a_cache_from_another_version_is_not_read(nnlint, write, tmp_path):
    write("model.py", VIEW_BUG)
    nnlint(*ARGS)
    cache_file = _cache_file(tmp_path)
    entries = json.loads(cache_file.read_text())
    for entry in entries.values():
        entry["diagnostics"] = []  # what an older nnlint, blind to this bug, would have cached
    stale = cache_file.with_name("0.0.1-" + cache_file.name.split("-", 1)[1])
    stale.write_text(json.dumps(entries))
    cache_file.unlink()
    assert [code for _, code, _ in _findings(nnlint(*ARGS))] == ["NN101"]


def test_a_cache_directory_that_cannot_be_written_means_no_cache(nnlint, write, tmp_path):
    # (a read-only directory, run as a non-root user: tests/test_bad_input.py::test_unreadable_file)
    write("model.py", VIEW_BUG)
    (tmp_path / ".nnlint_cache").write_text("not a directory\n")
    for _ in range(2):
        result = nnlint(*ARGS)
        assert (result.code, result.stderr) == (1, "")
        assert [code for _, code, _ in _findings(result)] == ["NN101"]


def test_a_cache_write_cut_short_keeps_the_old_cache_and_leaves_no_temporary_file(write, tmp_path, monkeypatch):
    from nnlint import atomic_write
    from nnlint.cache import Cache
    from nnlint.diagnostic import Diagnostic, Location

    monkeypatch.chdir(tmp_path)
    path = write("model.py", "x = 1\n")
    found = Diagnostic("NN101", "view-as-permute", "message", str(path), Location(1, 1), Location(1, 2))
    cache = Cache(tmp_path, "settings")
    cache.put(path, "hash", [found])
    cache.save()
    before = cache.path.read_bytes()
    assert oct(cache.path.stat().st_mode & 0o777) == "0o600"  # the cache is private to its owner

    def power_cut(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_write.os, "replace", power_cut)
    cache = Cache(tmp_path, "settings")
    cache.put(path, "another hash", [])
    cache.save()  # no error: the next run simply relints
    assert cache.path.read_bytes() == before
    assert sorted(p.name for p in cache.path.parent.iterdir()) == [".gitignore", cache.path.name]
    assert Cache(tmp_path, "settings").lookup(path)[0] == [found]


MARKER_WRITER = """
import pathlib
pathlib.Path(__file__).with_name("IMPORTED").write_text("the linted code ran")
import torch
import torch.nn.functional as F


def forward(x):
    b, c, h, w = x.shape
    return F.softmax(x.view(b, h, w, c))
"""


def test_static_mode_never_imports_the_linted_code(nnlint, write, tmp_path):
    write("sitecustomize.py", MARKER_WRITER)  # even names Python itself would import
    write("train.py", MARKER_WRITER)
    write("pkg/__init__.py", MARKER_WRITER)
    write("conftest.py", MARKER_WRITER)
    assert nnlint(".", "--select", "ALL").code == 1
    assert nnlint(".", "--select", "ALL", "--fix", "--unsafe-fixes").code in (0, 1)
    assert "permute" in (tmp_path / "train.py").read_text()  # it was fixed
    assert list(tmp_path.rglob("IMPORTED")) == []
