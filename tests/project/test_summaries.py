"""A module's summary: what other code may ask about it, built from the facts, and the same after a JSON
round trip (it is cached by content hash and shipped to worker processes)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from nnlint.facts import Facts
from nnlint.project.summarise import Summariser
from nnlint.project.summary import SCHEMA, ModuleSummary

MODULE = '''
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision import transforms as T

from .helpers import build_head
from .layers import *

TRAIN_TF = T.Compose([T.RandomResizedCrop(32), T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))])
EVAL_TF = T.Compose([T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = torchvision.models.resnet18(weights="IMAGENET1K_V1")
        self.out = nn.LogSoftmax(dim=1)

    def forward(self, x):
        return self.out(self.backbone(x))


class Logits(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def criterion():
    return nn.CrossEntropyLoss(label_smoothing=0.1)


def functional_criterion():
    return F.nll_loss


def schedulers(optimizer, epochs, loader):
    optimizer = torch.optim.AdamW(optimizer, lr=3e-4)
    per_epoch = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
    per_step = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))
    return optimizer, per_epoch, per_step


def step(model, x, y, optimizer):
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss, loss.item()


def validate(model, val_loader):
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            model(x)


def head(name):
    return build_head(name)
'''


@pytest.fixture(scope="module")
def summary() -> ModuleSummary:
    return Summariser(Facts(cst.parse_module(textwrap.dedent(MODULE)))).module_summary()


def returned(summary, name):
    [only] = summary.functions[name].returns
    return only.value


def test_losses_returned(summary):
    assert (returned(summary, "criterion").kind, returned(summary, "criterion").detail) == ("criterion", "cross_entropy")
    assert returned(summary, "functional_criterion").detail == "nll"


def test_optimizer_and_schedulers_epoch_or_step_based(summary):
    optimizer, per_epoch, per_step = returned(summary, "schedulers").elements
    assert (optimizer.kind, optimizer.detail) == ("optimizer", "AdamW")
    assert (per_epoch.detail, per_epoch.epoch_based, per_epoch.where.line) == ("StepLR", True, 44)
    assert (per_step.detail, per_step.epoch_based) == ("CosineAnnealingLR", False)


def test_graph_tensor_versus_plain_number(summary):
    tensor, number = returned(summary, "step").elements
    assert (tensor.kind, number.kind) == ("loss_tensor", "number")


def test_what_a_function_does_to_its_arguments(summary):
    kinds = [effect.kind for effect in summary.functions["step"].effects]
    assert kinds == ["zero_grad", "backward", "clip", "optimizer_step"]
    evaluation = summary.functions["validate"].evaluation
    assert (evaluation.loader, evaluation.position, evaluation.sets_eval_mode, evaluation.no_grad) == (
        "val_loader", 1, True, True,
    )


def test_module_classes_output_and_pretrained_weights(summary):
    classifier = summary.classes["Classifier"]
    assert (classifier.output, classifier.output_where.label, classifier.output_where.line) == (
        "log_softmax", "nn.LogSoftmax", 19,
    )
    assert (classifier.pretrained, classifier.pretrained_where.line) == ("imagenet", 18)
    assert "Logits" not in summary.classes  # raw logits: nothing another file needs to know


def test_transform_pipelines(summary):
    train, evaluation = summary.constants["TRAIN_TF"], summary.constants["EVAL_TF"]
    assert (train.random, train.mean, train.std) == (True, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    assert (evaluation.random, evaluation.mean) == (False, (0.485, 0.456, 0.406))


def test_imports_are_kept_as_references_not_followed(summary):
    assert returned(summary, "head").kind == "call" and returned(summary, "head").detail == ".helpers.build_head"
    assert summary.imports["build_head"] == ".helpers.build_head"
    assert summary.star_imports == (".layers",)


def test_json_round_trip_and_digest(summary):
    again = ModuleSummary.from_json(summary.to_json())
    assert again == summary and again.digest == summary.digest


def test_summary_of_another_version_is_rebuilt(summary):
    with pytest.raises(ValueError):
        ModuleSummary.from_json(summary.to_json().replace(f'"schema":{SCHEMA}', '"schema":0'))
