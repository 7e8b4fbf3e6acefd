"""What the daemon does before it forks: everything a lint run would otherwise do first on its own.

It imports every module of nnlint's static side (not the runtime checks, which `nnlint run` loads with
torch and is never handed to the daemon, nor the language server or the flake8 plugin) and the third-party
modules those import only when a run needs them, and it lints a small in-memory training script with every
rule and walks an empty folder: the answers computed once per process (each libcst node class's syntax
fields, the compiled patterns of the default excludes and the rules) are then in place before the fork.
Nothing of it depends on the user's files.
"""

from __future__ import annotations

import importlib
import pkgutil
import tempfile

import nnlint

_NOT_FOR_LINT_RUNS = ("nnlint.runtime.", "nnlint.server", "nnlint.flake8_plugin", "nnlint.testing",
                      "nnlint.__main__", "nnlint.daemon.")
_LOADED_ON_DEMAND = ("rich.console", "rich.text", "rich.progress", "rich.markdown", "concurrent.futures.process")


def import_what_a_run_needs() -> None:
    for module in pkgutil.walk_packages(nnlint.__path__, "nnlint."):
        if not module.name.startswith(_NOT_FOR_LINT_RUNS):
            importlib.import_module(module.name)
    importlib.import_module("nnlint.runtime.command")  # the CLI registers `nnlint run` without torch
    for name in _LOADED_ON_DEMAND:
        importlib.import_module(name)

    _lint_once()


_SAMPLE = """\
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout(0.1))

    def forward(self, x):
        b, c, h, w = x.shape
        return F.softmax(self.layers(x).view(b, -1), dim=1)


def train(model, loader, optimizer, scheduler):
    model.train()
    for inputs, targets in loader:
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        scheduler.step()
"""


def _lint_once() -> None:
    from nnlint.config import Settings
    from nnlint.discovery import discover
    from nnlint.engine import lint_source
    from nnlint.rules import catalogue
    from nnlint.selection import Selection

    lint_source("warm_up.py", _SAMPLE, Selection(frozenset(catalogue())))
    with tempfile.TemporaryDirectory() as empty:
        list(discover([empty], Settings()))
