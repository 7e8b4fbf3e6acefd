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
    "inferer object returning the scores and the tokens it fed the transformer": """
        import torch.nn as nn

        class Inferer:
            def __call__(self, tokens, transformer):
                latent = tokens.long()
                prediction = transformer(x=latent)
                return prediction, latent

        inferer = Inferer()
        ce = nn.CrossEntropyLoss()
        for batch in loader:
            logits, target = inferer(batch, transformer)
            logits = logits.transpose(1, 2)
            loss = ce(logits, target)
    """,
}

CLEAN = {
    "inferer object returning the scores and the next tokens": """
        import torch.nn as nn

        class Inferer:
            def __call__(self, tokens, transformer):
                latent = tokens.long()
                prediction = transformer(x=latent[:, :-1])
                return prediction, latent[:, 1:]

        inferer = Inferer()
        ce = nn.CrossEntropyLoss()
        for batch in loader:
            logits, target = inferer(batch, transformer)
            logits = logits.transpose(1, 2)
            loss = ce(logits, target)
    """,
    "contrastive helper returning logits and class labels": """
        import torch
        import torch.nn as nn

        class InfoNCE:
            def __call__(self, features, encoder):
                z = encoder(features)
                logits = z @ z.T
                labels = torch.arange(z.shape[0])
                return logits, labels

        info_nce = InfoNCE()
        ce = nn.CrossEntropyLoss()
        for images in loader:
            logits, labels = info_nce(images, encoder)
            loss = ce(logits, labels)
    """,
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


SHIFTED_TWICE = {
    "pair shifted by a helper, yielded by a generator, given as labels": """
        import torch

        def get_xy_batch(dataset, indices):
            data = dataset[indices]
            return data[:, :-1], data[:, 1:]

        def gen_minibatches(dataset, batches):
            for indices in batches:
                yield get_xy_batch(dataset, indices)

        @torch.no_grad()
        def estimate_loss(model, ds, batches):
            model.eval()
            minibatches = gen_minibatches(ds, batches)
            for k, (X, Y) in enumerate(minibatches):
                loss = model(X, labels=Y, return_dict=True).loss
    """,
    "inline shifted pair given as labels": """
        def step(model, tokens):
            return model(tokens[:, :-1], labels=tokens[:, 1:]).loss
    """,
}

LABELS_CLEAN = {
    "same tokens as input and labels (the model shifts)": """
        def step(model, tokens):
            return model(tokens, labels=tokens).loss
    """,
    "pair from a batch we cannot see into": """
        def step(model, batch):
            X, Y = batch
            return model(X, labels=Y).loss
    """,
    "helper returning unshifted input and labels": """
        def get_xy_batch(dataset, indices):
            data = dataset[indices]
            return data, data.clone()

        def step(model, ds, indices):
            X, Y = get_xy_batch(ds, indices)
            return model(X, labels=Y).loss
    """,
}


@pytest.mark.parametrize("source", SHIFTED_TWICE.values(), ids=SHIFTED_TWICE.keys())
def test_shifted_twice_flagged(source):
    assert len(findings(source, "NN206")) == 1


@pytest.mark.parametrize("source", LABELS_CLEAN.values(), ids=LABELS_CLEAN.keys())
def test_labels_look_alikes_clean(source):
    assert findings(source, "NN206") == []
