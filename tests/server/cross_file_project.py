"""A two-file project for the cross-file server tests: a model whose output the edit flips, and the
training script that imports it (NN201 while the model ends in softmax)."""

NET = """
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return {output}
"""
SOFTMAX = NET.format(output="F.softmax(self.fc(x), dim=1)")
LOGITS = NET.format(output="self.fc(x)")
TRAIN = """
from torch import nn

from models.net import Net


def train(loader, optimizer):
    model = Net()
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
