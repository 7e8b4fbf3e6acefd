"""In `nnlint run`: the causality check (NN902) on the first training forward of a sequence model, found by
its shapes — integer token ids (N, T) in, one vector per position (N, T, V) out. A classifier over a
sequence, an encoder fed float features, or a bidirectional tagger fed floats is not taken for one."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from nnlint.runtime.causality import check_causality
from nnlint.runtime.findings import Finding
from nnlint.runtime.session import RunSession

ROWS = 2  # the check runs on the first rows: causality is per sequence, the batch adds nothing


def is_sequence_model_call(args: tuple, output: Any) -> bool:
    if len(args) != 1 or not isinstance(args[0], torch.Tensor) or not isinstance(output, torch.Tensor):
        return False
    tokens = args[0]
    if tokens.dim() != 2 or tokens.is_floating_point() or tokens.dtype == torch.bool or tokens.shape[1] < 2:
        return False
    return output.dim() == 3 and tuple(output.shape[:2]) == tuple(tokens.shape)


def check_sequence_model(session: RunSession, model: nn.Module, tokens: torch.Tensor, call_site: str | None) -> None:
    started = time.perf_counter()
    session.busy = True
    try:
        report = check_causality(model, tokens[:ROWS], allow=session.allow)
    except Exception as error:  # a model that rejects the sub-batch: a note, never a crash
        session.note(f"causality check of {type(model).__name__} skipped: {type(error).__name__}: {error}")
        return
    finally:
        session.busy = False
    stats = report.stats
    session.stats["causality"] = {"seconds": time.perf_counter() - started, "positions": stats.get("steps"),
                                  "forward_passes": stats.get("forward_passes"),
                                  "backward_passes": stats.get("backward_passes")}
    for note in report.notes:
        session.note(f"{type(model).__name__}: {note}")
    for finding in report.findings:
        session.add(Finding(finding.code, finding.message, finding.pairs, finding.op, finding.location or call_site))
