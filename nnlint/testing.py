"""pytest helpers: assert in a test suite what `nnlint run` checks in a training run.

    from nnlint.testing import assert_batch_independent

    def test_model_keeps_samples_apart():
        assert_batch_independent(MyModel(), torch.randn(16, 3, 32, 32))
"""

from __future__ import annotations

from typing import Any

__all__ = ["assert_batch_independent", "assert_causal"]


def assert_batch_independent(model: Any, inputs: Any, **options: Any) -> None:
    """Fail with the finding (pairs, op and source line) when an output row depends on another sample.
    `options` go to `nnlint.runtime.check_batch_independence` (batch_dim, output, allow, atol, ...)."""
    from nnlint.runtime import check_batch_independence

    report = check_batch_independence(model, inputs, **options)
    if not report.ok:
        raise AssertionError(f"the model mixes samples of the batch\n{report}")


def assert_causal(model: Any, tokens: Any, **options: Any) -> None:
    """Fail when an output step depends on a later input step (see `nnlint.runtime.check_causality`)."""
    from nnlint.runtime import check_causality

    report = check_causality(model, tokens, **options)
    if not report.ok:
        raise AssertionError(f"the model sees the future\n{report}")
