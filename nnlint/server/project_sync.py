"""Which open documents learned what from which modules: a change to a module re-lints exactly the open
documents whose findings used its summary, and a cached or in-flight result that used an old summary is
never published.

The lint workers own the project indexes (summaries by file, the open buffers standing in for files); the
server only keeps digests. A module is known by its resolved path, as the index names it.
"""

from __future__ import annotations

import os

from nnlint.project.index import MISSING


def module_path(path: str) -> str:
    """The name the project index gives a file (resolved, symlinks followed)."""
    return os.path.realpath(path)


class ProjectSync:
    def __init__(self) -> None:
        self.digests: dict[str, str] = {}  # module path -> its summary digest, as a worker last reported it
        self.used: dict[str, dict[str, str]] = {}  # open document uri -> summaries its published findings used
        self._clock = 0
        self._changed_at: dict[str, int] = {}  # module path -> clock of its last change

    # what happened to modules ------------------------------------------------------------------------------
    def buffer_changed(self, path: str) -> None:
        """An open document's text changed (or it was opened): its own lint will report its new digest."""
        self._clock += 1
        self._changed_at[module_path(path)] = self._clock

    def file_changed(self, path: str) -> list[str]:
        """A module's file changed on disk (or its buffer was closed, so the file counts again): the open
        documents whose findings used it."""
        path = module_path(path)
        self.buffer_changed(path)
        self.digests.pop(path, None)
        return self.dependants(path)

    def files_appeared(self, paths: list[str]) -> list[str]:
        """An import that found nothing may find one of these new files: the open documents whose findings
        used such a search. (A vanished file's users are `file_changed`'s.)"""
        self._clock += 1
        found = [key for key in self.digests if key.startswith(MISSING) and _could_be(key, paths)]
        for missing in found:
            del self.digests[missing]  # cached findings that used the failed search are void
            self._changed_at[missing] = self._clock
        return [uri for uri, used in self.used.items() if any(key in used for key in found)]

    def closed(self, uri: str) -> None:
        self.used.pop(uri, None)

    # questions about lints ---------------------------------------------------------------------------------
    def now(self) -> int:
        """A mark to take before a lint job's buffers are gathered (see `stale`)."""
        return self._clock

    def stale(self, dependencies: dict[str, str], started: int) -> bool:
        """Whether a module this lint read changed while it ran (its result must not be published)."""
        return any(self._changed_at.get(path, 0) > started for path in dependencies)

    def current(self, dependencies: dict[str, str]) -> bool:
        """Whether a cached result's summaries are still the ones known now."""
        return all(self.digests.get(path) == digest for path, digest in dependencies.items())

    def wanted(self, path: str, uri: str) -> bool:
        """Whether another open document's findings use this document's summary."""
        path = module_path(path)
        return any(path in used for other, used in self.used.items() if other != uri)

    def dependants(self, path: str) -> list[str]:
        return [uri for uri, used in self.used.items() if path in used]

    def published(self, uri: str, path: str, dependencies: dict[str, str], digest: str | None) -> list[str]:
        """Record what a published result used and, if it reported its own summary, return the open documents
        whose findings used another version of that summary."""
        self.used[uri] = dict(dependencies)
        self.digests.update(dependencies)
        if digest is None:
            return []
        path = module_path(path)
        self.digests[path] = digest
        return [other for other, used in self.used.items() if other != uri and used.get(path, digest) != digest]


def _could_be(missing: str, paths: list[str]) -> bool:
    """Whether one of `paths` may be the file of the module a `missing:` search looked for (`a.b`:
    `.../a/b.py` or `.../a/b/__init__.py`; each shorter name the import tried has its own entry)."""
    module = missing[len(MISSING):].split(":", 1)[0]
    tail = os.sep + module.replace(".", os.sep)
    return any(path.endswith((tail + ".py", tail + os.sep + "__init__.py")) for path in paths)
