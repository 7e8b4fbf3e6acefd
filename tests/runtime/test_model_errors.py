"""A model that raises mid-check: the check says it could not check, with the model's own error and line,
and the model, its gradients and every RNG are exactly as before. `nnlint run` on a script that raises,
exits non-zero or never steps an optimizer says so and exits non-zero."""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn

from nnlint.runtime import check_batch_independence, check_causality, check_training_step
from tests.runtime.test_run_command import run
from tests.runtime.test_state_untouched import assert_same, state_of


class FailsOnItsSecondCall(nn.Module):
    """Moves what a forward moves (BN running stats, a call counter, every RNG), then raises once the check
    is under way — as a model with a shape assumption does on a sub-batch."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)
        self.bn = nn.BatchNorm1d(6)
        self.drop = nn.Dropout(0.3)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        torch.rand(3), random.random(), np.random.rand()  # every RNG moves
        out = self.fc(x)
        out = self.drop(self.bn(out) if out.dim() == 2 else out)  # sequences (causality) skip the BN
        if self.calls >= 2:
            raise RuntimeError("expected a batch of 16 rows")  # the model's own error
        return out


def _prepared_model():
    torch.manual_seed(0)
    model = FailsOnItsSecondCall()
    model.train()
    model.bn.eval()  # a mixed mode the check must restore as it was
    model(torch.randn(16, 6)).sum().backward()  # grads present
    model.calls = -5  # so the check's own calls are the ones that fail
    return model


def _line_of_raise() -> int:
    import inspect

    lines, start = inspect.getsourcelines(FailsOnItsSecondCall.forward)
    return start + next(i for i, line in enumerate(lines) if "raise RuntimeError" in line)


def _assert_could_not_check(report, code):
    assert not report.ok
    [finding] = [f for f in report.findings if "could not check" in f.message]
    assert finding.code == code
    assert finding.message == "could not check: the model raised RuntimeError: expected a batch of 16 rows"
    assert finding.location.endswith(f"test_model_errors.py:{_line_of_raise()}")


def test_batch_check_on_a_model_that_raises_leaves_everything_as_it_was():
    model = _prepared_model()
    model.calls = 0  # fails on the check's second forward
    batch = torch.randn(16, 6)
    before = state_of(model)
    calls_before = model.calls
    report = check_batch_independence(model, batch)
    assert_same(before, state_of(model))
    assert model.calls == calls_before  # plain attributes restored too
    _assert_could_not_check(report, "NN901")


def test_causality_check_on_a_model_that_raises():
    model = _prepared_model()
    model.calls = 1  # fails on the first forward
    tokens = torch.randn(2, 16, 6)
    before = state_of(model)
    report = check_causality(model, tokens, time_dim=1)
    assert_same(before, state_of(model))
    _assert_could_not_check(report, "NN902")


def test_training_step_check_on_a_model_that_raises():
    model = _prepared_model()
    model.calls = 1
    batch = (torch.randn(16, 6), torch.randint(0, 6, (16,)))
    before = state_of(model)
    report = check_training_step(model, batch, nn.functional.cross_entropy)
    assert_same(before, state_of(model))
    _assert_could_not_check(report, "NN903")


def test_run_on_a_script_that_exits_with_status_3(tmp_path):
    result, findings, script = run(tmp_path, "import sys\nsys.exit(3)\n")
    assert result.exit_code == 2 and findings == []
    assert f"nnlint: error: {script} exited with status 3; findings so far are reported" in result.stderr


def test_run_on_a_script_that_raises(tmp_path):
    result, findings, script = run(tmp_path, "def load():\n    raise FileNotFoundError('data/train.csv')\nload()\n")
    assert result.exit_code == 2 and findings == []
    assert "FileNotFoundError: data/train.csv" in result.stderr
    assert f"nnlint: error: {script} raised before finishing; findings so far are reported" in result.stderr


def test_run_on_a_script_that_never_steps_an_optimizer(tmp_path):
    body = "model = nn.Linear(10, 3)\nfor x, y in data:\n    F.cross_entropy(model(x), y).backward()\n"
    result, findings, script = run(tmp_path, body)
    assert result.exit_code == 2 and findings == []
    assert "nnlint: watched 0 optimizer step(s)" in result.stderr
    assert (f"nnlint: error: {script} finished without calling an optimizer's step(): the training checks did "
            "not run") in result.stderr


def test_run_on_a_script_that_never_steps_but_found_something_reports_it(tmp_path):
    result, findings, script = run(tmp_path, "x = torch.zeros(3, requires_grad=True)\nx.log().sum().backward()\n")
    assert result.exit_code == 1 and [f["code"] for f in findings] == ["NN908"]
    assert f"nnlint: note: {script} finished without calling an optimizer's step()" in result.stderr
