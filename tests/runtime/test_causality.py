"""check_causality: a GPT must not see the future; an unmasked or off-by-one mask is caught and named."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnlint.runtime import check_causality
from tests.runtime.zoo import GPT

ATTENTION_LINE = next(n for n, line in enumerate(open(GPT.__module__.replace(".", "/") + ".py"), 1)
                      if "y = att.softmax(dim=-1) @ v" in line)


def gpt(mask):
    torch.manual_seed(0)
    return GPT(mask=mask), torch.randint(0, 37, (3, 10))


def test_correct_gpt_passes():
    model, tokens = gpt("causal")
    report = check_causality(model, tokens)
    assert report.ok, str(report)
    assert report.stats["backward_passes"] == 9  # one per cut


@pytest.mark.parametrize("mask", ["none", "off-by-one"])
def test_leaking_masks_are_caught_with_the_first_pair_and_the_op(mask):
    model, tokens = gpt(mask)
    (finding,) = check_causality(model, tokens).findings
    assert finding.code == "NN902"
    assert finding.pairs == ((0, 1),)
    assert finding.location == f"tests/runtime/zoo.py:{ATTENTION_LINE}"
    assert "step 0 depends on the input at step 1" in finding.message


def test_attribution_survives_a_sequence_length_equal_to_the_head_size():
    torch.manual_seed(0)
    model, tokens = GPT(dim=24, heads=2, mask="none"), torch.randint(0, 37, (3, 12))  # head size 12 == T
    (finding,) = check_causality(model, tokens).findings
    assert finding.location == f"tests/runtime/zoo.py:{ATTENTION_LINE}"


def test_strict_mode_flags_a_model_that_sees_the_current_step():
    model, tokens = gpt("causal")
    (finding,) = check_causality(model, tokens, include_current=False).findings
    assert finding.pairs == ((0, 0),)


class SDPAModel(nn.Module):
    """Causal via scaled_dot_product_attention(is_causal=...): CPU flash attention has no forward-AD formula."""

    def __init__(self, causal: bool, vocab=30, dim=16):
        super().__init__()
        self.causal = causal
        self.embed = nn.Embedding(vocab, dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens):
        x = self.embed(tokens)
        q, k, v = self.qkv(x).unsqueeze(1).chunk(3, dim=-1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)  # attention line
        return self.head(y.squeeze(1))


@pytest.mark.parametrize("causal", [True, False])
def test_fused_attention_is_checked_too(causal):
    torch.manual_seed(0)
    report = check_causality(SDPAModel(causal), torch.randint(0, 30, (2, 11)))
    assert report.ok is causal
    if not causal:
        assert report.findings[0].op == "F.scaled_dot_product_attention"
        assert report.findings[0].location.endswith("test_causality.py:" + str(
            next(n for n, line in enumerate(open(__file__), 1) if "# attention line" in line)))


def test_float_features_with_a_future_leak_through_a_centered_conv():
    class CenteredConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 4, 3, padding=1)  # sees t-1, t, t+1: not causal

        def forward(self, x):
            return self.conv(x.transpose(1, 2)).transpose(1, 2)

    torch.manual_seed(0)
    (finding,) = check_causality(CenteredConv(), torch.randn(2, 9, 4)).findings
    assert finding.pairs == ((0, 1),) and finding.op == "F.conv1d"


def test_gradient_invisible_future_leak_is_seen_by_perturbation():
    class PeeksAtTheEnd(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            gate = (x[:, -1:].detach().sum(-1, keepdim=True) > 0).to(x.dtype)  # the last step gates all steps
            return self.fc(x) * (1 + gate)

    torch.manual_seed(0)
    x = torch.randn(3, 8, 4)
    report = check_causality(PeeksAtTheEnd(), x)
    (finding,) = report.findings
    assert finding.code == "NN902" and "forward perturbation" in finding.message
    assert finding.pairs == ((0, 7),)  # the first step already depends on the last


def test_long_sequences_perturb_a_bounded_number_of_cuts_and_still_pass_a_causal_model():
    class CausalConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 4, 3)

        def forward(self, x):  # left padding only: step t sees t-2, t-1, t
            return self.conv(F.pad(x.transpose(1, 2), (2, 0))).transpose(1, 2)

    torch.manual_seed(0)
    report = check_causality(CausalConv(), torch.randn(2, 40, 4))
    assert report.ok and "forward perturbation tried 32 of 39 cuts" in str(report)
    assert report.stats["backward_passes"] == 39  # the gradient probe still tests every cut
