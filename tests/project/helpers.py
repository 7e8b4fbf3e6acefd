"""Write a small project into a folder and lint it the way `nnlint <dir>` does (in this process)."""

from __future__ import annotations

import os
import textwrap
from contextlib import contextmanager
from pathlib import Path

from nnlint.config import Settings
from nnlint.discovery import discover
from nnlint.runner import run


def write_project(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@contextmanager
def working_directory(path: Path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def lint(root: Path, *targets: str, codes=("ALL",), use_cache=False, settings: Settings | None = None):
    """[(file, row, code, message)] for `nnlint TARGETS --select CODES` run from `root`."""
    settings = settings or Settings(select=tuple(codes), root=root.resolve())
    with working_directory(root):
        paths = list(targets) or ["."]
        files = list(discover(paths, settings))
        roots = [Path(p) for p in paths if Path(p).is_dir()]
        result = run(files, settings, use_cache=use_cache, roots=roots)
        assert not result.crashes, result.crashes[0].crash
        return [
            (Path(d.filename).as_posix(), d.location.row, d.code, d.message)
            for d in result.diagnostics
            if d.code != "NN501"  # the ImageNet milestones of the examples are not what these tests are about
        ]


def codes_by_file(found) -> set[tuple[str, int, str]]:
    return {(file, row, code) for file, row, code, _ in found}
