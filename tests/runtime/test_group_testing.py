"""Group testing finds every dependency between rows, whatever the batch size and the pattern, and the
pairs it names are real."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from nnlint.runtime import check_batch_independence
import math

from nnlint.runtime.group_testing import bit_subsets, receiver_candidates, separating_subsets


class Coupled(nn.Module):
    """Row i of the output adds a multiple of input row j for every (i, j) in `pairs`."""

    def __init__(self, batch: int, pairs: set[tuple[int, int]]):
        super().__init__()
        self.fc = nn.Linear(5, 5)
        mixing = torch.eye(batch)
        for i, j in pairs:
            mixing[i, j] = 0.5
        self.register_buffer("mixing", mixing)

    def forward(self, x):
        return self.mixing @ self.fc(x)


@st.composite
def coupled_batches(draw):
    batch = draw(st.integers(2, 40))
    pairs = draw(st.sets(st.tuples(st.integers(0, batch - 1), st.integers(0, batch - 1))
                         .filter(lambda p: p[0] != p[1]), max_size=4))
    return batch, pairs


@settings(max_examples=40, deadline=None)
@given(coupled_batches())
def test_any_coupling_is_found_and_the_pairs_named_are_real(case):
    batch, pairs = case
    torch.manual_seed(0)
    report = check_batch_independence(Coupled(batch, pairs), torch.randn(batch, 5), perturbation="off")
    assert report.ok is (not pairs)
    if pairs:
        (finding,) = report.findings
        assert finding.pairs and set(finding.pairs) <= pairs
        receiver = finding.pairs[0][0]
        assert {j for i, j in finding.pairs if i == receiver} == {j for i, j in pairs if i == receiver}


def test_every_pair_of_rows_is_split_by_some_subset():
    for batch in (2, 3, 7, 8, 33):
        subsets = [set(s) for s in bit_subsets(batch)]
        assert len(subsets) == 2 * max(1, (batch - 1).bit_length())
        for i in range(batch):
            for j in range(batch):
                if i != j:
                    assert any(i in s and j not in s for s in subsets)


def test_separating_subsets_split_every_ordered_pair_with_fewer_probes_than_the_bits():
    for batch in (2, 3, 4, 5, 7, 8, 33, 64, 100, 128):
        subsets = [set(s) for s in separating_subsets(batch)]
        assert len(subsets) <= len(bit_subsets(batch))
        for i in range(batch):
            for j in range(batch):
                if i != j:
                    assert any(i in s and j not in s for s in subsets), (batch, i, j)
    assert len(separating_subsets(64)) == 8 and len(bit_subsets(64)) == 12
    assert len(separating_subsets(1000)) <= math.ceil(math.log2(1000)) + 3


def test_a_single_receiver_is_among_the_few_candidates_its_leaks_allow():
    subsets = separating_subsets(64)
    for source, receiver in ((3, 12), (0, 63), (40, 7)):
        leaks = [{source} if receiver in s and source not in s else set() for s in subsets]
        likeliest, others = receiver_candidates(source, subsets, leaks, 64)
        assert receiver in likeliest and source not in likeliest + others and len(likeliest) <= 6
