"""The same bugs with the model, the helpers and the loop split over files, as real projects lay them out."""

from __future__ import annotations

import pytest

from tests.project.helpers import codes_by_file, lint, write_project

NET = """
    from torch import nn


    class SmallNet(nn.Module):
        def __init__(self, classes=10):
            super().__init__()
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, classes))
            self.act = {head}

        def forward(self, x):
            return self.act(self.body(x))
"""

UTILS = """
    import torch


    def evaluate(model, loader):
        {eval}correct = 0
        with torch.no_grad():
            for x, y in loader:
                correct += (model(x).argmax(1) == y).sum().item()
        return correct


    def clip_gradients(model{scaler}):
        {unscale}torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)


    def train_step(model, batch, optimizer, criterion):
        x, y = batch
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {returned}
"""

OPTIM = """
    import torch


    def make_optimizer(model, steps=1000):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = {scheduler}
        return optimizer, scheduler
"""

TRAIN = """
    from torch import nn

    import utils as U
    from models import SmallNet
    from optim import make_optimizer
    from utils import evaluate


    def main(train_loader, val_loader, epochs):
        model = SmallNet()
        criterion = nn.CrossEntropyLoss()
        optimizer, scheduler = make_optimizer(model)
        for epoch in range(epochs):
            running_loss = 0.0
            for batch in train_loader:
                running_loss += U.train_step(model, batch, optimizer, criterion)
                scheduler.step()
            for x, y in train_loader:
                loss = criterion(model(x), y)
            evaluate(model, val_loader)
"""

MODEL = """
    import torchvision


    def build_model():
        return torchvision.models.resnet50(weights="IMAGENET1K_V2")
"""

AMP = """
    import torch
    import torchvision
    from torchvision import transforms as T

    from model import build_model
    from utils import clip_gradients


    def loaders():
        tf = T.Compose([T.ToTensor(), T.Normalize({mean}, {std})])
        return torchvision.datasets.CIFAR10("data", transform=tf)


    def train(loader, optimizer, criterion):
        model = build_model()
        scaler = torch.cuda.amp.GradScaler()
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            clip_gradients(model{scaler})
            scaler.step(optimizer)
            scaler.update()
"""

BUGGY = dict(
    head="nn.Softmax(dim=1)", eval="", scaler="", unscale="", returned="loss",
    scheduler="torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60])",
    mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616),
)
CLEAN = dict(
    head="nn.Identity()", eval="model.eval()\n        ", scaler=", scaler, optimizer",
    unscale="scaler.unscale_(optimizer)\n        ", returned="loss.item()",
    scheduler="torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps=steps)",
    mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225),
)


def project(root, values):
    write_project(root, {
        "models/__init__.py": "from .net import SmallNet\n",
        "models/net.py": NET.format(**values),
        "utils.py": UTILS.format(**values),
        "optim.py": OPTIM.format(**values),
        "train.py": TRAIN.format(**values),
        "model.py": MODEL.format(**values),
        "amp.py": AMP.format(**values),
    })


@pytest.fixture
def buggy(tmp_path):
    project(tmp_path, BUGGY)
    return lint(tmp_path)


def test_each_bug_is_found_where_the_user_acts(buggy):
    assert codes_by_file(buggy) == {
        ("train.py", 17, "NN306"),  # running_loss += U.train_step(...)
        ("train.py", 18, "NN502"),  # scheduler.step() per batch
        ("train.py", 20, "NN201"),  # criterion(model(x), y)
        ("train.py", 21, "NN601"),  # evaluate(model, val_loader)
        ("amp.py", 11, "NN403"),  # the Normalize
        ("amp.py", 23, "NN303"),  # clip_gradients(model)
    }


def test_messages_name_the_other_file_and_line(buggy):
    messages = {code: message for _, _, code, message in buggy}
    assert "`nn.Softmax` in models/net.py:9" in messages["NN201"]
    assert "`MultiStepLR(...)` in optim.py:7" in messages["NN502"]
    assert "`for ... in loader` in utils.py:8" in messages["NN601"]
    assert "`torch.nn.utils.clip_grad_norm_(...)` in utils.py:14" in messages["NN303"]
    assert "model.py:6" in messages["NN403"]


def test_clean_look_alikes_split_over_files_are_silent(tmp_path):
    project(tmp_path, CLEAN)
    assert lint(tmp_path) == []


def test_a_helper_file_alone_is_not_reported_for_what_its_callers_do(tmp_path):
    project(tmp_path, BUGGY)
    assert lint(tmp_path, "utils.py", "models", "optim.py") == []


def test_imported_files_not_named_are_read_but_not_reported(tmp_path):
    project(tmp_path, BUGGY)
    found = lint(tmp_path, "train.py")
    assert {file for file, *_ in found} == {"train.py"}
    assert {code for _, _, code, _ in found} == {"NN201", "NN306", "NN502", "NN601"}
