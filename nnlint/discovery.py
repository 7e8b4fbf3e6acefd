"""Which files to lint: explicit files always; directories walked for `*.py`, minus excludes and .gitignore."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pathspec

from nnlint.config import Settings


class PathError(Exception):
    """A path given on the command line that does not exist."""


def _spec(patterns) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


class _GitIgnores:
    """The .gitignore files that apply inside a walk, each matched relative to its own directory."""

    def __init__(self) -> None:
        self._specs: list[tuple[Path, pathspec.PathSpec]] = []

    def enter(self, directory: Path) -> None:
        gitignore = directory / ".gitignore"
        if gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            self._specs.append((directory, _spec(lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for base, spec in self._specs:
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(relative + ("/" if is_dir else "")):
                return True
        return False

    def load_parents(self, directory: Path) -> None:
        """.gitignore files above the starting directory, up to the repository root."""
        chain = []
        for parent in [directory, *directory.parents]:
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            chain = [directory]
        for parent in reversed(chain):
            self.enter(parent)


def discover(paths: list[str], settings: Settings) -> Iterator[Path]:
    exclude = _spec([*settings.exclude, *settings.extend_exclude])
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path  # named explicitly: always linted
        elif path.is_dir():
            yield from _walk(path, settings, exclude)
        else:
            raise PathError(f"{raw}: no such file or directory")


def _walk(top: Path, settings: Settings, exclude: pathspec.PathSpec) -> Iterator[Path]:
    gitignores = _GitIgnores()
    if settings.respect_gitignore:
        gitignores.load_parents(top.resolve())
    for directory, dirnames, filenames in os.walk(top):
        here = Path(directory)
        if settings.respect_gitignore and here != top:
            gitignores.enter(here.resolve())
        dirnames[:] = sorted(
            name
            for name in dirnames
            if not _excluded(here / name, True, settings, exclude)
            and not (settings.respect_gitignore and gitignores.ignored((here / name).resolve(), True))
        )
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = here / name
            if _excluded(path, False, settings, exclude):
                continue
            if settings.respect_gitignore and gitignores.ignored(path.resolve(), False):
                continue
            yield path


def _excluded(path: Path, is_dir: bool, settings: Settings, exclude: pathspec.PathSpec) -> bool:
    try:
        relative = path.resolve().relative_to(settings.root).as_posix()
    except ValueError:
        relative = path.as_posix()
    suffix = "/" if is_dir else ""
    return exclude.match_file(relative + suffix) or exclude.match_file(path.name + suffix)
