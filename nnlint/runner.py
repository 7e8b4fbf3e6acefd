"""Lint many files: per-file rule selection, the cache, a process pool for large runs, fixes."""

from __future__ import annotations

import codecs
import io
import os
import tokenize
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from nnlint.cache import Cache, content_hash
from nnlint.project.spec import ProjectSpec
from nnlint import selectors
from nnlint.config import Settings
from nnlint.diagnostic import Diagnostic, Location
from nnlint.engine import Selection, decode, lint_bytes
from nnlint.fix import fix_source
from nnlint.rules import catalogue
from nnlint.rules.engine_codes import UNREADABLE

PARALLEL_FROM = 24  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class FixRequest:
    fixable: frozenset[str]
    unsafe: bool


@dataclass(frozen=True)
class FileOutcome:
    path: str
    diagnostics: list[Diagnostic]
    data_hash: str | None = None
    original: str | None = None  # set when fixes changed the text
    fixed: str | None = None
    encoding: str = "utf-8"
    bom: bool = False
    same_as_cached: bool = False  # touched, but the content hash matches the cache entry
    fixes_applied: int = 0
    crash: str | None = None  # an nnlint bug met on this file: its traceback; the other files go on
    dependencies: dict[str, str] = field(default_factory=dict)  # project summaries used: path -> digest

    @property
    def changed(self) -> bool:
        return self.fixed is not None


@dataclass
class RunResult:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def crashes(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.crash]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        found = [d for outcome in self.outcomes for d in outcome.diagnostics]
        return sorted(found, key=Diagnostic.sort_key)


class Selector:
    """The rules that apply to each file: the enabled codes minus its per-file ignores."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.codes = settings.enabled_codes()
        self.per_file = [
            (pathspec.GitIgnoreSpec.from_lines([glob]), frozenset(selectors.expand(codes, catalogue())))
            for glob, codes in settings.per_file_ignores
        ]

    def for_path(self, path: str) -> Selection:
        codes = self.codes
        if self.per_file:
            try:
                relative = Path(path).resolve().relative_to(self.settings.root).as_posix()
            except ValueError:
                relative = Path(path).as_posix()
            for spec, ignored in self.per_file:
                if spec.match_file(relative):
                    codes = codes - ignored
        return Selection(codes)


def lint_file(
    path: str, selection: Selection, fix: FixRequest | None, known_hash: str | None, project: ProjectSpec | None = None,
) -> FileOutcome:
    """Read, lint and (if asked) fix one file. Runs in worker processes: no shared state but the summaries."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        message = f"cannot read file: {error.strerror or error}"
        start = Location(1, 1)
        diagnostic = Diagnostic(UNREADABLE.code, UNREADABLE.name, message, path, start, start, None, UNREADABLE.url)
        return FileOutcome(path, [diagnostic] if UNREADABLE.code in selection.codes else [])
    data_hash = content_hash(data)
    if known_hash == data_hash and fix is None:
        return FileOutcome(path, [], data_hash=data_hash, same_as_cached=True)
    try:
        view = project.view(path) if project is not None else None
        outcome = lint_data(path, data, selection, fix, data_hash, view)
        return replace(outcome, dependencies=view.used) if view is not None else outcome
    except Exception:  # noqa: BLE001 - one file's crash must not cost the user the whole run
        return FileOutcome(path, [], crash=traceback.format_exc())


def lint_data(
    path: str, data: bytes, selection: Selection, fix: FixRequest | None, data_hash: str, project=None,
) -> FileOutcome:
    diagnostics = lint_bytes(path, data, selection, project)
    if fix is None or not any(d.fix for d in diagnostics):
        return FileOutcome(path, diagnostics, data_hash)
    source = decode(data)
    fixed, remaining, applied = fix_source(path, source, selection, fix.fixable, fix.unsafe, project)
    if fixed == source:
        return FileOutcome(path, remaining, data_hash)
    return FileOutcome(
        path, remaining, data_hash, original=source, fixed=fixed, encoding=_encoding_of(data),
        bom=data.startswith(codecs.BOM_UTF8), fixes_applied=applied,
    )


def _encoding_of(data: bytes) -> str:
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return "utf-8" if encoding == "utf-8-sig" else encoding


def run(
    files: list[Path],
    settings: Settings,
    *,
    fix: FixRequest | None = None,
    use_cache: bool = True,
    on_file_done: Callable[[], None] | None = None,
    roots: list[Path] = (),
) -> RunResult:
    """`roots`: directories named on the command line, searched for imported modules besides `src`."""
    selector = Selector(settings)
    cache = Cache(settings.root, settings.fingerprint()) if use_cache else None
    project = ProjectSpec.of(settings, roots, cached=cache is not None)
    index = project.index()
    index.finder.forget()
    result = RunResult()
    pending: list[tuple[str, Selection, str | None]] = []
    for path in files:
        cached = cache.get(path) if cache is not None and fix is None else None
        if cached is not None and not index.unchanged(cache.dependencies_of(path)):
            cached = None  # a summary it used changed (an imported model, a helper): lint again
            pending.append((str(path), selector.for_path(str(path)), None))
            continue
        if cached is not None:
            result.outcomes.append(FileOutcome(str(path), cached))
            _tick(on_file_done)
            continue
        known_hash = cache.hash_of(path) if cache is not None else None
        pending.append((str(path), selector.for_path(str(path)), known_hash))

    for outcome in _lint_all(pending, fix, on_file_done, project):
        if outcome.same_as_cached:
            cached = cache.get(Path(outcome.path), outcome.data_hash) if cache is not None else None
            dependencies = cache.dependencies_of(Path(outcome.path)) if cache is not None else {}
            outcome = FileOutcome(outcome.path, cached or [], outcome.data_hash, dependencies=dependencies)
        if cache is not None and outcome.data_hash is not None and not outcome.changed and not outcome.crash:
            cache.put(Path(outcome.path), outcome.data_hash, outcome.diagnostics, outcome.dependencies)
        result.outcomes.append(outcome)
    if cache is not None:
        cache.save()
    return result


def _lint_all(pending, fix, on_file_done, project):
    if len(pending) < PARALLEL_FROM:
        for path, selection, known_hash in pending:
            yield lint_file(path, selection, fix, known_hash, project)
            _tick(on_file_done)
        return
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunk = max(1, len(pending) // (workers * 8))
        paths, selections, hashes = zip(*pending)
        projects = [project] * len(pending)
        for outcome in pool.map(lint_file, paths, selections, [fix] * len(pending), hashes, projects, chunksize=chunk):
            yield outcome
            _tick(on_file_done)


def _tick(callback) -> None:
    if callback is not None:
        callback()

