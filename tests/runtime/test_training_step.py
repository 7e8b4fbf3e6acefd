"""check_training_step: loss at init, dead parameters, an output that ignores its input."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nnlint.runtime import check_training_step
from tests.runtime.zoo import MLP


def batch(n=16, classes=5):
    torch.manual_seed(0)
    return torch.randn(n, 12), torch.randint(0, classes, (n,))


def test_well_initialised_classifier_passes_and_reports_the_expected_loss():
    torch.manual_seed(0)
    report = check_training_step(MLP(), batch(), F.cross_entropy)
    assert report.ok, str(report)
    assert math.isclose(report.stats["expected_loss"], math.log(5))


def test_overconfident_init_is_flagged():
    torch.manual_seed(0)
    model = MLP()
    with torch.no_grad():
        model.net[-1].weight.mul_(60)
    (finding,) = check_training_step(model, batch(), F.cross_entropy).findings
    assert finding.code == "NN903" and "-log(1/5) = 1.61" in finding.message


def test_n_classes_can_be_given_for_a_custom_loss():
    torch.manual_seed(0)
    loss_fn = lambda out, y: F.nll_loss(out.log_softmax(-1), y) * 4  # noqa: E731  four times too large
    report = check_training_step(MLP(), batch(), loss_fn, n_classes=5)
    assert [f.code for f in report.findings] == ["NN903"]


class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 5)
        self.extra = nn.Linear(12, 5)  # built, never called
        self.gate = nn.Linear(12, 5)

    def forward(self, x):
        return self.fc(x) + self.gate(x).detach()


def test_parameters_without_gradient_are_named():
    torch.manual_seed(0)
    (finding,) = check_training_step(Unused(), batch(), F.cross_entropy).findings
    assert finding.code == "NN904"
    assert "extra.weight" in finding.message and "gate.bias" in finding.message and "fc.weight" not in finding.message


class IgnoresInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(5))

    def forward(self, x):
        return self.bias.expand(x.shape[0], 5)


def test_output_that_ignores_the_input_is_flagged():
    codes = {f.code for f in check_training_step(IgnoresInput(), batch(), F.cross_entropy).findings}
    assert codes == {"NN909"}


def test_non_finite_loss_is_flagged():
    x, y = batch()
    x[3, 1] = float("nan")
    torch.manual_seed(0)
    (finding,) = check_training_step(MLP(), (x, y), F.cross_entropy).findings
    assert finding.code == "NN908"


def test_regression_loss_skips_the_init_check_with_a_note():
    torch.manual_seed(0)
    model = nn.Linear(12, 1)
    report = check_training_step(model, (torch.randn(8, 12), torch.randn(8, 1)), F.mse_loss)
    assert report.ok and "pass n_classes=" in str(report)
