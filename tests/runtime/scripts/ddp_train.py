"""A small DDP training script for `torchrun --nproc_per_node 2` on CPU (gloo).

Its model centres features over the batch (a batch-mixing bug every rank sees), and rank 1's data holds a
NaN sample (a finding only rank 1 sees). (SyncBatchNorm needs GPU modules under DDP; its unit test is
test_distributed.py::test_sync_batchnorm_is_probed_in_eval_mode_without_a_process_group.)
"""

import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 16)
        self.norm = nn.BatchNorm1d(16)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h = self.norm(self.fc(x))
        h = h - h.mean(dim=0)  # centres over the (local) batch: mixes samples
        return self.head(h)


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(rank)
    model = DistributedDataParallel(Model())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(20):
        x, y = torch.randn(12, 10), torch.randint(0, 3, (12,))
        if rank == 1 and step == 0:
            x[4, 2] = float("nan")
        optimizer.zero_grad()
        F.cross_entropy(model(x).nan_to_num(), y).backward()
        optimizer.step()
    dist.destroy_process_group()
    raise SystemExit(f"rank {rank}: --max-steps should have stopped the run")


if __name__ == "__main__":
    main()
