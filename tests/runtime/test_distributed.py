"""Distributed training: unwrap DDP, treat SyncBatchNorm like BatchNorm, report once from rank 0 — tested
for real under `torchrun --nproc_per_node 2` on CPU with gloo."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from nnlint.runtime import check_batch_independence, rank_merge
from nnlint.runtime.findings import Finding

REPO = Path(__file__).resolve().parents[2]
SCRIPT = "tests/runtime/scripts/ddp_train.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_of(text: str) -> int:
    return next(n for n, line in enumerate((REPO / SCRIPT).read_text().splitlines(), 1) if text in line)


def test_torchrun_two_ranks_report_once_from_rank_zero(tmp_path):
    out = tmp_path / "findings.json"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port",
               str(free_port()), "-m", "nnlint.runtime", SCRIPT, "--max-steps", "2", "--output-format", "json",
               "--output-file", str(out), "--report", str(tmp_path / "report.html")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.exists(), done.stderr
    findings = json.loads(out.read_text())
    mixing = [f for f in findings if f["code"] == "NN901" and f["location"]["row"] == line_of("mixes samples")]
    assert len(mixing) == 1 and mixing[0]["message"].endswith("(rank 0)")  # both ranks saw it: reported once
    nan_sample = [f for f in findings if f["code"] == "NN908" and "input sample(s) 4" in f["message"]]
    assert len(nan_sample) == 1 and nan_sample[0]["message"].endswith("(rank 1)")  # only rank 1 had it
    assert "should have stopped" not in done.stderr  # --max-steps ended the script on every rank
    assert done.stderr.count("report written to") == 1  # rank 0 writes the report for the job
    assert "(rank 1)" in (tmp_path / "report.html").read_text()  # with the other rank's findings


def test_sync_batchnorm_is_probed_in_eval_mode_without_a_process_group():
    model = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8)))
    assert isinstance(model[1], nn.SyncBatchNorm) and model[1].training
    report = check_batch_independence(model, torch.randn(10, 6))
    assert report.ok and "1 SyncBatchNorm layer(s) (1) were probed in eval mode" in str(report)
    assert model[1].training


def test_ddp_wrapped_model_is_probed_through_its_inner_module(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        inner = nn.Sequential(nn.Linear(6, 4), nn.Softmax(dim=0))
        wrapped = DistributedDataParallel(inner)
        (finding,) = check_batch_independence(wrapped, torch.randn(10, 6)).findings
        assert finding.code == "NN901" and finding.op == "F.softmax"
    finally:
        dist.destroy_process_group()


def test_rank_zero_notes_a_rank_that_never_reported(monkeypatch):
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    mine = [Finding("NN905", "not zeroed", location="train.py:3")]
    rank_merge.publish(2, [Finding("NN905", "not zeroed", location="train.py:3"),
                           Finding("NN908", "nan", location="train.py:9")], [])
    findings, notes = rank_merge.gather(3, mine, [], wait=0.2)
    assert [(f.code, f.rank) for f in findings] == [("NN905", None), ("NN908", None)]
    assert notes == ["rank 1 sent no findings within 0.2 s"]
