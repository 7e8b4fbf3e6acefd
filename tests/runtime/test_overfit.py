"""NN910: overfit one batch — the public check on buggy and look-alike clean set-ups, and in `nnlint run`."""

from __future__ import annotations

import random

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnlint.runtime import check_overfit_one_batch
from tests.runtime.test_run_command import codes, line_of, run
from tests.runtime.test_state_untouched import assert_same, state_of


def batch(n=16, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 10, generator=generator), torch.randint(0, 3, (n,), generator=generator)


def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))


def test_a_correct_model_fits_one_batch_and_stops_early():
    model = mlp()
    report = check_overfit_one_batch(model, batch(), F.cross_entropy, optimizer=torch.optim.SGD(model.parameters(), lr=0.5))
    assert report.ok, report
    assert report.stats["fitted"] is True and report.stats["steps"] < 100
    assert report.stats["losses"][-1] < report.stats["losses"][0]


def test_the_default_optimizer_is_adam_at_3e_4():
    report = check_overfit_one_batch(mlp(), batch(), F.cross_entropy, max_steps=400)
    assert report.ok and report.stats["optimizer"].startswith("Adam (lr 0.0003")


def test_optimizer_built_from_another_model_instance():
    model, other = mlp(), mlp(seed=1)
    report = check_overfit_one_batch(model, batch(), F.cross_entropy,
                                     optimizer=torch.optim.SGD(other.parameters(), lr=0.5))
    (finding,) = report.findings
    assert finding.code == "NN910" and "another model instance" in finding.message


def test_the_loss_cut_from_the_graph():
    model = mlp()
    report = check_overfit_one_batch(model, batch(), lambda out, y: torch.tensor(F.cross_entropy(out, y).item(),
                                                                                  requires_grad=True))
    (finding,) = report.findings
    assert "cut from the graph" in finding.message


def test_learning_rate_zero_stops_after_one_step():
    model = mlp()
    report = check_overfit_one_batch(model, batch(), F.cross_entropy, optimizer=torch.optim.SGD(model.parameters(), lr=0))
    (finding,) = report.findings
    assert "learning rate is 0" in finding.message and report.stats["steps"] == 1


def test_a_scheduler_warm_up_from_zero_fits_at_the_planned_rate():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: step / 10)  # the lr is 0 at the first step
    assert optimizer.param_groups[0]["lr"] == 0
    assert check_overfit_one_batch(model, batch(), F.cross_entropy, optimizer=optimizer).ok


def test_all_gradients_zero():
    model = mlp()
    report = check_overfit_one_batch(model, batch(), lambda out, y: (out * 0).sum() + 1.0)
    (finding,) = report.findings
    assert "every gradient is zero" in finding.message


def test_labels_that_change_every_step_cannot_be_fitted_but_fixed_ones_can():
    model = mlp()
    x, y = batch(64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    shuffled = check_overfit_one_batch(model, (x, y), lambda out, t: F.cross_entropy(out, t[torch.randperm(64)]),
                                       optimizer=optimizer, max_steps=150)
    assert [f.code for f in shuffled.findings] == ["NN910"] and "barely falls" in shuffled.findings[0].message
    assert check_overfit_one_batch(model, (x, y), F.cross_entropy, optimizer=optimizer, max_steps=150).ok


def test_slow_learning_is_a_note_not_a_finding():
    model = mlp()
    report = check_overfit_one_batch(model, batch(), F.cross_entropy, max_steps=20,
                                     optimizer=torch.optim.SGD(model.parameters(), lr=0.02))
    assert report.ok and "it learns" in report.notes[0]


def test_regression_targets_fit_by_loss_alone():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 1))
    x = torch.randn(16, 10)
    report = check_overfit_one_batch(model, (x, torch.randn(16, 1)), F.mse_loss,
                                     optimizer=torch.optim.Adam(model.parameters(), lr=1e-2))
    assert report.ok and report.stats["fitted"] is True


def test_model_optimizer_grads_and_rng_untouched():
    model = mlp()
    x, y = batch()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    F.cross_entropy(model(x), y).backward()
    optimizer.step()  # the user's optimizer has state and the parameters have .grad
    random.seed(1)
    np.random.seed(2)
    before = state_of(model)
    optimizer_state = {k: {n: t.clone() for n, t in v.items()} for k, v in optimizer.state_dict()["state"].items()}
    check_overfit_one_batch(model, (x, y), F.cross_entropy, optimizer=optimizer)
    assert_same(before, state_of(model))
    after = optimizer.state_dict()["state"]
    assert all(torch.equal(optimizer_state[k][n], after[k][n]) for k in optimizer_state for n in optimizer_state[k])
    assert optimizer.param_groups[0]["params"][0] is next(model.parameters())


# -- in `nnlint run` --------------------------------------------------------------------------------------

def test_run_reports_an_optimizer_built_from_another_instance_at_the_model_call(tmp_path):
    body = """
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
    optimizer = torch.optim.SGD(nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3)).parameters(), lr=0.5)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()  # the first training batch
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body, "--max-steps", "2")
    overfit = [f for f in findings if f["code"] == "NN910"]
    assert len(overfit) == 1 and "another model instance" in overfit[0]["message"]
    assert overfit[0]["location"]["row"] == line_of(script, "the first training batch")
    assert "overfit one batch" in result.stderr and "steps)" in result.stderr  # its cost


def test_run_reports_a_loss_cut_from_the_graph(tmp_path):
    body = """
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for x, y in data:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss = torch.tensor(loss.item(), requires_grad=True)  # "fixes" an error about grad
        loss.backward()
        optimizer.step()
    """
    findings = run(tmp_path, body, "--max-steps", "2")[1]
    assert "NN910" in codes(findings)
    (overfit,) = [f for f in findings if f["code"] == "NN910"]
    assert "cut from the graph" in overfit["message"]


def test_run_replays_the_script_own_loss_and_a_clean_script_fits(tmp_path):
    body = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))

        def forward(self, x, scale=1.0):
            return {"logits": self.body(x) * scale}

    model = Net()
    criterion = nn.CrossEntropyLoss(label_smoothing=0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for x, y in data:
        optimizer.zero_grad()
        out = model(x, scale=1.0)
        loss = criterion(out["logits"], y) + 0.0 * out["logits"].pow(2).mean()
        loss.backward()
        optimizer.step()
    """
    result, findings, _ = run(tmp_path, body, "--max-steps", "2")
    assert findings == [] and result.exit_code == 0
    assert "checks cost overfit one batch" in result.stderr and "skipped" not in result.stderr


def test_no_overfit_check_option(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(nn.Linear(10, 3).parameters(), lr=0.5)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    """
    result, findings, _ = run(tmp_path, body, "--max-steps", "2", "--no-overfit-check")
    assert "NN910" not in codes(findings) and "overfit" not in result.stderr


def test_run_follows_the_loss_past_a_no_grad_teacher(tmp_path):
    body = """
    teacher = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3)).eval()
    student = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
    optimizer = torch.optim.SGD(student.parameters(), lr=0.5)
    for x, y in data:
        logits = student(x)
        with torch.no_grad():
            soft = teacher(x).softmax(1)
        loss = F.cross_entropy(logits, y) + F.kl_div(logits.log_softmax(1), soft, reduction="batchmean")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """
    result, findings, _ = run(tmp_path, body, "--max-steps", "2")
    assert findings == [] and "checks cost overfit one batch" in result.stderr


def test_a_script_that_never_trains_gets_no_overfit_note(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    for x, _ in data:
        print(model(x).argmax(1)[:3])  # inference with gradients on, no backward
    """
    result, findings, _ = run(tmp_path, body)
    assert findings == [] and "overfit" not in result.stderr
