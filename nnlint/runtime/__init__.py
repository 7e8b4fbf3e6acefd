"""Runtime checks that run the model: batch independence, causality, one training step.

Needs torch (the `runtime` extra). Importing this package does not import torch; the checks do, on first
use, so `nnlint.runtime.codes` stays usable by the static CLI without torch installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnlint.runtime.batch_check import check_batch_independence
    from nnlint.runtime.causality import check_causality
    from nnlint.runtime.findings import Finding, Report
    from nnlint.runtime.overfit import check_overfit_one_batch
    from nnlint.runtime.training_step import check_training_step

_EXPORTS = {
    "check_batch_independence": "nnlint.runtime.batch_check",
    "check_causality": "nnlint.runtime.causality",
    "check_training_step": "nnlint.runtime.training_step",
    "check_overfit_one_batch": "nnlint.runtime.overfit",
    "Finding": "nnlint.runtime.findings",
    "Report": "nnlint.runtime.findings",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'nnlint.runtime' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
