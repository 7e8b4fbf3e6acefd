"""Distributed training: probe the module inside DDP/FSDP wrappers, know our rank without collectives."""

from __future__ import annotations

import os

from torch import nn


class CallableModule(nn.Module):
    """A plain function (or lambda) seen as a module without parameters, so the checks treat it alike."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, *args, **kwargs):
        return self.function(*args, **kwargs)


def unwrap(model) -> nn.Module:
    """The user's module inside DistributedDataParallel / DataParallel / torch.compile wrappers.
    Calling the wrapper would run collectives (buffer broadcast, all-gathers) that could deadlock when only
    one rank probes."""
    if not isinstance(model, nn.Module):
        owner = getattr(model, "__self__", None)  # a bound method such as model.generate_logits
        return CallableModule(model) if not isinstance(owner, nn.Module) else _BoundModule(owner, model)
    seen = set()
    while id(model) not in seen:
        seen.add(id(model))
        name = type(model).__name__
        if name in ("DistributedDataParallel", "DataParallel") and isinstance(getattr(model, "module", None), nn.Module):
            model = model.module
        elif name == "OptimizedModule" and isinstance(getattr(model, "_orig_mod", None), nn.Module):
            model = model._orig_mod
    return model


def rank() -> int:
    """This process's global rank: from torch.distributed when initialised, else the launcher's env."""
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank()
    except (ImportError, RuntimeError):
        pass
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_world_size()
    except (ImportError, RuntimeError):
        pass
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_sharded(model: nn.Module) -> bool:
    """FSDP keeps only a shard of each parameter on a rank: the module cannot run without collectives."""
    return any(type(m).__name__ in ("FullyShardedDataParallel", "FSDPModule") or type(m).__name__.startswith("FSDP")
               for m in model.modules())


class _BoundModule(nn.Module):
    """A bound method of a module: its owner's state is what the check must leave untouched."""

    def __init__(self, owner: nn.Module, method):
        super().__init__()
        self.owner = unwrap(owner)
        self.method = method

    def forward(self, *args, **kwargs):
        return self.method(*args, **kwargs)
