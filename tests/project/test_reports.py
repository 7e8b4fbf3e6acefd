"""What the user sees of a finding that involves another file: the message names it, SARIF carries it as a
related location, the full format shows it as a note, JSON lists it."""

from __future__ import annotations

import json

NET = """\
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.fc(x))
"""
TRAIN = """\
import torch.nn.functional as F
from models.net import Net


def train(loader, optimizer):
    model = Net()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def make(write):
    write("models/__init__.py", "")
    write("models/net.py", NET)
    write("train.py", TRAIN)


def test_full_format_shows_the_other_file_as_a_note(nnlint, write):
    make(write)
    result = nnlint(".", "--no-cache")
    assert result.code == 1
    assert "train.py:8:16: NN201 the model's output goes through `nn.Softmax` in models/net.py:8" in result.stdout
    assert "= note: models/net.py:8:20: `nn.Softmax` is here" in result.stdout


def test_sarif_related_locations(nnlint, write):
    make(write)
    log = json.loads(nnlint(".", "--no-cache", "--output-format", "sarif").stdout)
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py"
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "models/net.py"
    assert related["physicalLocation"]["region"] == {"startLine": 8, "startColumn": 20}
    assert related["message"]["text"] == "`nn.Softmax` is here"


def test_json_lists_the_related_place_and_a_plain_finding_has_none(nnlint, write):
    make(write)
    write("plain.py", "import torch.nn.functional as F\nloss = F.cross_entropy(F.softmax(z, dim=1), y)\n")
    found = json.loads(nnlint(".", "--no-cache", "--output-format", "json").stdout)
    by_file = {item["filename"]: item for item in found}
    assert by_file["train.py"]["related"] == [
        {"filename": "models/net.py", "location": {"row": 8, "column": 20}, "message": "`nn.Softmax` is here"}
    ]
    assert "related" not in by_file["plain.py"]


def test_src_must_be_a_list_of_folders(nnlint, write):
    write("pyproject.toml", "[tool.nnlint]\nsrc = \"lib\"\n")
    write("train.py", "x = 1\n")
    result = nnlint(".")
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        "nnlint: error: " + result.stderr.strip().split("nnlint: error: ")[1]
    ]
    assert "`src` must be a list of strings" in result.stderr


def test_stdin_with_a_filename_reads_the_projects_other_files(nnlint, write):
    """What editors and pre-commit hooks do: the unsaved text on stdin, the rest of the project on disk."""
    make(write)
    result = nnlint("-", "--stdin-filename", "train.py", "--no-cache", "--output-format", "concise", stdin=TRAIN)
    assert result.code == 1
    assert "train.py:8:16: NN201" in result.stdout and "models/net.py:8" in result.stdout
