"""NN102: forward flattens the batch dim away before a Linear layer; points at the view/flatten call."""

import pytest

from tests.rules.helpers import findings, messages


def test_view_minus_one_before_the_classifier():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 16, 5)
                self.fc = nn.Linear(16 * 12 * 12, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv(x)), 2)
                x = x.view(-1)
                return self.fc(x)
    """
    assert findings(source, "NN102") == [(13, 13)]
    assert "flatten(1)" in messages(source, "NN102")[0]


def test_flatten_without_start_dim_inline():
    source = """
        import torch.nn as nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(512, 10)

            def forward(self, features):
                return self.fc(features.flatten())
    """
    assert findings(source, "NN102") == [(10, 24)]


def test_torch_flatten_into_a_sequential_mlp():
    source = """
        import torch
        from torch import nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = nn.Conv2d(3, 8, 3)
                self.mlp = nn.Sequential(nn.Dropout(0.1), nn.Linear(8 * 30 * 30, 64), nn.ReLU(), nn.Linear(64, 2))

            def forward(self, x):
                h = torch.flatten(self.backbone(x))
                return self.mlp(h)
    """
    assert findings(source, "NN102") == [(12, 13)]


def test_reshape_minus_one_tuple_in_a_lightning_module():
    source = """
        import pytorch_lightning as pl
        from torch import nn

        class Lit(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Linear(28 * 28, 64)

            def forward(self, x):
                z = x.reshape((-1,))
                return self.encoder(z)
    """
    assert findings(source, "NN102") == [(11, 13)]


def test_flatten_from_dim_zero_into_functional_linear():
    source = """
        import torch
        from torch.nn import functional

        class Probe(torch.nn.Module):
            def __init__(self, d):
                super().__init__()
                self.weight = torch.nn.Parameter(torch.zeros(10, d))

            def forward(self, x):
                return functional.linear(x.flatten(start_dim=0), self.weight)
    """
    assert findings(source, "NN102") == [(11, 34)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(320, 10)

                def forward(self, x):
                    return self.fc(x.flatten(1))
            """,
            id="flatten-from-dim-one",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(320, 10)

                def forward(self, x):
                    x = x.view(x.size(0), -1)
                    y = x.view(-1, 320)
                    return self.fc(x) + self.fc(y) + self.fc(torch.flatten(x, 1))
            """,
            id="per-sample-views",
        ),
        pytest.param(
            """
            from torch import nn

            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(64, 5)

                def forward(self, h):
                    b, t, d = h.shape
                    return self.fc(h.flatten(0, 1)).view(b, t, -1)
            """,
            id="batch-and-time-merged-per-token",
        ),
        pytest.param(
            """
            import torch.nn.functional as F
            from torch import nn

            class TextClassifier(nn.Module):
                def __init__(self, vocab):
                    super().__init__()
                    self.embedding = nn.EmbeddingBag(vocab, 64)
                    self.fc = nn.Linear(64, 4)

                def forward(self, text, offsets):
                    return self.fc(self.embedding(text.view(-1), offsets))
            """,
            id="embedding-bag-takes-flat-token-ids",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def training_step(model, batch):
                x, y = batch
                logits = model(x)
                return F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
            """,
            id="targets-flattened-for-the-loss-outside-forward",
        ),
        pytest.param(
            """
            from torch import nn

            class Policy(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(64, 4)

                def forward(self, x):
                    if x.dim() == 4:
                        x = x.view(x.size(0), -1)
                    else:
                        x = x.view(-1)
                    return self.fc(x)
            """,
            id="branch-for-a-single-unbatched-sample",
        ),
        pytest.param(
            """
            from torch import nn

            class Pool(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(10, 10)

                def forward(self, x):
                    weights = self.fc.weight.view(-1)
                    return self.fc(x) * weights.sum()
            """,
            id="flattened-parameter-not-fed-to-the-layer",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN102") == []
