"""A lint worker's project indexes, with the editor's open buffers standing in for their files on disk.

A worker process keeps one `ProjectIndex` per project for its whole life, so a module is summarised once
and again only when its text changes. Each job carries the text of every open document of its project;
the index is told only about the buffers that changed since this worker's previous job, and about those
closed since (their files on disk count again).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nnlint.project.spec import ProjectSpec
from nnlint.project.view import ProjectView


@dataclass(frozen=True)
class ProjectContext:
    """What a lint job needs to answer questions about the modules its document imports."""

    spec: ProjectSpec
    root: str  # messages name other files relative to it, as `nnlint` run there does
    buffers: tuple[tuple[str, str], ...] = ()  # (resolved path, unsaved text) of the project's open documents
    wants_digest: bool = False  # other open documents use this document's summary: report it


_SEEN: dict[ProjectSpec, dict[str, int]] = {}  # spec -> path -> hash of the buffer the index was last told


def view_for(path: str, context: ProjectContext) -> ProjectView:
    """A view for linting `path`, its project's index brought up to date with the open buffers."""
    index = context.spec.index()
    index.finder.forget()  # a few stat calls per import: files may appear or vanish unannounced (git checkout)
    known = _SEEN.get(context.spec, {})
    now = {buffer: hash(text) for buffer, text in context.buffers}
    for buffer, text in context.buffers:
        if known.get(buffer) != now[buffer]:
            index.update(Path(buffer), text)
    for closed in known.keys() - now.keys():
        index.update(Path(closed), None)
    _SEEN[context.spec] = now
    return ProjectView(path, index)


def own_digest(path: str, context: ProjectContext) -> str:
    """The summary digest other modules see for `path` (from its buffer when it is open)."""
    return context.spec.index().digest(Path(path))


@contextmanager
def in_project_root(context: ProjectContext):
    """Run with the project's root as working directory: the facts name other files relative to it
    ("`F.softmax(...)` in models/net.py:11"), as in `nnlint` run from the project's root."""
    before = os.getcwd()
    try:
        os.chdir(context.root)
    except OSError:  # gone meanwhile: absolute names then
        yield
        return
    try:
        yield
    finally:
        os.chdir(before)
