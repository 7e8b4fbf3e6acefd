"""Which files to lint: explicit files always; directories walked for `*.py` and `*.ipynb`, minus excludes and
.gitignore."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pathspec

from nnlint.config import Settings


class PathError(Exception):
    """A path given on the command line that cannot be linted: missing, dangling, a loop, not a file."""


def _spec(patterns) -> _Spec:
    return _Spec(pathspec.GitIgnoreSpec.from_lines(patterns))


# How pathspec spells a pattern without a slash (`build`, `*.egg-info`): the name at any depth, a file or a folder
_ANY_DEPTH = "^(?:.+/)?"
_FILE_OR_FOLDER = ("(?:(?:/)|$)", "(?:(?:/).*)?$")  # pathspec 1.x, 0.12


class _Spec:
    """A gitignore spec, asked with one regular expression where no pattern negates (`!keep`).

    pathspec tries each pattern in turn in Python code to rank matches; without negation any match means
    "matched", and the walk asks once per file.
    """

    def __init__(self, spec: pathspec.PathSpec) -> None:
        self.spec = spec
        self._any: re.Pattern[str] | None = None
        self._never = False
        patterns = [pattern for pattern in spec.patterns if pattern.include is not None]
        if any(pattern.include is not True for pattern in patterns):
            return  # a negation: the last matching pattern decides, pathspec's own ranking is needed
        expressions = [pattern.regex for pattern in patterns]
        if not expressions:
            self._never = True
        elif all(isinstance(regex, re.Pattern) and isinstance(regex.pattern, str) for regex in expressions) and (
            len({regex.flags for regex in expressions}) == 1
        ):
            sources = [regex.pattern.replace("(?P<ps_d>", "(?:") for regex in expressions]
            try:
                self._any = re.compile(_joined(sources), expressions[0].flags)
            except re.error:  # a shape _joined() misread: the plain alternation is always sound
                self._any = re.compile("|".join(f"(?:{source})" for source in sources), expressions[0].flags)

    def match_file(self, path: str) -> bool:
        return self.match_normalized(pathspec.util.normalize_file(path))

    def match_normalized(self, path: str) -> bool:
        """`path` already relative, with forward slashes and no leading `./` (as the walk builds them)."""
        if self._never:
            return False
        if self._any is None:
            return self.spec.match_file(path)
        return self._any.search(path) is not None


def _joined(sources: list[str]) -> str:
    """One alternation of `sources`, where those that match a name at any depth share one branch,
    `^(?:.+/)?(?:\\.git|build|...)(?:/|$)`: one pass over the path for all of them, rather than a pass each
    that tries every `/` in it (the default excludes are all of this kind)."""
    alone, shared = [], {suffix: [] for suffix in _FILE_OR_FOLDER}
    for source in sources:
        suffix = next((s for s in _FILE_OR_FOLDER if source.startswith(_ANY_DEPTH) and source.endswith(s)), None)
        name = source[len(_ANY_DEPTH):-len(suffix)] if suffix is not None else ""
        if suffix is None or len(source) < len(_ANY_DEPTH) + len(suffix) or "|" in name:
            alone.append(source)  # ("|" in the name: kept whole, to be sure no alternation is split)
        else:
            shared[suffix].append(name)
    branches = alone + [f"{_ANY_DEPTH}(?:{'|'.join(names)}){suffix}" for suffix, names in shared.items() if names]
    return "|".join(f"(?:{branch})" for branch in branches)


class _GitIgnores:
    """The .gitignore files that apply inside a walk, each matched relative to its own directory."""

    def __init__(self) -> None:
        self._specs: list[tuple[Path, _Spec]] = []

    def enter(self, directory: Path) -> None:
        gitignore = directory / ".gitignore"
        if gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            self._specs.append((directory, _spec(lines)))

    def active(self) -> bool:
        return bool(self._specs)

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
        mode = _mode_of(raw)
        if stat.S_ISREG(mode):
            yield path  # named explicitly: always linted
        elif stat.S_ISDIR(mode):
            yield from _walk(path, settings, exclude)
        else:
            raise PathError(f"{raw}: not a regular file ({_kind_name(mode)})")


def _mode_of(raw: str) -> int:
    """The file type of a path named on the command line; a PathError that says why it has none."""
    try:
        return os.stat(raw).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PathError(f"{raw}: symlink loop") from None
        if error.errno == errno.ENOENT and os.path.islink(raw):
            raise PathError(f"{raw}: dangling symlink (it points to {os.readlink(raw)}, which does not exist)") from None
        if error.errno == errno.ENOENT:
            raise PathError(f"{raw}: no such file or directory") from None
        raise PathError(f"{raw}: {error.strerror}") from None


def _kind_name(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file or directory"


def _is_regular_or_broken(entry: os.DirEntry) -> bool:
    """A FIFO or socket named *.py in a tree is skipped (reading it could block); a broken link is kept so
    that reading it reports why. The directory listing knows the type of all but links: no stat for them."""
    try:
        if not entry.is_symlink():
            return entry.is_file(follow_symlinks=False)
        return stat.S_ISREG(os.stat(entry.path).st_mode)
    except OSError:
        return True


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:  # gone since the listing, as os.path.islink() answers
        return False


def _listing(directory: Path) -> tuple[list[os.DirEntry], list[os.DirEntry]] | None:
    """(folders, everything else) in `directory`, as os.walk divides them (a link to a folder is a folder);
    None where it cannot be read, which os.walk skips too."""
    folders, others = [], []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                (folders if is_dir else others).append(entry)
    except OSError:
        return None
    return folders, others


def _walk(top: Path, settings: Settings, exclude: _Spec) -> Iterator[Path]:
    """Top-down, depth first, each folder's files before its subfolders, names sorted (os.walk's order), on
    os.scandir's entries: their types come with the listing, where os.walk would leave a stat per file."""
    gitignores = _GitIgnores()
    if settings.respect_gitignore:
        gitignores.load_parents(top.resolve())
    excluded = _Excluder(top, settings.root, exclude)
    pending = [top]
    while pending:
        here = pending.pop()
        listing = _listing(here)
        if listing is None:
            continue
        folders, others = listing
        # resolved once per directory: links below it are never followed, so its entries need no resolve()
        resolved_here = here.resolve() if settings.respect_gitignore else here
        if settings.respect_gitignore and here != top:
            gitignores.enter(resolved_here)
        below = here.relative_to(top).as_posix()  # matched as strings: pathlib costs more than the match
        prefix = "" if below == "." else below + "/"
        check_gitignore = settings.respect_gitignore and gitignores.active()
        subfolders = sorted(
            entry.name
            for entry in folders
            if not _is_link(entry)  # never followed (os.walk's default): no loops
            and not excluded(prefix + entry.name, True)
            and not (check_gitignore and gitignores.ignored(resolved_here / entry.name, True))
        )
        for entry in sorted(others, key=lambda entry: entry.name):
            name = entry.name
            if not name.endswith((".py", ".ipynb")):  # Python files and Jupyter notebooks
                continue
            if excluded(prefix + name, False):
                continue
            if check_gitignore and gitignores.ignored(resolved_here / name, False):
                continue
            if not _is_regular_or_broken(entry):
                continue
            yield here / name
        pending.extend(here / name for name in reversed(subfolders))


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

    def __init__(self, top: Path, root: Path, spec: _Spec) -> None:
        self.top = top  # as walked: every path met lies below it by name (a symlink's target may not)
        self.spec = spec
        self.top_from_root: Path | None = None
        self.root_prefix: str | None = None
        try:
            top_from_root = top.resolve().relative_to(root)
        except ValueError:
            return
        if not (top_from_root.parts and spec.match_file(top_from_root.as_posix() + "/")):
            self.top_from_root = top_from_root
        # what joins a path below the top to make it relative to the root
        self.root_prefix = None if self.top_from_root is None else (
            "" if not self.top_from_root.parts else self.top_from_root.as_posix() + "/")

    def __call__(self, below_top: str, is_dir: bool) -> bool:
        """`below_top`: the path relative to the walked directory, with forward slashes."""
        suffix = "/" if is_dir else ""
        if self.spec.match_normalized(below_top + suffix):
            return True
        if not self.root_prefix:  # None: the top is outside the root; "": the top is the root, asked just now
            return False
        return self.spec.match_normalized(self.root_prefix + below_top + suffix)
