"""Record every torch op a forward runs, with the user's source line it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.overrides import TorchFunctionMode, resolve_name

from nnlint.runtime.batching import tensors_in
from nnlint.runtime.sourceline import user_location


def op_name(func: Callable) -> str:
    name = resolve_name(func) or getattr(func, "__qualname__", None) or repr(func)
    for prefix in ("torch.nn.functional.", "torch._C._nn.", "torch._C._VariableFunctions."):
        if name.startswith(prefix):
            return "F." + name[len(prefix):] if "functional" in prefix else "torch." + name[len(prefix):]
    return name.removeprefix("torch.") if name.startswith("torch.Tensor.") else name


@dataclass(frozen=True)
class OpCall:
    index: int
    name: str
    location: str | None
    owner: str | None = None  # the allowed module whose forward ran the op


class OpRecorder(TorchFunctionMode):
    """Calls `observe(op, output_tensors)` after each torch op that returns tensors."""

    def __init__(self, observe: Callable[[OpCall, list[torch.Tensor]], None],
                 owner: Callable[[], str | None] = lambda: None):
        super().__init__()
        self.observe, self.owner = observe, owner
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        tensors = tensors_in(out) if isinstance(out, (torch.Tensor, tuple, list)) else []
        if tensors:
            self.observe(OpCall(self.count, op_name(func), user_location(skip=2), self.owner()), tensors)
            self.count += 1
        return out
