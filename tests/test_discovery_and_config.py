"""Which files are linted and which settings apply: .gitignore, excludes, config files, CLI overrides."""

from __future__ import annotations

import json
import os
from pathlib import Path

from nnlint.config import Settings
from nnlint.discovery import discover
from tests.conftest import CLAMP_BUG, VIEW_BUG


def _files(result) -> list[str]:
    return sorted({item["filename"] for item in json.loads(result.stdout)})


def test_gitignore_and_default_excludes(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "generated/\n*_pb2.py\n")
    write("src/model.py", VIEW_BUG)
    write("src/api_pb2.py", VIEW_BUG)
    write("generated/model.py", VIEW_BUG)
    write(".venv/lib/site.py", VIEW_BUG)
    write("build/lib/model.py", VIEW_BUG)
    write("node_modules/x/model.py", VIEW_BUG)
    write("src/__pycache__/model.py", VIEW_BUG)
    assert _files(nnlint(".", "--output-format", "json")) == ["src/model.py"]


def test_nested_gitignore(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write("pkg/.gitignore", "scratch.py\n")
    write("pkg/scratch.py", VIEW_BUG)
    write("pkg/model.py", VIEW_BUG)
    write("scratch.py", VIEW_BUG)
    assert _files(nnlint(".", "--output-format", "json")) == ["pkg/model.py", "scratch.py"]


def test_respect_gitignore_false(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "ignored.py\n")
    write("nnlint.toml", "respect-gitignore = false\n")
    write("ignored.py", VIEW_BUG)
    assert _files(nnlint(".", "--output-format", "json")) == ["ignored.py"]


def test_explicit_file_is_always_linted(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "ignored.py\n")
    write("pyproject.toml", '[tool.nnlint]\nextend-exclude = ["ignored.py"]\n')
    write("ignored.py", VIEW_BUG)
    assert _files(nnlint("ignored.py", "--output-format", "json")) == ["ignored.py"]


def test_exclude_and_extend_exclude(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\nextend-exclude = ["legacy/", "*_old.py"]\n')
    write("legacy/model.py", VIEW_BUG)
    write("model_old.py", VIEW_BUG)
    write("model.py", VIEW_BUG)
    assert _files(nnlint(".", "--output-format", "json")) == ["model.py"]


def test_config_select_and_cli_override(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\nselect = ["NN2"]\noutput-format = "json"\n')
    write("model.py", VIEW_BUG)
    write("train.py", CLAMP_BUG)
    assert [i["code"] for i in json.loads(nnlint(".").stdout)] == ["NN205"]
    assert [i["code"] for i in json.loads(nnlint(".", "--select", "NN1").stdout)] == ["NN101"]


def test_per_file_ignores(nnlint, write):
    write("pyproject.toml", '[tool.nnlint]\nper-file-ignores = {"tests/*" = ["NN1"], "legacy.py" = ["NN205"]}\n')
    write("tests/test_model.py", VIEW_BUG)
    write("legacy.py", CLAMP_BUG)
    write("model.py", VIEW_BUG)
    assert _files(nnlint(".", "--output-format", "json")) == ["model.py"]


def test_config_is_found_from_a_subdirectory(nnlint, write, tmp_path):
    write("pyproject.toml", '[tool.nnlint]\nignore = ["NN101"]\n')
    write("src/pkg/model.py", VIEW_BUG)
    result = nnlint("pkg/model.py", cwd=tmp_path / "src")
    assert result.code == 0


def test_pyproject_without_nnlint_table_is_skipped(nnlint, write, tmp_path):
    write("nnlint.toml", 'ignore = ["NN101"]\n')
    write("sub/pyproject.toml", "[project]\nname = 'x'\n")
    write("sub/model.py", VIEW_BUG)
    assert nnlint("sub/model.py").code == 0


def test_explicit_config_file(nnlint, write):
    write("ci/nnlint.toml", 'ignore = ["NN101"]\n')
    write("model.py", VIEW_BUG)
    assert nnlint("model.py", "--config", "ci/nnlint.toml").code == 0
    assert nnlint("model.py").code == 1


def test_cache_is_reused_and_invalidated(nnlint, write, tmp_path):
    path = write("model.py", VIEW_BUG)
    first = nnlint("model.py", "--output-format", "json")
    [cache_file] = (tmp_path / ".nnlint_cache").glob("*.json")
    entries = json.loads(cache_file.read_text())
    assert entries[str(path.resolve())]["diagnostics"] == json.loads(first.stdout)
    # mark the cached finding: an unchanged file is answered from the cache, not re-linted
    entries[str(path.resolve())]["diagnostics"][0]["message"] = "from the cache"
    cache_file.write_text(json.dumps(entries))
    [again] = json.loads(nnlint("model.py", "--output-format", "json").stdout)
    assert again["message"] == "from the cache"
    path.write_text(VIEW_BUG.replace("x.view(b, h, w, c)", "x.view(b, -1)"))
    assert json.loads(nnlint("model.py", "--output-format", "json").stdout) == []
    changed_settings = nnlint("model.py", "--select", "NN205", "--output-format", "json")
    assert json.loads(changed_settings.stdout) == []


def test_no_cache_writes_nothing(nnlint, write, tmp_path):
    write("model.py", VIEW_BUG)
    nnlint("model.py", "--no-cache")
    assert not (tmp_path / ".nnlint_cache").exists()


def test_a_named_directory_inside_an_ignored_one_is_walked(nnlint, write, tmp_path):
    (tmp_path / ".git").mkdir()
    write(".gitignore", "vendor/\n")
    write("vendor/lib/site-packages/pkg/model.py", VIEW_BUG)
    write("vendor/lib/site-packages/pkg/__pycache__/model.py", VIEW_BUG)
    assert _files(nnlint("vendor/lib/site-packages/pkg", "--output-format", "json")) == [
        "vendor/lib/site-packages/pkg/model.py"
    ]


def test_the_walk_takes_every_kind_of_entry_as_before(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("b.py", "")
    write("a/z.py", "")
    write("a/b/c.py", "")
    write("a/notes.txt", "")
    write("folder.py/inside.py", "")  # a folder named like a module is walked
    write("elsewhere/real.py", "")
    (tmp_path / "a" / "link.py").symlink_to("../b.py")  # a link to a file is linted
    (tmp_path / "a" / "linked_folder").symlink_to("../elsewhere")  # a link to a folder is not followed
    (tmp_path / "dangling.py").symlink_to("moved_away.py")  # kept: reading it reports why
    (tmp_path / "loop1.py").symlink_to("loop2.py")
    (tmp_path / "loop2.py").symlink_to("loop1.py")
    os.mkfifo(tmp_path / "pipe.py")  # skipped: reading it could block
    write("build/skipped.py", "")
    found = [path.as_posix() for path in discover(["."], Settings(root=tmp_path))]
    assert found == [
        "b.py", "dangling.py", "loop1.py", "loop2.py",
        "a/link.py", "a/z.py", "a/b/c.py", "elsewhere/real.py", "folder.py/inside.py",
    ]
    assert all(isinstance(path, Path) for path in discover(["a"], Settings(root=tmp_path)))
