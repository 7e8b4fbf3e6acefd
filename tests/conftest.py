"""Shared fixtures: run the real `nnlint` program the way a user does."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def nnlint(tmp_path):
    """Run `nnlint ARGS...` in a fresh project directory (tmp_path) and capture what a terminal would show."""

    def run(*args: str, cwd: Path | None = None, stdin: str | bytes | None = None, env=None) -> Result:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        completed = subprocess.run(
            [sys.executable, "-m", "nnlint", *args],
            cwd=cwd or tmp_path,
            input=data,
            capture_output=True,
            timeout=300,
            env=env,
        )
        return Result(completed.returncode, completed.stdout.decode(), completed.stderr.decode())

    return run


@pytest.fixture
def write(tmp_path):
    """Write a dedented file under the project directory."""

    def put(relative: str, text: str | bytes) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return put


VIEW_BUG = """
import torch


def forward(x):
    b, c, h, w = x.shape
    return x.view(b, h, w, c)
"""

CLAMP_BUG = """
import torch
import torch.nn.functional as F


def step(model, x, y):
    loss = F.cross_entropy(model(x), y)
    loss = torch.clamp(loss, max=5.0)
    loss.backward()
"""
