"""Every check leaves the model and the process as it found them: modes, parameters, buffers, .grad,
requires_grad and the RNG states of torch, random and NumPy."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch import nn

from nnlint.runtime import check_batch_independence, check_causality, check_training_step
from tests.runtime.zoo import GPT


class Everything(nn.Module):
    """BatchNorm (running stats), dropout, a frozen layer, a module in eval mode among train ones."""

    def __init__(self, mix: bool):
        super().__init__()
        self.mix = mix
        self.fc = nn.Linear(12, 16)
        self.bn = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(0.5)
        self.frozen = nn.Linear(16, 16)
        self.frozen.requires_grad_(False)
        self.head = nn.Linear(16, 4)
        self.head.eval()

    def forward(self, x):
        h = self.frozen(self.drop(torch.relu(self.bn(self.fc(x)))))
        out = self.head(h)
        return out.softmax(0) if self.mix else out


def state_of(model):
    return {
        "modes": [m.training for m in model.modules()],
        "params": [p.detach().clone() for p in model.parameters()],
        "grad_ids": [id(p.grad) for p in model.parameters()],
        "grads": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "buffers": [b.clone() for b in model.buffers()],
        "torch_rng": torch.get_rng_state(),
        "random": random.getstate(),
        "numpy": np.random.get_state()[1].copy(),
    }


def assert_same(before, after):
    assert before["modes"] == after["modes"]
    assert all(torch.equal(a, b) for a, b in zip(before["params"], after["params"]))
    assert before["grad_ids"] == after["grad_ids"]
    assert all((a is None and b is None) or torch.equal(a, b) for a, b in zip(before["grads"], after["grads"]))
    assert before["requires_grad"] == after["requires_grad"]
    assert all(torch.equal(a, b) for a, b in zip(before["buffers"], after["buffers"]))
    assert torch.equal(before["torch_rng"], after["torch_rng"])
    assert before["random"] == after["random"]
    assert np.array_equal(before["numpy"], after["numpy"])


def prepared(mix):
    torch.manual_seed(0)
    model = Everything(mix)
    model(torch.randn(8, 12)).sum().backward()  # leaves .grad on the trainable parameters
    model.bn.running_mean.add_(0.5)
    random.seed(1)
    np.random.seed(2)
    return model


@pytest.mark.parametrize("mix", [False, True], ids=["clean", "leaking"])
@pytest.mark.parametrize("allow", [(), (nn.BatchNorm1d,)], ids=["default", "bn-allowed"])
def test_batch_check_leaves_everything_untouched(mix, allow):
    model = prepared(mix)
    x = torch.randn(8, 12)
    before = state_of(model)
    report = check_batch_independence(model, x, allow=allow)
    assert report.ok is (not mix and not allow) or allow
    assert_same(before, state_of(model))


def test_training_step_check_leaves_everything_untouched():
    model = prepared(False)
    data = (torch.randn(8, 12), torch.randint(0, 4, (8,)))
    before = state_of(model)
    check_training_step(model, data, nn.functional.cross_entropy)
    assert_same(before, state_of(model))


def test_causality_check_leaves_everything_untouched():
    torch.manual_seed(0)
    model = GPT(mask="none")
    model.train()
    tokens = torch.randint(0, 37, (2, 9))
    before = state_of(model)
    assert not check_causality(model, tokens).ok
    assert_same(before, state_of(model))


def test_state_is_restored_when_the_model_raises():
    class Fails(Everything):
        calls = 0

        def forward(self, x):
            Fails.calls += 1
            if Fails.calls > 1:  # the gradient probe passes, the forward perturbation raises
                raise RuntimeError("boom")
            return super().forward(x)

    torch.manual_seed(0)
    model = Fails(mix=False)
    x = torch.randn(4, 12)
    before = state_of(model)
    report = check_batch_independence(model, x)  # the model's error becomes the finding, not a crash
    assert [f.message for f in report.findings] == ["could not check: the model raised RuntimeError: boom"]
    assert_same(before, state_of(model))


def test_plain_attributes_a_forward_bumps_are_restored():
    class Counting(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.calls = 0
            self.last_batch = None

        def forward(self, x):
            self.calls += 1
            self.last_batch = tuple(x.shape)
            return self.fc(x)

    model = Counting()
    model(torch.randn(3, 4))
    assert check_batch_independence(model, torch.randn(8, 4)).ok
    assert (model.calls, model.last_batch) == (1, (3, 4))
