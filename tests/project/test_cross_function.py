"""The issue's bugs when a helper in the same file builds the object or does the step: found at the line the
user acts on, and their clean look-alikes stay silent."""

from __future__ import annotations

import textwrap

from nnlint.engine import Selection, lint_source


def lint(source: str, code: str) -> list[tuple[int, str]]:
    found = lint_source("train.py", textwrap.dedent(source), Selection(frozenset({code})))
    return [(d.location.row, d.message) for d in found]


FACTORY = """
    import torch

    def make_optimizer(model):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = {scheduler}
        return optimizer, scheduler

    def train(model, loader, criterion, epochs):
        optimizer, scheduler = make_optimizer(model)
        for epoch in range(epochs):
            for x, y in loader:
                loss = criterion(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
"""


def test_epoch_scheduler_from_a_factory_stepped_per_batch():
    source = FACTORY.format(scheduler="torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60])")
    [(row, message)] = lint(source, "NN502")
    assert row == 17  # scheduler.step(), where the user acts
    assert "`MultiStepLR`" in message and "on line 6" in message


def test_one_cycle_from_a_factory_is_meant_to_step_per_batch():
    source = FACTORY.format(scheduler="torch.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps=1000)")
    assert lint(source, "NN502") == []


TRAIN_STEP = """
    import torch.nn.functional as F

    def train_step(model, batch, optimizer):
        x, y = batch
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {returned}

    def train(model, loader, optimizer, epochs):
        for epoch in range(epochs):
            running = 0.0
            for batch in loader:
                running += train_step(model, batch, optimizer)
"""


def test_accumulating_a_step_helpers_loss_tensor():
    [(row, message)] = lint(TRAIN_STEP.format(returned="loss"), "NN306")
    assert row == 16 and "`running`" in message


def test_accumulating_a_step_helpers_item_is_fine():
    assert lint(TRAIN_STEP.format(returned="loss.item()"), "NN306") == []


CRITERION = """
    import torch.nn.functional as F
    from torch import nn

    def build_criterion(name):
        if name == "ce":
            return nn.CrossEntropyLoss()
        if name == "mse":
            return nn.MSELoss()
        raise ValueError(name)

    def train(model, loader, optimizer):
        criterion = build_criterion({name!r})
        for x, y in loader:
            loss = criterion(F.log_softmax(model(x), dim=1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def test_criterion_from_a_factory_fed_log_softmax():
    [(row, message)] = lint(CRITERION.format(name="ce"), "NN201")
    assert row == 15 and "log_softmax" in message


def test_the_factorys_other_loss_is_not_cross_entropy():
    assert lint(CRITERION.format(name="mse"), "NN201") == []


AMP = """
    import torch

    def clip_gradients(model, scaler, optimizer):
        {unscale}torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)

    def train(model, loader, optimizer, criterion):
        scaler = torch.cuda.amp.GradScaler()
        for x, y in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda"):
                loss = criterion(model(x), y)
            scaler.scale(loss).backward()
            clip_gradients(model, scaler, optimizer)
            scaler.step(optimizer)
            scaler.update()
"""


def test_clip_helper_between_scaled_backward_and_step():
    [(row, message)] = lint(AMP.format(unscale=""), "NN303")
    assert row == 14  # the helper's call site, not the clip inside it
    assert "clip_grad_norm_" in message and "line 5" in message


def test_clip_helper_that_unscales_first_is_fine():
    assert lint(AMP.format(unscale="scaler.unscale_(optimizer); "), "NN303") == []


PRETRAINED = """
    import torchvision
    from torchvision import transforms as T

    def build_model():
        return torchvision.models.resnet50(weights="IMAGENET1K_V2")

    def loaders():
        tf = T.Compose([T.ToTensor(), T.Normalize({mean}, {std})])
        return torchvision.datasets.CIFAR10("data", transform=tf)
"""


def test_imagenet_weights_in_a_builder_and_cifar_statistics_in_another_function():
    source = PRETRAINED.format(mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616))
    [(row, message)] = lint(source, "NN403")
    assert row == 9 and "resnet50" in message


def test_imagenet_weights_with_imagenet_statistics_are_fine():
    assert lint(PRETRAINED.format(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)), "NN403") == []
