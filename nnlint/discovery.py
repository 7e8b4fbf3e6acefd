"""Which files to lint: explicit files always; directories walked for `*.py` and `*.ipynb`, minus excludes and
.gitignore."""

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
        """.gitignore files above the starting directory, up to the repository root.

        A directory named on the command line that they ignore is linted all the same: then they are dropped.
        """
        chain = []
        for parent in [directory, *directory.parents]:
            chain.append(parent)
            if (parent / ".git").exists():
                break
        else:
            chain = [directory]
        for parent in reversed(chain):
            self.enter(parent)
        if self.ignored(directory, True):
            self._specs.clear()


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
    excluded = _Excluder(top, settings.root, exclude)
    for directory, dirnames, filenames in os.walk(top):
        here = Path(directory)
        if settings.respect_gitignore and here != top:
            gitignores.enter(here.resolve())
        dirnames[:] = sorted(
            name
            for name in dirnames
            if not excluded(here / name, True)
            and not (settings.respect_gitignore and gitignores.ignored((here / name).resolve(), True))
        )
        for name in sorted(filenames):
            if not name.endswith((".py", ".ipynb")):  # Python files and Jupyter notebooks
                continue
            path = here / name
            if excluded(path, False):
                continue
            if settings.respect_gitignore and gitignores.ignored(path.resolve(), False):
                continue
            yield path


def force_excluded(path: Path, settings: Settings) -> bool:
    """`--force-exclude`: whether the exclude settings match `path` (relative to the project root), also
    where it was named on the command line, as pre-commit names every staged file."""
    resolved = path.resolve()
    try:
        relative = resolved.relative_to(settings.root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return _spec([*settings.exclude, *settings.extend_exclude]).match_file(relative)


class _Excluder:
    """Exclude patterns, matched below the directory being walked and relative to the project root.

    A directory named on the command line is linted even where it lies inside an excluded one
    (`nnlint .venv/lib/python3.11/site-packages/torch`): then only what lies below it is matched.
    """

    def __init__(self, top: Path, root: Path, spec: pathspec.PathSpec) -> None:
        self.top = top.resolve()
        self.spec = spec
        self.root: Path | None = None
        try:
            top_from_root = self.top.relative_to(root)
        except ValueError:
            return
        if not (top_from_root.parts and spec.match_file(top_from_root.as_posix() + "/")):
            self.root = root

    def __call__(self, path: Path, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        resolved = path.resolve()
        candidates = [resolved.relative_to(self.top).as_posix()]
        if self.root is not None:
            candidates.append(resolved.relative_to(self.root).as_posix())
        return any(self.spec.match_file(candidate + suffix) for candidate in candidates)
