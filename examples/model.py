"""Models and losses for a small multi-task project: an image classifier, a multi-label tagger and a
character-level language model — with the architecture and loss bugs that train silently.

Static mode:  nnlint examples/model.py --select ALL
"""

import torch
import torch.nn.functional as F
from torch import nn


class SmallConvNet(nn.Module):
    """CIFAR-sized classifier."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),  # bias, then BatchNorm subtracts it again
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Dropout(0.2),  # element-wise dropout on feature maps
            nn.Conv2d(32, 64, 3, padding=1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(4),
        )
        self.classifier = nn.Sequential(
            nn.Linear(64 * 4 * 4, 256),
            nn.ReLU(inplace=True),
            nn.Linear(256, num_classes),
            nn.ReLU(),  # logits can no longer be negative
        )

    def forward(self, x):
        x = self.features(x)
        x = x.view(-1)  # meant: one row per image
        return self.classifier(x)


class Tagger(nn.Module):
    """Multi-label image tagger on top of a frozen embedding."""

    def __init__(self, dim=512, num_tags=20):
        super().__init__()
        self.head = nn.Linear(dim, num_tags)

    def forward(self, embeddings):
        return torch.sigmoid(self.head(embeddings))


class CharLM(nn.Module):
    def __init__(self, vocab_size=96, dim=128):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, vocab_size)

    def forward(self, tokens):
        hidden, _ = self.rnn(self.embed(tokens))
        return self.out(hidden)  # noqa: NN102 -- stale: the flatten it silenced was removed long ago

    def sample_distribution(self, tokens):
        logits = self.forward(tokens)  # (batch, seq, vocab)
        return F.softmax(logits)  # implicit dim: 0 for 3-D input, the batch


tagger = Tagger()
tag_criterion = nn.BCEWithLogitsLoss()


def classification_loss(model, images, labels):
    logits = model(images)
    probs = F.softmax(logits, dim=1)
    return F.cross_entropy(probs, labels)


def tagging_losses(embeddings, tags):
    probs = tagger(embeddings)
    bce = F.binary_cross_entropy(torch.sigmoid(tagger.head(embeddings)), tags)
    return tag_criterion(probs, tags), bce


def language_model_loss(lm, tokens):
    logits = lm(tokens)
    return F.cross_entropy(logits.flatten(0, 1), tokens.flatten())  # predicts the token it was shown


def auxiliary_loss(images, labels):
    linear_probe = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
    return F.nll_loss(linear_probe(images), labels)
