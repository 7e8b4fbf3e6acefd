"""A language-model script that picks its model class by a flag, from a module imported whole, and calls it
under the same flag: one class returns log-probabilities, the other a `(scores, hidden)` tuple.

The shape of PyTorch's word-language-model example (its bugs were fixed in two steps: cross-entropy on the
log_softmax model, then NLL on the recurrent model's raw scores); written here, not copied.
"""

from __future__ import annotations

from tests.project.helpers import codes_by_file, lint, write_project

NETS = """
    import torch.nn as nn
    import torch.nn.functional as F


    class Recurrent(nn.Module):
        def __init__(self, vocab, width):
            super().__init__()
            self.embed = nn.Embedding(vocab, width)
            self.cell = nn.GRU(width, width)
            self.head = nn.Linear(width, vocab)

        def forward(self, tokens, state):
            out, state = self.cell(self.embed(tokens), state)
            scores = self.head(out)
            return {recurrent_return}, state


    class Attentive(nn.Module):
        def __init__(self, vocab, width):
            super().__init__()
            self.embed = nn.Embedding(vocab, width)
            self.head = nn.Linear(width, vocab)

        def forward(self, tokens):
            return {attentive_return}
"""

TRAIN = """
    import torch.nn as nn

    import nets

    KIND = "attentive"
    VOCAB = 100
    if KIND == "attentive":
        nets = nets.Attentive(VOCAB, 32)
    else:
        nets = nets.Recurrent(VOCAB, 32)
    criterion = {criterion}


    def step(tokens, targets, state):
        if KIND == "attentive":
            output = nets(tokens)
        else:
            output, state = nets(tokens, state)
        flat = output.view(-1, VOCAB)
        return criterion(flat, targets)
"""


def project(root, **values):
    write_project(root, {"nets.py": NETS.format(**values), "train.py": TRAIN.format(**values)})
    return codes_by_file(lint(root, codes=("NN201", "NN204")))


def test_cross_entropy_on_the_flag_picked_model_that_ends_in_log_softmax(tmp_path):
    found = project(
        tmp_path, criterion="nn.CrossEntropyLoss()", recurrent_return="scores",
        attentive_return="F.log_softmax(self.head(self.embed(tokens)), dim=-1)",
    )
    assert found == {("train.py", 21, "NN201")}


def test_cross_entropy_when_both_models_return_scores_is_silent(tmp_path):
    found = project(
        tmp_path, criterion="nn.CrossEntropyLoss()", recurrent_return="scores",
        attentive_return="self.head(self.embed(tokens))",
    )
    assert found == set()


def test_nll_on_the_raw_scores_inside_the_recurrent_models_tuple(tmp_path):
    found = project(
        tmp_path, criterion="nn.NLLLoss()", recurrent_return="scores",
        attentive_return="F.log_softmax(self.head(self.embed(tokens)), dim=-1)",
    )
    assert found == {("train.py", 21, "NN204")}


def test_nll_when_both_models_return_log_probabilities_is_silent(tmp_path):
    found = project(
        tmp_path, criterion="nn.NLLLoss()", recurrent_return="F.log_softmax(scores, dim=-1)",
        attentive_return="F.log_softmax(self.head(self.embed(tokens)), dim=-1)",
    )
    assert found == set()
