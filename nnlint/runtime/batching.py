"""The model's call arguments as a flat list of leaves, and the row operations the checks need on them.

`inputs` may be one tensor, a tuple/list (passed as *args) or a dict (passed as **kwargs). A leaf is
"batched" when it is a tensor whose `batch_dim` has the batch size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class ModelInputs:
    kind: str  # "tensor" | "args" | "kwargs"
    keys: tuple  # argument names for "kwargs"
    leaves: list[Any]
    batch_dim: int
    batch_size: int

    @classmethod
    def wrap(cls, inputs: Any, batch_dim: int = 0, batch_size: int | None = None) -> ModelInputs:
        if isinstance(inputs, torch.Tensor):
            kind, keys, leaves = "tensor", (), [inputs]
        elif isinstance(inputs, Mapping):
            kind, keys, leaves = "kwargs", tuple(inputs), list(inputs.values())
        elif isinstance(inputs, Sequence) and not isinstance(inputs, str):
            kind, keys, leaves = "args", (), list(inputs)
        else:
            raise TypeError(f"inputs must be a tensor, a tuple/list or a dict of tensors, not {type(inputs).__name__}")
        if batch_size is None:
            sizes = [leaf.shape[batch_dim] for leaf in leaves if _has_dim(leaf, batch_dim)]
            if not sizes:
                raise ValueError(f"no input tensor has a dim {batch_dim} to take as the batch dim")
            batch_size = sizes[0]
        return cls(kind, keys, leaves, batch_dim, batch_size)

    def batched(self) -> list[int]:
        """Indices of the leaves that carry the batch."""
        return [i for i, leaf in enumerate(self.leaves) if _has_dim(leaf, self.batch_dim)
                and leaf.shape[self.batch_dim] == self.batch_size]

    def call(self, model: Callable, leaves: list[Any] | None = None) -> Any:
        leaves = self.leaves if leaves is None else leaves
        if self.kind == "tensor":
            return model(leaves[0])
        if self.kind == "kwargs":
            return model(**dict(zip(self.keys, leaves)))
        return model(*leaves)

    def replace(self, leaves: list[Any], batch_size: int | None = None) -> ModelInputs:
        size = self.batch_size if batch_size is None else batch_size
        return ModelInputs(self.kind, self.keys, leaves, self.batch_dim, size)

    def detached(self) -> ModelInputs:
        """A private copy, made outside inference mode so autograd can use it."""
        with torch.inference_mode(False), torch.no_grad():
            leaves = [leaf.detach().clone() if isinstance(leaf, torch.Tensor) else leaf for leaf in self.leaves]
        return self.replace(leaves)

    def select(self, rows: Sequence[int]) -> ModelInputs:
        """The sub-batch made of `rows`."""
        batched = set(self.batched())
        leaves = list(self.leaves)
        for i in batched:
            index = torch.as_tensor(list(rows), device=leaves[i].device, dtype=torch.long)
            leaves[i] = leaves[i].index_select(self.batch_dim, index)
        return self.replace(leaves, batch_size=len(rows))

    def with_fresh_rows(self, rows: Sequence[int], generator: torch.Generator) -> ModelInputs:
        """A copy where `rows` hold fresh random data matched to the batch's statistics."""
        leaves = list(self.leaves)
        for i in self.batched():
            leaves[i] = fresh_rows(leaves[i], rows, self.batch_dim, generator)
        return self.replace(leaves)

    @staticmethod
    def concat(copies: list[ModelInputs]) -> ModelInputs:
        """The copies one after another along the batch dim: one forward instead of many."""
        first = copies[0]
        leaves = list(first.leaves)
        for i in first.batched():
            leaves[i] = torch.cat([copy.leaves[i] for copy in copies], dim=first.batch_dim)
        return first.replace(leaves, batch_size=first.batch_size * len(copies))

    def to(self, device: torch.device) -> ModelInputs:
        return self.replace([leaf.to(device) if isinstance(leaf, torch.Tensor) else leaf for leaf in self.leaves])


def _has_dim(value: Any, dim: int) -> bool:
    return isinstance(value, torch.Tensor) and value.dim() > dim


def fresh_rows(tensor: torch.Tensor, rows: Sequence[int], dim: int, generator: torch.Generator) -> torch.Tensor:
    """Replace `rows` of `tensor` (along `dim`) with random data. Floats: Gaussian with the batch's mean and
    std per feature; integers: uniform over the batch's range; bools: coin flips. Fresh data, never the
    batch's own samples shuffled: a shuffle keeps the set of samples, and with it a router's choices."""
    if not rows:
        return tensor
    out = tensor.detach().clone()
    moved = out.movedim(dim, 0)
    index = torch.as_tensor(list(rows), device=tensor.device, dtype=torch.long)
    shape = (len(rows), *moved.shape[1:])
    if tensor.is_floating_point() or tensor.is_complex():
        finite = torch.where(torch.isfinite(moved), moved, torch.zeros_like(moved))
        mean = finite.mean(0, keepdim=True)
        std = finite.std(0, keepdim=True, unbiased=False) if moved.shape[0] > 1 else torch.ones_like(mean)
        std = torch.where(std > 0, std, torch.ones_like(std))
        noise = torch.randn(shape, generator=generator, device="cpu", dtype=torch.float32)
        new = (noise.to(device=tensor.device, dtype=tensor.dtype) * std + mean)
    elif tensor.dtype == torch.bool:
        new = torch.rand(shape, generator=generator).lt(0.5).to(tensor.device)
    else:
        low, high = int(moved.min()), int(moved.max())
        new = torch.randint(low, high + 1, shape, generator=generator, dtype=torch.int64)
        if high == low:
            new = new.fill_(low)
        new = new.to(device=tensor.device, dtype=tensor.dtype)
    moved.index_copy_(0, index, new)
    return out


def tensors_in(value: Any) -> list[torch.Tensor]:
    """Every tensor inside a model's output: tensors, tuples/lists, dicts and HF-style output objects."""
    found: list[torch.Tensor] = []
    seen: set[int] = set()

    def visit(item: Any, depth: int) -> None:
        if depth > 6 or id(item) in seen:
            return
        seen.add(id(item))
        if isinstance(item, torch.Tensor):
            found.append(item)
        elif isinstance(item, Mapping):
            for sub in item.values():
                visit(sub, depth + 1)
        elif isinstance(item, (list, tuple)):
            for sub in item:
                visit(sub, depth + 1)
        elif hasattr(item, "__dataclass_fields__"):
            for name in item.__dataclass_fields__:
                visit(getattr(item, name, None), depth + 1)

    visit(value, 0)
    return found


def pick_outputs(result: Any, batch_dim: int, batch_size: int,
                 output: Callable[[Any], Any] | None = None) -> list[torch.Tensor]:
    """The output tensors to check: what `output` picks, or every tensor whose batch dim has the batch size."""
    chosen = tensors_in(output(result) if output is not None else result)
    if output is not None:
        return chosen
    return [t for t in chosen if t.dim() > batch_dim and t.shape[batch_dim] == batch_size]
