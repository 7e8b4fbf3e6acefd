"""NN206 when a helper or a model wrapper builds the (input, target) pair, as real training scripts do."""

import pytest

from tests.rules.helpers import findings

FLAGGED = {
    "get_batch returning the same slice as data and target": """
        import torch.nn as nn

        def get_batch(source, i, bptt=35):
            seq_len = min(bptt, len(source) - 1 - i)
            data = source[i:i + seq_len]
            target = source[i:i + seq_len].view(-1)
            return data, target

        criterion = nn.CrossEntropyLoss()
        for batch, i in enumerate(range(0, train_data.size(0) - 1, 35)):
            data, targets = get_batch(train_data, i)
            output = model(data)
            loss = criterion(output.view(-1, ntokens), targets)
    """,
    "shared step returning the logits and the tokens it fed the model": """
        import torch.nn.functional as F

        class LitLM:
            def __init__(self, transformer):
                self.transformer = transformer

            def shared_step(self, tokens):
                logits = self.transformer(tokens)
                return logits, tokens

            def training_step(self, batch, batch_idx):
                logits, target = self.shared_step(batch)
                return F.cross_entropy(logits.transpose(1, 2), target)
    """,
}

CLEAN = {
    "get_batch shifting the target by one": """
        import torch.nn as nn

        def get_batch(source, i, bptt=35):
            seq_len = min(bptt, len(source) - 1 - i)
            data = source[i:i + seq_len]
            target = source[i + 1:i + 1 + seq_len].view(-1)
            return data, target

        criterion = nn.CrossEntropyLoss()
        for batch, i in enumerate(range(0, train_data.size(0) - 1, 35)):
            data, targets = get_batch(train_data, i)
            output = model(data)
            loss = criterion(output.view(-1, ntokens), targets)
    """,
    "shared step returning the logits and the shifted tokens": """
        import torch.nn.functional as F

        class LitLM:
            def __init__(self, transformer):
                self.transformer = transformer

            def shared_step(self, tokens):
                logits = self.transformer(tokens[:, :-1])
                return logits, tokens[:, 1:]

            def training_step(self, batch, batch_idx):
                logits, target = self.shared_step(batch)
                return F.cross_entropy(logits.transpose(1, 2), target)
    """,
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(source):
    assert len(findings(source, "NN206")) == 1


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean(source):
    assert findings(source, "NN206") == []
