"""`nnlint run --report`: the page a person opens, checked in real headless Chromium; `--report-dir` for CI
artifacts; the one-line error without the `report` extra."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.runtime.command import run_command
from tests.runtime.chromium import find_chromium, visit

REPO = Path(__file__).resolve().parents[2]

IMAGES = """
import argparse
import torch
import torch.nn.functional as F
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=30)
args = parser.parse_args()
torch.manual_seed(0)
images = torch.rand(64, 3, 16, 16) * 255  # the bug the report shows: never scaled
labels = torch.randint(0, 3, (64,))
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                      nn.Linear(128, 32), nn.Tanh(), nn.Linear(32, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.1)
for epoch in range(args.epochs):
    for i in range(0, 64, 16):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images[i:i + 16] / 255), labels[i:i + 16])
        loss.backward()
        optimizer.step()
    scheduler.step()
"""


def write_script(tmp_path, text=IMAGES):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(text))
    return script


def run_report(script, *options):
    return CliRunner().invoke(run_command, [str(script), "--output-format", "json", *options],
                              catch_exceptions=False)


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip("chromium is not installed (.ci/run installs the Debian package `chromium` with apt)")
    return path


def pixels(png: bytes):
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png")


def test_the_report_opens_in_chromium_with_every_picture_and_no_error(tmp_path, chromium):
    script = write_script(tmp_path)
    page = tmp_path / "out" / "nnlint-report.html"
    result = run_report(script, "--max-steps", "8", "--report", str(page))
    assert result.exit_code == 0, result.stderr
    assert f"report written to {page}" in result.stderr

    seen = visit(page.as_uri(), chromium)
    (tmp_path / "screenshot.png").write_bytes(seen.screenshot)
    assert "train.py" in seen.title
    assert len(seen.images) >= 6  # batch, overfit, loss/lr, schedule, grad norm, update ratio, ...
    assert all(image["complete"] and image["naturalWidth"] > 0 for image in seen.images), seen.images
    assert seen.console_errors == []
    assert all(url.startswith(("file:", "data:")) for url in seen.requests), seen.requests  # no network
    shot = pixels(seen.screenshot)
    assert shot.shape[0] > 900 and shot.std() > 0.05  # a long page with content, not a blank one


def test_findings_come_first_with_their_line_and_rule_link(tmp_path):
    script = write_script(tmp_path, IMAGES.replace("images[i:i + 16] / 255", "images[i:i + 16]"))
    page = tmp_path / "report.html"
    result = run_report(script, "--max-steps", "4", "--report", str(page), "--no-overfit-check")
    assert result.exit_code == 1
    text = page.read_text()
    assert text.index("Findings (1)") < text.index("<img")
    assert "NN911" in text and "https://" in text and "rules/NN911" in text
    assert "model(images[i:i + 16])" in text  # the source line
    assert "data:image/png;base64," in text and "<script" not in text and "<link" not in text


def test_report_dir_writes_pngs_and_json(tmp_path):
    script = write_script(tmp_path)
    folder = tmp_path / "artifacts"
    result = run_report(script, "--max-steps", "8", "--report-dir", str(folder))
    assert result.exit_code == 0, result.stderr
    data = json.loads((folder / "report.json").read_text())
    assert data["steps"] == 8 and data["findings"] == []
    assert len(data["dynamics"]["loss"]) == 8 and len(data["dynamics"]["lr"]) == 8
    assert data["overfit"]["fitted"] is True and data["overfit"]["steps"] == len(data["overfit"]["losses"]) - 1
    (plan,) = data["dynamics"]["schedule"]
    assert plan["name"] == "StepLR" and plan["horizon"] == 30 and plan["unit"] == "epoch"
    assert [row[0] for row in plan["lrs"]][::10] == pytest.approx([0.01, 0.001, 0.0001, 1e-5])  # 0..30 epochs
    assert data["batches"][0]["inputs"][0]["shape"] == [16, 3, 16, 16]
    for name in data["charts"]:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"batch_step1_input0.png", "overfit.png", "loss_lr.png", "schedule_StepLR.png", "grad_norm.png",
            "update_ratio.png", "activations.png", "predictions.png"} <= set(data["charts"])


def test_token_batches_are_shown_as_rows_of_ids(tmp_path):
    script = write_script(tmp_path, """
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    tokens = torch.randint(0, 50, (32, 12))
    model = nn.Sequential(nn.Embedding(50, 16), nn.Flatten(), nn.Linear(16 * 12, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for i in range(0, 32, 8):
        optimizer.zero_grad()
        F.cross_entropy(model(tokens[i:i + 8]), (tokens[i:i + 8, 0] > 25).long()).backward()
        optimizer.step()
    """)
    page = tmp_path / "report.html"
    assert run_report(script, "--report", str(page)).exit_code == 0
    text = page.read_text()
    assert "token ids (8, 12)" in text and "class='tokens'" in text
    assert re.search(r"<td>0</td><td><code>(\d+ ){11}\d+</code>", text)


def test_without_matplotlib_report_is_a_one_line_error_naming_the_extra(tmp_path):
    script = write_script(tmp_path, "print('the script ran')\n")
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from nnlint.runtime.command import run_command\n"
            f"run_command([{str(script)!r}, '--report', 'r.html'], prog_name='nnlint run')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == "nnlint: error: --report needs matplotlib: pip install 'nnlint[report]'"
    assert "the script ran" not in out.stdout


def test_a_report_path_that_cannot_be_written_is_one_line(tmp_path):
    script = write_script(tmp_path, "print('hi')\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_report(script, "--report", str(blocker / "report.html"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("nnlint: error: cannot write the report")


def test_images_are_also_shown_de_normalised_when_the_script_built_a_normalize(tmp_path):
    # A stand-in for torchvision.transforms beside the script (nnlint looks the class up by module and name,
    # as it would find torchvision's own; torchvision is not a test dependency).
    package = tmp_path / "torchvision"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "transforms.py").write_text(textwrap.dedent("""
        class Normalize:
            def __init__(self, mean, std):
                self.mean, self.std = mean, std

            def __call__(self, x):
                import torch
                return (x - torch.tensor(self.mean).view(-1, 1, 1)) / torch.tensor(self.std).view(-1, 1, 1)
    """))
    script = write_script(tmp_path, IMAGES.replace(
        "images = torch.rand(64, 3, 16, 16) * 255  # the bug the report shows: never scaled",
        "from torchvision.transforms import Normalize\n"
        "normalize = Normalize((0.5, 0.4, 0.3), (0.2, 0.2, 0.2))\n"
        "images = torch.stack([normalize(image) for image in torch.rand(64, 3, 16, 16)]) * 255"))
    folder = tmp_path / "artifacts"
    assert run_report(script, "--max-steps", "2", "--report-dir", str(folder), "--no-overfit-check").exit_code == 0
    charts = json.loads((folder / "report.json").read_text())["charts"]
    assert "batch_step1_input0.png" in charts and "batch_step1_input0_raw.png" in charts


def test_without_a_normalize_there_is_no_de_normalised_grid(tmp_path):
    folder = tmp_path / "artifacts"
    assert run_report(write_script(tmp_path), "--max-steps", "2", "--report-dir", str(folder),
                      "--no-overfit-check").exit_code == 0
    charts = json.loads((folder / "report.json").read_text())["charts"]
    assert "batch_step1_input0.png" in charts and "batch_step1_input0_raw.png" not in charts


def test_dynamics_show_dead_relus_and_predictions_that_learn(tmp_path):
    script = write_script(tmp_path, """
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.alive = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
            self.dead = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
            nn.init.constant_(self.dead[0].bias, -100.0)  # every unit of this ReLU is dead

        def forward(self, x):
            return self.alive(x) + self.dead(x)

    torch.manual_seed(0)
    x, y = torch.randn(32, 10), torch.randint(0, 3, (32,))
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(30):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    """)
    folder = tmp_path / "artifacts"
    result = run_report(script, "--report-dir", str(folder), "--no-overfit-check", "--exit-zero")
    assert result.exit_code == 0, result.stderr
    data = json.loads((folder / "report.json").read_text())
    assert [f["code"] for f in data["findings"]] == ["NN904"]  # dead.0 gets no gradient: the same story
    fractions = {site: [point[1] for point in points] for site, points in data["dynamics"]["activations"].items()}
    assert set(fractions) == {"alive.1 (relu)", "dead.1 (relu)"}
    assert all(value == 1.0 for value in fractions["dead.1 (relu)"])
    assert all(value < 0.9 for value in fractions["alive.1 (relu)"])
    assert data["dynamics"]["probe_kind"] == "probability of the true class"
    first, last = data["dynamics"]["probe"][0], data["dynamics"]["probe"][-1]
    assert sum(last) / len(last) > sum(first) / len(first) + 0.2  # the probe batch is being learned
