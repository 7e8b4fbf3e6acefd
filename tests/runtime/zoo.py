"""Small models with a known verdict, for the runtime tests and bench/runtime.py.

Each entry builds (model, inputs) for a batch size and states what the batch-independence check must say.
Line numbers of the bugs matter: tests assert that attribution names them (see `bug_line`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


# -- clean models ------------------------------------------------------------------------------------
class MLP(nn.Module):
    def __init__(self, features=12, hidden=20, classes=5):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, classes))

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.head = nn.Linear(8 * 4 * 4, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.head(x.flatten(1))


class SoftmaxHead(nn.Module):
    """Clean, ending in softmax: an all-ones probe sees a zero gradient here."""

    def __init__(self, features=12, classes=6):
        super().__init__()
        self.fc = nn.Linear(features, classes)

    def forward(self, x):
        return self.fc(x).softmax(dim=-1)


class Encoder(nn.Module):
    def __init__(self, vocab=50, dim=32, heads=4, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=48, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(dim, 3)

    def forward(self, tokens):
        return self.head(self.encoder(self.embed(tokens)).mean(dim=1))


class TokenBag(nn.Module):
    """Integer token input: the probe must enter through the embedding output."""

    def __init__(self, vocab=40, dim=16, classes=4):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.fc = nn.Linear(dim, classes)

    def forward(self, tokens):
        return self.fc(self.embed(tokens).mean(dim=1))


class BatchNormMLP(nn.Module):
    """BatchNorm in train mode mixes samples by design: probed in eval mode, with a note."""

    def __init__(self, features=12, hidden=20):
        super().__init__()
        self.fc = nn.Linear(features, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.out = nn.Linear(hidden, 3)

    def forward(self, x):
        return self.out(F.relu(self.bn(self.fc(x))))


class LSTMClassifier(nn.Module):
    def __init__(self, features=6, hidden=10, batch_first=True):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=batch_first)
        self.head = nn.Linear(hidden, 2)

    def forward(self, x):
        out, _ = self.lstm(x)  # the LSTM mixes the batch when batch_first is wrong
        return self.head(out[:, -1])


# -- buggy models ------------------------------------------------------------------------------------
class ViewInsteadOfPermute(nn.Module):
    """A time mixer that expects (time, batch, dim) fed through `view` instead of `transpose`. Row 0 keeps
    depending on itself only, so a check of sample 0 alone passes it."""

    def __init__(self, dim=6):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        h = self.proj(x)
        h = h.view(t, b, d)  # BUG: view instead of transpose(0, 1)
        steps = torch.arange(1, t + 1, dtype=h.dtype).view(t, 1, 1)
        h = h.cumsum(dim=0) / steps  # running mean over time (dim 0 in this layout)
        return self.out(h.view(b, t, d))


class SoftmaxOverBatch(nn.Module):
    def __init__(self, features=12, classes=6):
        super().__init__()
        self.fc = nn.Linear(features, classes)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=0)  # BUG: dim 0 is the batch


class CapacityRouter(nn.Module):
    """Mixture-of-experts style routing with a capacity: only the top half of the batch by router score
    goes through the expert. The choice is an argsort, so no gradient crosses rows: only a forward
    perturbation sees that a sample's output depends on the other samples' scores."""

    def __init__(self, features=12):
        super().__init__()
        self.router = nn.Linear(features, 1)
        self.expert = nn.Linear(features, features)

    def forward(self, x):
        scores = self.router(x).squeeze(-1)
        capacity = x.shape[0] // 2
        chosen = scores.argsort(descending=True)[:capacity]  # BUG: depends on the batch
        mask = torch.zeros(x.shape[0], 1, dtype=x.dtype).index_fill(0, chosen, 1.0)
        return x + mask * self.expert(x)


# -- GPT-style models (causality) --------------------------------------------------------------------
class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads, max_len, mask: str):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mask_kind = mask
        diagonal = 1 if mask == "off-by-one" else 0
        self.register_buffer("mask", torch.tril(torch.ones(max_len, max_len), diagonal=diagonal).bool())

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = q @ k.transpose(-2, -1) / math.sqrt(d // self.heads)
        if self.mask_kind != "none":
            att = att.masked_fill(~self.mask[:t, :t], float("-inf"))
        y = att.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class GPT(nn.Module):
    def __init__(self, vocab=37, dim=24, heads=2, layers=2, max_len=16, mask="causal"):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList(CausalSelfAttention(dim, heads, max_len, mask) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.tok(tokens) + self.pos(torch.arange(t, device=tokens.device))
        for block in self.blocks:
            x = x + block(x)
        return self.head(self.norm(x))


# -- the zoo -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[int], tuple[nn.Module, object]]  # batch size -> (model, inputs)
    expected: frozenset  # codes the batch check must report
    bug_marker: str | None = None  # text on the line attribution must name
    batch: int = 8  # the batch size the tests use

    def bug_line(self) -> int | None:
        if self.bug_marker is None:
            return None
        lines = open(__file__).read().splitlines()
        return next(n for n, line in enumerate(lines, 1) if self.bug_marker in line)


def _seeded(factory):
    def build(batch):
        torch.manual_seed(0)
        return factory(batch)
    return build


def _tokens(batch, vocab=40, length=7):
    return torch.randint(0, vocab, (batch, length))


def _nan_batch(batch):
    x = torch.randn(batch, 12)
    x[batch // 2, 3] = float("nan")
    return MLP(), x


ZOO = [
    Case("clean MLP", _seeded(lambda b: (MLP(), torch.randn(b, 12))), frozenset()),
    Case("clean CNN (BatchNorm)", _seeded(lambda b: (CNN(), torch.randn(b, 3, 8, 8))), frozenset()),
    Case("clean transformer encoder", _seeded(lambda b: (Encoder(), _tokens(b, 50, 9))), frozenset()),
    Case("clean softmax head", _seeded(lambda b: (SoftmaxHead(), torch.randn(b, 12))), frozenset()),
    Case("token ids + embedding", _seeded(lambda b: (TokenBag(), _tokens(b))), frozenset()),
    Case("BatchNorm in train mode", _seeded(lambda b: (BatchNormMLP(), torch.randn(b, 12))), frozenset()),
    Case("LSTM", _seeded(lambda b: (LSTMClassifier(), torch.randn(b, 5, 6))), frozenset()),
    Case("NaN in one sample", _seeded(_nan_batch), frozenset({"NN908"})),
    Case("view instead of permute", _seeded(lambda b: (ViewInsteadOfPermute(), torch.randn(b, 4, 6))),
         frozenset({"NN901"}), "BUG: view instead of transpose"),
    Case("softmax over dim 0", _seeded(lambda b: (SoftmaxOverBatch(), torch.randn(b, 12))),
         frozenset({"NN901"}), "BUG: dim 0 is the batch"),
    Case("LSTM without batch_first", _seeded(lambda b: (LSTMClassifier(batch_first=False), torch.randn(b, 5, 6))),
         frozenset({"NN901"}), "the LSTM mixes the batch"),
    # a capacity binds visibly in a realistic batch; in tiny ones a perturbation may leave the choice as it was
    Case("capacity-limited routing", _seeded(lambda b: (CapacityRouter(), torch.randn(b, 12))),
         frozenset({"NN901"}), "BUG: depends on the batch", batch=32),
]
