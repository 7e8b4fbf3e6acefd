"""Lint many files: per-file rule selection, the cache, a process pool for large runs, fixes."""

from __future__ import annotations

import codecs
import io
import os
import tokenize
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from nnlint.batch_gc import tuned_for_batch
from nnlint.cache import Cache, content_hash
from nnlint.project.spec import ProjectSpec
from nnlint import selectors
from nnlint.config import Settings
from nnlint.diagnostic import Diagnostic, Location
from nnlint.rules import catalogue
from nnlint.rules.engine_codes import UNREADABLE
from nnlint.selection import Selection

PARALLEL_FROM = 24  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class FixRequest:
    """What to change in the files: apply fixes, or (`add_noqa`) silence each finding with a `# noqa`."""

    fixable: frozenset[str]
    unsafe: bool
    add_noqa: bool = False

    def wants(self, diagnostics: list[Diagnostic]) -> bool:
        return bool(diagnostics) if self.add_noqa else any(d.fix for d in diagnostics)


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
    notes: tuple[str, ...] = ()  # what could not be done to this file (e.g. a `# noqa` that has no place)

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
        return Selection(codes, skip_generated=not self.settings.include_generated)


def lint_file(
    path: str, selection: Selection, fix: FixRequest | None, known_hash: str | None, project: ProjectSpec | None = None,
) -> FileOutcome:
    """Read, lint and (if asked) fix one file. Runs in worker processes: no shared state but the summaries."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        if os.path.islink(path) and not os.path.exists(path):
            reason = f"dangling symlink (it points to {os.readlink(path)})"
        return FileOutcome(path, _unreadable(path, f"cannot read file: {reason}", selection))
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
    # imported here, not at the top: a run answered from the cache never loads libcst, a rule or the notebooks
    from nnlint.engine import decode, lint_bytes
    from nnlint.notebooks import is_notebook

    if is_notebook(path):
        return _lint_notebook(path, data, selection, fix, data_hash)
    diagnostics = lint_bytes(path, data, selection, project)
    if fix is None or not fix.wants(diagnostics):
        return FileOutcome(path, diagnostics, data_hash)
    source = decode(data)
    fixed, remaining, applied, notes = _rewrite(path, source, diagnostics, selection, fix, project=project)
    if fixed == source:
        return FileOutcome(path, remaining, data_hash, notes=notes)
    return FileOutcome(
        path, remaining, data_hash, original=source, fixed=fixed, encoding=_encoding_of(data),
        bom=data.startswith(codecs.BOM_UTF8), fixes_applied=applied, notes=notes,
    )


def _rewrite(path: str, source: str, diagnostics: list[Diagnostic], selection: Selection, fix: FixRequest,
             place=lambda diagnostic: diagnostic, project=None):
    """(new text, the findings that remain in it, how many changes, notes) for --fix or --add-noqa;
    `place` turns a finding's position into the user's (a notebook cell)."""
    from nnlint.add_noqa import add_noqa
    from nnlint.engine import lint_source
    from nnlint.fix import fix_source

    if not fix.add_noqa:
        return (*fix_source(path, source, selection, fix.fixable, fix.unsafe, project), ())
    fixed, added, skipped = add_noqa(source, diagnostics)
    remaining = lint_source(path, fixed, selection, project) if fixed != source else diagnostics
    notes = []
    for item in skipped:
        shown = place(item.diagnostic)
        cell = f"cell {shown.cell}:" if shown.cell is not None else ""
        where = f"{path}:{cell}{shown.location.row}:{shown.location.column}"
        notes.append(f"{where}: no `# noqa: {shown.code}` added: {item.reason}")
    return fixed, remaining, added, tuple(notes)


def _lint_notebook(path: str, data: bytes, selection: Selection, fix: FixRequest | None, data_hash: str) -> FileOutcome:
    """A notebook's code cells linted as one text; findings placed in their cells; fixes written to changed cells."""
    from nnlint.notebooks import Notebook, NotebookError

    try:
        notebook = Notebook.parse(data)
    except NotebookError as error:
        return FileOutcome(path, _unreadable(path, str(error), selection), data_hash)
    from nnlint.engine import lint_source

    diagnostics = lint_source(path, notebook.source, selection)
    if fix is not None and fix.wants(diagnostics):
        fixed, remaining, applied, notes = _rewrite(path, notebook.source, diagnostics, selection, fix,
                                                    notebook.localize)
        text = notebook.with_source(fixed) if fixed != notebook.source else None
        if text is not None and text != notebook.text:
            return FileOutcome(
                path, [notebook.localize(d) for d in remaining], data_hash, original=notebook.text, fixed=text,
                bom=notebook.bom, fixes_applied=applied, notes=notes,
            )
    return FileOutcome(path, [notebook.localize(d) for d in diagnostics], data_hash)


def _unreadable(path: str, message: str, selection: Selection) -> list[Diagnostic]:
    if UNREADABLE.code not in selection.codes:
        return []
    start = Location(1, 1)
    return [Diagnostic(UNREADABLE.code, UNREADABLE.name, message, path, start, start, None, UNREADABLE.url)]


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
    project.forget_searches()
    result = RunResult()
    pending: list[tuple[str, Selection, str | None]] = []
    for path in files:
        found = cache.lookup(path) if cache is not None and fix is None else None
        cached, dependencies = found if found is not None else (None, {})
        if cached is not None and not _still_valid(dependencies, project):
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
            found = cache.lookup(Path(outcome.path), outcome.data_hash) if cache is not None else None
            cached, dependencies = found if found is not None else (None, None)
            if not _still_valid(dependencies, project):
                # the entry's findings are damaged, or came from a summary that has changed since
                outcome = lint_file(outcome.path, selector.for_path(outcome.path), fix, None, project)
            else:
                outcome = FileOutcome(outcome.path, cached, outcome.data_hash, dependencies=dependencies)
        if cache is not None and outcome.data_hash is not None and not outcome.changed and not outcome.crash:
            cache.put(Path(outcome.path), outcome.data_hash, outcome.diagnostics, outcome.dependencies)
        result.outcomes.append(outcome)
    if cache is not None:
        cache.save()
    return result


def _still_valid(dependencies: dict[str, str] | None, project: ProjectSpec) -> bool:
    """Whether the summaries that cached findings used (None: a damaged entry) still read the same; the
    project index is only built when they used some."""
    return dependencies is not None and (not dependencies or project.index().unchanged(dependencies))


def _lint_all(pending, fix, on_file_done, project):
    with tuned_for_batch():  # workers fork inside: they inherit it
        yield from _lint_each(pending, fix, on_file_done, project)


def _lint_each(pending, fix, on_file_done, project):
    if len(pending) < PARALLEL_FROM:
        for path, selection, known_hash in pending:
            yield lint_file(path, selection, fix, known_hash, project)
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
        projects = [project] * len(pending)
        for outcome in pool.map(lint_file, paths, selections, [fix] * len(pending), hashes, projects, chunksize=chunk):
            yield outcome
            _tick(on_file_done)


def _tick(callback) -> None:
    if callback is not None:
        callback()

