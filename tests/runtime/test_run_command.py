"""`nnlint run`: a training script, the command, the findings — and the exit codes of static mode."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from nnlint.runtime.command import run_command

REPO = Path(__file__).resolve().parents[2]

PRELUDE = """
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
data = [(torch.randn(16, 10), torch.randint(0, 3, (16,))) for _ in range(8)]
"""


def run(tmp_path, body, *options, script_args=()):
    script = tmp_path / "train.py"
    script.write_text(PRELUDE + textwrap.dedent(body))
    args = [str(script), "--output-format", "json", *options]
    if script_args:
        args += ["--", *script_args]
    result = CliRunner().invoke(run_command, args, catch_exceptions=False)
    findings = json.loads(result.stdout) if result.stdout.strip().startswith("[") else None
    return result, findings, script


def codes(findings):
    return sorted(f["code"] for f in findings)


def line_of(script, text):
    return next(n for n, line in enumerate(script.read_text().splitlines(), 1) if text in line)


CLEAN = """
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    model.train()
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(data[0][0]).argmax(1) == data[0][1]).float().mean()
print("done", float(accuracy))
"""


def test_clean_script_exits_zero_and_runs_to_the_end(tmp_path):
    result, findings, _ = run(tmp_path, CLEAN)
    assert result.exit_code == 0, result.output
    assert findings == []
    assert "done" in result.stderr  # machine format on stdout: the script's prints go to stderr


def test_max_steps_stops_the_script_cleanly(tmp_path):
    result, findings, _ = run(tmp_path, CLEAN + "raise SystemExit('never reached')\n", "--max-steps", "3")
    assert result.exit_code == 0, result.output
    assert "done" not in result.stderr and findings == []
    assert "nnlint: watched 3 optimizer step(s) (stopped after --max-steps 3)" in result.stderr


def test_script_arguments_after_double_dash_reach_the_script(tmp_path):
    body = """
    import sys
    assert sys.argv[1:] == ["--epochs", "1"], sys.argv
    print("args ok")
    """
    result, findings, _ = run(tmp_path, textwrap.dedent(body) + CLEAN, script_args=("--epochs", "1"))
    assert result.exit_code == 0 and "args ok" in result.stderr


def test_batch_mixing_in_the_model_is_reported_at_its_line(tmp_path):
    body = """
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 3)

        def forward(self, x):
            h = self.fc(x)
            return h - h.mean(dim=0)  # normalises over the batch

    model = Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body, "--max-steps", "2")
    assert result.exit_code == 1
    (finding,) = findings
    assert finding["code"] == "NN901" and finding["name"] == "batch-mixing"
    assert finding["location"]["row"] == line_of(script, "normalises over the batch")
    assert finding["filename"].endswith("train.py")


def test_gradients_never_zeroed(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for x, y in data:
        loss = F.cross_entropy(model(x), y)
        loss.backward()  # accumulates into last step's gradient
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body)
    assert codes(findings) == ["NN905"]
    assert findings[0]["location"]["row"] == line_of(script, "accumulates into")


def test_gradient_accumulation_with_zeroing_is_fine(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for i, (x, y) in enumerate(data):
        (F.cross_entropy(model(x), y) / 2).backward()
        if (i + 1) % 2 == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=False)
    """
    result, findings, _ = run(tmp_path, body)
    assert result.exit_code == 0 and findings == []


def test_evaluation_in_train_mode(tmp_path):
    body = """
    model = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.Dropout(0.5), nn.Linear(32, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data[:2]:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        val_logits = model(data[0][0])  # no model.eval()
    """
    result, findings, script = run(tmp_path, body)
    (finding,) = findings
    assert finding["code"] == "NN906" and "1 BatchNorm and 1 Dropout" in finding["message"]
    assert finding["location"]["row"] == line_of(script, "no model.eval()")


def test_learning_rate_collapsing_in_the_first_half(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        scheduler.step()  # an epoch schedule stepped per batch
    """
    result, findings, _ = run(tmp_path, body)
    (finding,) = findings
    assert finding["code"] == "NN907" and "fell to 0.0001 (0.1% of its peak 0.1) by step 4 of 8" in finding["message"]


def test_warmup_is_not_a_collapse(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / 4))
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        scheduler.step()
    """
    assert run(tmp_path, body)[1] == []


def test_non_finite_loss(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        optimizer.zero_grad()
        loss = (model(x).softmax(1) - 1).log().mean()  # log of a negative number
        loss.backward()
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body, "--max-steps", "2")
    (finding,) = findings
    assert finding["code"] == "NN908" and finding["message"].startswith("the loss is nan at step 1")
    assert finding["location"]["row"] == line_of(script, "loss.backward()")


def test_non_finite_gradient_of_a_finite_loss(tmp_path):
    body = """
    model = nn.Linear(10, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        optimizer.zero_grad()
        out = model(x)
        loss = (out - out.detach()).abs().sqrt().sum()  # zero, with an infinite slope
        loss.backward()
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body, "--max-steps", "1")
    (finding,) = findings
    assert finding["code"] == "NN908" and "non-finite gradient at step 1 in weight, bias" in finding["message"]
    assert finding["location"]["row"] == line_of(script, "optimizer.step()")


def test_parameter_that_never_gets_a_gradient(tmp_path):
    body = """
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 3)
            self.unused = nn.Linear(10, 3)

        def forward(self, x):
            return self.fc(x)

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    """
    (finding,) = run(tmp_path, body, "--max-steps", "3")[1]
    assert finding["code"] == "NN904" and "unused.weight, unused.bias" in finding["message"]


def test_allow_accepts_a_module_that_mixes_on_purpose(tmp_path):
    body = """
    class Centre(nn.Module):
        def forward(self, x):
            return x - x.mean(dim=0)

    model = nn.Sequential(nn.Linear(10, 3), Centre())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    """
    assert codes(run(tmp_path, body, "--max-steps", "1")[1]) == ["NN901"]
    result, findings, _ = run(tmp_path, body, "--max-steps", "1", "--allow", "Centre")
    assert findings == [] and result.exit_code == 0 and "allowed module 1" in result.stderr


def test_sparse_embedding_gradients_are_watched(tmp_path):
    body = """
    model = nn.EmbeddingBag(50, 3, mode="mean", sparse=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        ids = (x.abs() * 10).long().clamp(max=49)
        F.cross_entropy(model(ids), y).backward()  # never zeroed
        optimizer.step()
    """
    result, findings, _ = run(tmp_path, body, "--max-steps", "3")
    assert codes(findings) == ["NN905"]


def test_model_called_with_keywords_is_checked_on_its_next_call(tmp_path):
    body = """
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(20, 8)
            self.head = nn.Linear(8, 3)

        def forward(self, input_ids, attention_mask=None):
            h = self.embed(input_ids).mean(1)
            return self.head(h - h.mean(0))  # centres over the batch

    model = Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in data:
        ids = (x.abs() * 5).long().clamp(max=19)
        optimizer.zero_grad()
        F.cross_entropy(model(input_ids=ids, attention_mask=torch.ones_like(ids)), y).backward()
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body, "--max-steps", "3")
    (finding,) = findings
    assert finding["code"] == "NN901" and finding["location"]["row"] == line_of(script, "centres over the batch")


def test_exit_zero_and_output_file(tmp_path):
    out = tmp_path / "report.sarif"
    result, _, _ = run(tmp_path, "x = torch.zeros(3)\nx.requires_grad_()\n(x.log().sum()).backward()\n",
                       "--exit-zero", "--output-file", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text())[0]["code"] == "NN908"  # --output-format json into the file


def test_full_format_shows_the_source_line(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(PRELUDE + "x = torch.zeros(3, requires_grad=True)\nx.log().sum().backward()\n")
    result = CliRunner().invoke(run_command, [str(script), "--no-color"])
    assert result.exit_code == 1
    assert "NN908" in result.stdout and "x.log().sum().backward()" in result.stdout


def test_missing_script_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(run_command, [str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"nnlint: error: script not found: {tmp_path / 'nope.py'}"


def test_script_that_crashes_reports_its_traceback_and_exits_2(tmp_path):
    result, findings, _ = run(tmp_path, "raise ValueError('bad data')\n")
    assert result.exit_code == 2
    assert "ValueError: bad data" in result.stderr and findings == []


def test_script_that_catches_every_exception_is_still_stopped(tmp_path):
    body = CLEAN.replace("        optimizer.step()", "        try:\n            optimizer.step()\n"
                         "        except Exception:\n            pass")
    result, findings, _ = run(tmp_path, body + "print('after the loop')\n", "--max-steps", "2")
    assert result.exit_code == 0 and "after the loop" not in result.stderr


def test_importing_the_command_does_not_import_torch():
    code = "import sys, nnlint.runtime.command, nnlint.runtime.codes; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"


def test_example_training_script_through_the_nnlint_command():
    out = subprocess.run([sys.executable, "-m", "nnlint", "run", "examples/train.py", "--max-steps", "3",
                          "--output-format", "json"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert out.returncode == 1, out.stderr
    findings = json.loads(out.stdout)
    (mixing,) = [f for f in findings if f["code"] == "NN901"]
    source = (REPO / "examples/train.py").read_text().splitlines()
    assert "mixes samples" in source[mixing["location"]["row"] - 1]
    assert "Traceback" not in out.stderr
