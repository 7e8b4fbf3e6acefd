"""When to lint an open document and what to publish: debounced, last version wins, never a stale result.

A burst of changes restarts the short debounce and cancels the run in flight (the worker running it is
stopped), so only the newest text is linted. A result is stored and published only if the document is
still at the version that was linted, and no module whose summary it used changed meanwhile. When a
document's own summary changed, the open documents that import it are linted again (`ProjectSync`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lsprotocol import types

from nnlint.diagnostic import Diagnostic
from nnlint.server.convert import lsp_diagnostic
from nnlint.server.pool import LintPool, WorkerCrashed
from nnlint.server.positions import Positions
from nnlint.server.project_sync import ProjectSync, module_path
from nnlint.server.settings import DocumentSettings
from nnlint.server.worker import LintJob, Outcome
from nnlint.server.worker_index import ProjectContext

DEBOUNCE_SECONDS = 0.05  # one keystroke's gap: a burst lints once, a pause shows findings at once
CACHE_SIZE = 128


@dataclass(frozen=True)
class LintResult:
    """The findings for one version of a document, with the text they refer to."""

    version: int | None
    source: str
    settings: DocumentSettings
    diagnostics: list[Diagnostic]
    published: list[types.Diagnostic]
    positions: Positions


@dataclass(frozen=True)
class Snapshot:
    """A document's text at one version, as the server holds it."""

    uri: str
    path: str
    version: int | None
    source: str
    notebook: object = field(default=None, compare=False)  # a NotebookView: findings are published per cell


class Linter:
    def __init__(
        self,
        pool: LintPool,
        snapshot: Callable[[str], Snapshot | None],
        settings_for: Callable[[str], Awaitable[DocumentSettings]],
        positions_for: Callable[[str], Positions],
        publish: Callable[[str, int | None, list[types.Diagnostic]], None],
        log: Callable[[types.MessageType, str], None],
        publish_notebook: Callable[[Snapshot, list[Diagnostic]], None],
        buffers: Callable[[tuple[str, ...]], tuple[tuple[str, str], ...]],
        sync: ProjectSync,
    ) -> None:
        self.publish_notebook = publish_notebook
        self.buffers = buffers  # the open documents' (resolved path, text) under the given roots
        self.sync = sync
        self.pool = pool
        self.snapshot = snapshot
        self.settings_for = settings_for
        self.positions_for = positions_for
        self.publish = publish
        self.log = log
        self.results: dict[str, LintResult] = {}
        self._pending: dict[str, asyncio.Task] = {}
        self._cache: OrderedDict[tuple, Outcome] = OrderedDict()
        self._crashes_logged: set[tuple[str, str]] = set()

    def schedule(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        """Lint `uri` after `delay`; a run already waiting or in flight for it is cancelled."""
        previous = self._pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.ensure_future(self._lint(uri, delay))
        self._pending[uri] = task
        task.add_done_callback(lambda done: self._forget(uri, done))

    def _forget(self, uri: str, task: asyncio.Task) -> None:
        if self._pending.get(uri) is task:
            del self._pending[uri]
        if not task.cancelled() and task.exception() is not None:
            self.log(types.MessageType.Error, f"nnlint: internal error while linting {uri}: {task.exception()!r}")

    def close(self, uri: str, clear: bool = True) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.results.pop(uri, None)
        if clear:
            self.publish(uri, None, [])

    async def current(self, uri: str) -> LintResult | None:
        """The result for the document's present version, linting (or waiting for the lint) if need be."""
        for _ in range(20):  # each round a newer change superseded the lint we waited for
            snapshot = self.snapshot(uri)
            if snapshot is None:
                return None
            result = self.results.get(uri)
            if result is not None and result.version == snapshot.version and result.source == snapshot.source:
                return result
            task = self._pending.get(uri)
            if task is None:
                self.schedule(uri, delay=0)
                task = self._pending[uri]
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise  # this request itself was cancelled, not the lint it waited for
        return None

    async def _lint(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        snapshot = self.snapshot(uri)
        if snapshot is None:
            return
        settings = await self.settings_for(uri)
        started = self.sync.now()
        if not settings.enabled and not (settings.project and self.sync.wanted(snapshot.path, uri)):
            outcome = Outcome()
        else:  # an excluded module that others import is still summarised for them (with no rule run)
            outcome = await self._outcome(uri, snapshot, settings)
            if outcome is None:
                return
        if self.snapshot(uri) != snapshot:
            return  # the buffer moved on while this ran: its own lint is scheduled
        if self.sync.stale(outcome.dependencies, started):
            self.schedule(uri, delay=0)  # an imported module changed while this ran: lint with its new text
            return
        for dependant in self.sync.published(uri, snapshot.path, outcome.dependencies, outcome.digest):
            self.schedule(dependant, delay=0)
        if snapshot.notebook is not None:
            self.publish_notebook(snapshot, outcome.diagnostics)
            return
        positions = self.positions_for(snapshot.source)
        published = [lsp_diagnostic(diagnostic, positions, uri) for diagnostic in outcome.diagnostics]
        self.results[uri] = LintResult(snapshot.version, snapshot.source, settings, outcome.diagnostics,
                                       published, positions)
        self.publish(uri, snapshot.version, published)

    async def _outcome(self, uri: str, snapshot: Snapshot, settings: DocumentSettings) -> Outcome | None:
        codes = settings.selection.codes if settings.enabled else frozenset()
        project = self.project_context(uri, snapshot, settings)
        text_hash = hashlib.blake2b(snapshot.source.encode(), digest_size=16).digest()
        key = (snapshot.path, text_hash, codes, settings.project)
        outcome = self._cache.get(key)
        if outcome is not None and not self._still_valid(outcome, project):
            outcome = None
        if outcome is None:
            try:
                outcome = await self.pool.run(LintJob(snapshot.path, snapshot.source, codes, project), key=uri)
            except WorkerCrashed as error:
                self.log(types.MessageType.Error, f"nnlint: internal error while linting {snapshot.path}: {error}")
                return None
            self._cache[key] = outcome
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        for code, trace in outcome.crashes:
            if (uri, code) not in self._crashes_logged:
                self._crashes_logged.add((uri, code))
                self.log(types.MessageType.Error,
                         f"nnlint: rule {code} crashed on {snapshot.path}; its findings are missing, the other "
                         f"rules' are shown. Please report this nnlint bug:\n{trace}")
        return outcome

    def project_context(self, uri: str, snapshot: Snapshot, settings: DocumentSettings) -> ProjectContext | None:
        if settings.project is None or snapshot.notebook is not None:
            return None  # an untitled buffer has no project; a notebook is linted on its own, as by the CLI
        # the document's own folder too: a script's sibling modules are found there, root or not
        where = (*settings.project.roots, os.path.dirname(module_path(snapshot.path)))
        return ProjectContext(settings.project, settings.project_root or os.path.dirname(snapshot.path),
                              self.buffers(where), self.sync.wanted(snapshot.path, uri))

    def _still_valid(self, outcome: Outcome, project: ProjectContext | None) -> bool:
        """A cached outcome holds while every summary it used reads the same (and it has the digest asked for)."""
        if project is not None and project.wants_digest and outcome.digest is None:
            return False
        return self.sync.current(outcome.dependencies)
