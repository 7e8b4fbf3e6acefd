"""What runs inside a lint worker process: the engine, with one crashing rule kept from costing the rest.

Jobs and results are plain picklable dataclasses.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field, replace

from nnlint.diagnostic import Diagnostic
from nnlint.engine import Selection, lint_source
from nnlint.fix import fix_source
from nnlint.rules import static_rules
from nnlint.server.worker_index import ProjectContext, in_project_root, own_digest, view_for


@dataclass(frozen=True)
class LintJob:
    path: str
    source: str
    codes: frozenset[str]
    project: ProjectContext | None = None  # None: the document's own functions only (an untitled buffer)


@dataclass(frozen=True)
class FixAllJob:
    path: str
    source: str
    codes: frozenset[str]
    fixable: frozenset[str]
    unsafe: bool
    project: ProjectContext | None = None  # as for LintJob: the fixes of cross-file findings need it too


@dataclass
class Outcome:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    crashes: list[tuple[str, str]] = field(default_factory=list)  # (rule code, traceback)
    fixed: str | None = None  # FixAllJob only
    dependencies: dict[str, str] = field(default_factory=dict)  # summaries the findings used: path -> digest
    digest: str | None = None  # this document's own summary digest, when the job asked for it


def run_job(job: LintJob | FixAllJob) -> Outcome:
    if isinstance(job, LintJob):
        if job.project is None:
            return Outcome(*lint_isolated(job.path, job.source, job.codes))
        with in_project_root(job.project):
            view = view_for(job.path, job.project)
            diagnostics, crashes = lint_isolated(job.path, job.source, job.codes, view)
            digest = own_digest(job.path, job.project) if job.project.wants_digest else None
            diagnostics = [_absolute_related(d) for d in diagnostics]
        return Outcome(diagnostics, crashes, dependencies=view.used, digest=digest)
    if job.project is None:
        return _fix_all(job, None)
    with in_project_root(job.project):
        return _fix_all(job, view_for(job.path, job.project))


def _fix_all(job: FixAllJob, view) -> Outcome:
    _, crashes = lint_isolated(job.path, job.source, job.codes, view)
    codes = job.codes - {code for code, _ in crashes}  # fix with the rules that work
    fixed, diagnostics, _ = fix_source(job.path, job.source, Selection(codes), job.fixable, job.unsafe, view)
    return Outcome(diagnostics, crashes, fixed)


def lint_isolated(
    path: str, source: str, codes: frozenset[str], project=None,
) -> tuple[list[Diagnostic], list[tuple[str, str]]]:
    """Lint with every selected rule; when that raises, halve the selection until the culprits are alone.

    A crash costs about 2·log2(rules) extra lints of this one buffer; a clean run costs nothing extra.
    """
    try:
        return lint_source(path, source, Selection(codes), project), []
    except Exception:  # noqa: BLE001 - an nnlint bug in one rule must not hide every other finding
        if len(codes) == 1:
            return [], [(next(iter(codes)), traceback.format_exc())]
    ordered = sorted(codes)
    half = len(ordered) // 2
    diagnostics, crashes = [], []
    for part in (ordered[:half], ordered[half:]):
        found, crashed = lint_isolated(path, source, frozenset(part), project)
        diagnostics.extend(found)
        crashes.extend(crashed)
    return sorted(set(diagnostics), key=Diagnostic.sort_key), crashes


def _absolute_related(diagnostic: Diagnostic) -> Diagnostic:
    """Other files are named relative to the project's root (the working directory); the client needs them whole."""
    if not diagnostic.related:
        return diagnostic
    related = tuple(replace(r, filename=os.path.abspath(r.filename)) for r in diagnostic.related)
    return replace(diagnostic, related=related)


def serve(connection) -> None:
    """A worker's loop: receive a job, send back ("ok", Outcome) or ("error", traceback), until EOF."""
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", run_job(job))
        except Exception:  # noqa: BLE001 - reported to the server, which logs it and keeps serving
            reply = ("error", traceback.format_exc())
        connection.send(reply)


_WARM_UP = """
import torch
import torch.nn.functional as F
from torch import nn


def forward(model, x, y):
    b, c = x.shape
    loss = F.cross_entropy(F.softmax(model(x.view(c, b)), dim=1), y)
    loss.backward()
"""


def warm_up() -> None:
    """Import every rule and run each once, so that processes forked from this one lint at full speed."""
    lint_isolated("warm_up.py", _WARM_UP, frozenset(rule.code for rule in static_rules()))
