"""Lint many files: per-file rule selection, the cache, a process pool for large runs, fixes."""

from __future__ import annotations

import codecs
import io
import os
import tokenize
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from nnlint.cache import Cache, content_hash
from nnlint import selectors
from nnlint.config import Settings
from nnlint.diagnostic import Diagnostic, Location
from nnlint.rules import catalogue
from nnlint.rules.engine_codes import UNREADABLE
from nnlint.selection import Selection

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


def lint_file(path: str, selection: Selection, fix: FixRequest | None, known_hash: str | None) -> FileOutcome:
    """Read, lint and (if asked) fix one file. Runs in worker processes: no shared state."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        if os.path.islink(path) and not os.path.exists(path):
            reason = f"dangling symlink (it points to {os.readlink(path)})"
        message = f"cannot read file: {reason}"
        start = Location(1, 1)
        diagnostic = Diagnostic(UNREADABLE.code, UNREADABLE.name, message, path, start, start, None, UNREADABLE.url)
        return FileOutcome(path, [diagnostic] if UNREADABLE.code in selection.codes else [])
    data_hash = content_hash(data)
    if known_hash == data_hash and fix is None:
        return FileOutcome(path, [], data_hash=data_hash, same_as_cached=True)
    try:
        return lint_data(path, data, selection, fix, data_hash)
    except Exception:  # noqa: BLE001 - one file's crash must not cost the user the whole run
        return FileOutcome(path, [], crash=traceback.format_exc())


def lint_data(path: str, data: bytes, selection: Selection, fix: FixRequest | None, data_hash: str) -> FileOutcome:
    # imported here, not at the top: a run answered from the cache never loads libcst or a rule
    from nnlint.engine import decode, lint_bytes
    from nnlint.fix import fix_source

    diagnostics = lint_bytes(path, data, selection)
    if fix is None or not any(d.fix for d in diagnostics):
        return FileOutcome(path, diagnostics, data_hash)
    source = decode(data)
    fixed, remaining, applied = fix_source(path, source, selection, fix.fixable, fix.unsafe)
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
) -> RunResult:
    selector = Selector(settings)
    cache = Cache(settings.root, settings.fingerprint()) if use_cache else None
    result = RunResult()
    pending: list[tuple[str, Selection, str | None]] = []
    for path in files:
        cached = cache.get(path) if cache is not None and fix is None else None
        if cached is not None:
            result.outcomes.append(FileOutcome(str(path), cached))
            _tick(on_file_done)
            continue
        known_hash = cache.hash_of(path) if cache is not None else None
        pending.append((str(path), selector.for_path(str(path)), known_hash))

    for outcome in _lint_all(pending, fix, on_file_done):
        if outcome.same_as_cached:
            cached = cache.get(Path(outcome.path), outcome.data_hash) if cache is not None else None
            if cached is None:  # the entry's hash matched but its findings are damaged: lint it after all
                outcome = lint_file(outcome.path, selector.for_path(outcome.path), fix, None)
            else:
                outcome = FileOutcome(outcome.path, cached, outcome.data_hash)
        if cache is not None and outcome.data_hash is not None and not outcome.changed and not outcome.crash:
            cache.put(Path(outcome.path), outcome.data_hash, outcome.diagnostics)
        result.outcomes.append(outcome)
    if cache is not None:
        cache.save()
    return result


def _lint_all(pending, fix, on_file_done):
    if len(pending) < PARALLEL_FROM:
        for path, selection, known_hash in pending:
            yield lint_file(path, selection, fix, known_hash)
            _tick(on_file_done)
        return
    from concurrent.futures import ProcessPoolExecutor  # only for large runs: multiprocessing is slow to import

    import nnlint.engine  # noqa: F401 - loaded once here, so forked workers inherit libcst and the rules
    import nnlint.fix  # noqa: F401
    from nnlint.rules import static_rules

    static_rules()
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunk = max(1, len(pending) // (workers * 8))
        paths, selections, hashes = zip(*pending)
        for outcome in pool.map(lint_file, paths, selections, [fix] * len(pending), hashes, chunksize=chunk):
            yield outcome
            _tick(on_file_done)


def _tick(callback) -> None:
    if callback is not None:
        callback()

