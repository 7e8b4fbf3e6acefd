"""NN205: the loss clamped from above instead of clipping gradients."""

import pytest

from tests.rules.helpers import findings

FLAGGED = {
    "torch.clamp with max": """
        import torch
        import torch.nn.functional as F

        def step(model, x, y):
            loss = F.cross_entropy(model(x), y)
            loss = torch.clamp(loss, max=10.0)
            loss.backward()
    """,
    "method clamp with positional bounds": """
        def step(self, x, y):
            loss = self.criterion(self(x), y)
            loss = loss.clamp(0, 5)
            return loss
    """,
    "torch.clip on a criterion bound in __init__": """
        import torch
        from torch import nn

        class Trainer:
            def __init__(self):
                self.criterion = nn.CrossEntropyLoss()

            def training_step(self, batch, batch_idx):
                x, y = batch
                out = self.criterion(self.model(x), y)
                return torch.clip(out, None, 3.0)
    """,
    "builtin min with a constant": """
        def step(loss_fn, pred, y):
            total_loss = loss_fn(pred, y)
            return min(total_loss, 4.0)
    """,
    "torch.min against a tensor bound": """
        import torch

        def step(loss):
            return torch.min(loss, torch.tensor(3.0))
    """,
    "clamp of an inline loss call": """
        from torch.nn import functional
        import torch

        def step(model, x, y):
            return torch.clamp(functional.mse_loss(model(x), y), 0, 1).backward()
    """,
    "clamp_max on the mean loss": """
        def step(per_sample_loss):
            return per_sample_loss.mean().clamp_max(2.0)
    """,
}

CLEAN = {
    "clamping probabilities inside a loss": """
        import torch

        def bce(logits, y):
            p = torch.clamp(torch.sigmoid(logits), 1e-7, 1 - 1e-7)
            return -(y * p.log()).mean()
    """,
    "hinge: lower bound only": """
        import torch

        def hinge(margin, distance):
            loss = margin - distance
            return torch.clamp(loss, min=0).mean()
    """,
    "running best validation loss": """
        def track(best_loss, val_loss):
            best_loss = min(best_loss, val_loss)
            return best_loss
    """,
    "logging the loss value": """
        def log(loss, writer):
            writer.add_scalar("loss", min(loss.item(), 10.0))
    """,
    "reduction with torch.min": """
        import torch

        def worst(losses):
            return torch.min(losses)
    """,
    "clamping the AMP loss scale": """
        import torch

        def rescale(loss_scale):
            return torch.clamp(loss_scale, max=2.0 ** 16)
    """,
    "clamping a loss weight": """
        def weigh(loss_weight):
            return loss_weight.clamp(0.0, 1.0)
    """,
    "clamping logits": """
        def forward(self, x):
            logits = self.head(x)
            return logits.clamp(-30, 30)
    """,
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(source):
    assert len(findings(source, "NN205")) == 1


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean(source):
    assert findings(source, "NN205") == []


def test_points_at_the_clamp_call():
    assert findings(FLAGGED["torch.clamp with max"], "NN205") == [(7, 12)]
