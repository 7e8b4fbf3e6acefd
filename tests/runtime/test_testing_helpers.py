"""nnlint.testing: the assertions users put in their own test suites."""

from __future__ import annotations

import pytest
import torch

from nnlint.testing import assert_batch_independent, assert_causal
from tests.runtime.zoo import GPT, MLP, SoftmaxOverBatch


def test_passes_silently_on_a_clean_model():
    assert_batch_independent(MLP(), torch.randn(8, 12))


def test_failure_names_the_op_and_line():
    with pytest.raises(AssertionError) as failure:
        assert_batch_independent(SoftmaxOverBatch(), torch.randn(8, 12))
    text = str(failure.value)
    assert text.startswith("the model mixes samples of the batch")
    assert "tests/runtime/zoo.py:" in text and "F.softmax" in text and "output row" in text


def test_options_reach_the_check():
    assert_batch_independent(SoftmaxOverBatch(), torch.randn(8, 12), allow=[SoftmaxOverBatch])


def test_assert_causal():
    torch.manual_seed(0)
    tokens = torch.randint(0, 37, (2, 8))
    assert_causal(GPT(mask="causal"), tokens)
    with pytest.raises(AssertionError, match="step 0 depends on the input at step 1"):
        assert_causal(GPT(mask="off-by-one"), tokens)
