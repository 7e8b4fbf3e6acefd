"""NN911 input-not-normalised and NN912 degenerate-batch: flagged batches and look-alike clean ones, then the
same through `nnlint run` on the batch that enters the model."""

from __future__ import annotations

import pytest
import torch

from nnlint.runtime.batch_content import class_count, input_findings, single_class_finding
from tests.runtime.test_run_command import codes, line_of, run

g = torch.Generator().manual_seed(0)


def pixels(*shape):
    return torch.randint(0, 256, shape, generator=g).float()


FLAGGED = {
    "0-255 NCHW": pixels(16, 3, 32, 32),
    "0-255 NHWC": pixels(16, 32, 32, 3),
    "0-255 grey": pixels(16, 1, 28, 28),
    "mean-subtracted only": pixels(16, 3, 32, 32) - 120.5,
}

CLEAN = {
    "normalised": torch.randn(16, 3, 32, 32, generator=g),
    "ToTensor [0, 1]": pixels(16, 3, 32, 32) / 255,
    "ImageNet-normalised": (pixels(16, 3, 32, 32) / 255 - 0.45) / 0.225,
    "waveform": torch.randn(16, 16000, generator=g) * 0.1,
    "mono waveform with channel": torch.randn(16, 1, 16000, generator=g),
    "log-mel spectrogram in dB": -80 * torch.rand(16, 1, 64, 100, generator=g),
    "power spectrogram": torch.rand(16, 1, 64, 100, generator=g) ** 4 * 300,
    "token embeddings": torch.randn(16, 20, 64, generator=g) * 30,
    "feature vectors": torch.randn(16, 40, generator=g) * 100,
    "tiny 4x4 patches": pixels(16, 3, 4, 4),
}


@pytest.mark.parametrize("name", FLAGGED)
def test_unnormalised_images_are_flagged(name):
    assert [f.code for f in input_findings(FLAGGED[name])] == ["NN911"]


@pytest.mark.parametrize("name", CLEAN)
def test_look_alike_inputs_are_clean(name):
    assert input_findings(CLEAN[name]) == []


def test_the_message_says_0_255():
    (finding,) = input_findings(FLAGGED["0-255 NCHW"])
    assert "0-255" in finding.message and "divide by 255" in finding.message


def test_repeated_samples_in_a_batch():
    x = torch.randn(16, 3, 8, 8, generator=g)
    x[5] = x[2]
    (finding,) = input_findings(x)
    assert finding.code == "NN912" and "1 repeated sample(s) (15 distinct of 16)" in finding.message


def test_blank_padding_rows_are_not_repeats():
    x = torch.randn(16, 40, generator=g)
    x[10:] = 0  # padding of a last, partial batch
    assert input_findings(x) == []


def logits(n, classes=4):
    return torch.zeros(n, classes)


def test_one_class_in_every_batch_is_flagged_and_mixed_batches_are_not():
    one = [class_count(torch.full((16,), 2), logits(16)) for _ in range(3)]
    assert single_class_finding(one).code == "NN912"
    assert "(class 2, 2, 2)" in single_class_finding(one).message
    in_turn = [class_count(torch.full((16,), label), logits(16)) for label in (0, 0, 1)]  # sorted by label
    assert single_class_finding(in_turn).code == "NN912"
    mixed = one[:2] + [class_count(torch.tensor([2] * 15 + [1]), logits(16))]
    assert single_class_finding(mixed) is None


def test_one_class_look_alikes_are_clean():
    balanced = [torch.arange(16) % 4, torch.arange(16) % 2]
    assert single_class_finding([class_count(t, logits(16)) for t in balanced]) is None
    assert class_count(torch.full((4,), 1), logits(4)) is None  # too small to judge
    assert class_count(torch.ones(16), torch.zeros(16, 1)) is None  # regression / one logit
    assert class_count(torch.zeros(16, 32, 32, dtype=torch.long), torch.zeros(16, 3, 32, 32)) is None  # masks


# -- through `nnlint run` -------------------------------------------------------------------------------------

def test_run_flags_0_255_images_at_the_model_call(tmp_path):
    body = """
    images = torch.randint(0, 256, (64, 3, 16, 16)).float()  # never divided by 255
    labels = torch.randint(0, 4, (64,))
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(4))
    model(images[:2])
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for i in range(0, 64, 16):
        optimizer.zero_grad()
        F.cross_entropy(model(images[i:i + 16]), labels[i:i + 16]).backward()  # the batch enters here
        optimizer.step()
    """
    result, findings, script = run(tmp_path, body, "--max-steps", "3", "--no-overfit-check")
    (finding,) = [f for f in findings if f["code"] == "NN911"]
    assert finding["location"]["row"] == line_of(script, "the batch enters here")


def test_run_with_normalised_images_is_clean(tmp_path):
    body = """
    images = torch.randint(0, 256, (64, 3, 16, 16)).float() / 255
    images = (images - 0.5) / 0.25
    labels = torch.randint(0, 4, (64,))
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 14 * 14, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for i in range(0, 64, 16):
        optimizer.zero_grad()
        F.cross_entropy(model(images[i:i + 16]), labels[i:i + 16]).backward()
        optimizer.step()
    """
    result, findings, _ = run(tmp_path, body, "--max-steps", "3", "--no-overfit-check")
    assert findings == [] and result.exit_code == 0


SORTED = """
from torch.utils.data import DataLoader, TensorDataset
x = torch.randn(96, 10)
y = torch.arange(3).repeat_interleave(32)  # sorted by label
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle={shuffle})
model = nn.Linear(10, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for xb, yb in loader:
    optimizer.zero_grad()
    F.cross_entropy(model(xb), yb).backward()
    optimizer.step()
"""


def test_run_flags_a_loader_sorted_by_label_without_shuffle(tmp_path):
    result, findings, _ = run(tmp_path, SORTED.format(shuffle=False), "--no-overfit-check")
    assert codes(findings) == ["NN912"] and "class 0" in findings[0]["message"]


def test_run_with_shuffled_loader_is_clean(tmp_path):
    result, findings, _ = run(tmp_path, SORTED.format(shuffle=True), "--no-overfit-check")
    assert findings == []
