"""Where the probe's gradients enter the model.

Float inputs that carry the batch take gradients directly. Integer inputs (token ids) cannot, so the probe
enters through the output of each embedding lookup of batched ids instead: a first forward records those
outputs, later forwards substitute the probe's own tensors for them (which may require grad or be dual
tensors for forward-mode AD).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from nnlint.runtime.batching import ModelInputs

_EMBEDDINGS = {F.embedding, torch.embedding, F.embedding_bag}


class _EmbeddingTap(TorchFunctionMode):
    """Records (or replaces, in call order) the outputs of embedding lookups of batched integer ids."""

    def __init__(self, batch_dim: int, batch_size: int, id_ndims: set[int], replacements: list | None = None,
                 make_leaves: bool = False):
        super().__init__()
        self.batch_dim, self.batch_size, self.id_ndims = batch_dim, batch_size, id_ndims
        self.replacements, self.make_leaves = replacements, make_leaves
        self.recorded: list[torch.Tensor] = []

    def _is_batched_lookup(self, func: Callable, args: tuple, kwargs: dict) -> bool:
        if func not in _EMBEDDINGS:
            return False
        ids = kwargs.get("input", args[0] if args else None)
        if func is torch.embedding:  # torch.embedding(weight, indices)
            ids = args[1] if len(args) > 1 else kwargs.get("indices")
        return (isinstance(ids, torch.Tensor) and not ids.is_floating_point() and ids.dim() in self.id_ndims
                and ids.dim() > self.batch_dim and ids.shape[self.batch_dim] == self.batch_size)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self._is_batched_lookup(func, args, kwargs):
            index = len(self.recorded)
            if self.make_leaves:  # the lookup's output becomes a leaf the probe can differentiate against
                out = out.detach().requires_grad_(True)
            self.recorded.append(out)
            if self.replacements is not None and index < len(self.replacements):
                return self.replacements[index]
        return out


class ProbeInputs:
    """The tensors the probe differentiates with respect to, and how to run the model with them."""

    def __init__(self, model: Callable, inputs: ModelInputs):
        self.model, self.inputs = model, inputs
        batched = inputs.batched()
        self.float_slots = [i for i in batched if inputs.leaves[i].is_floating_point()]
        int_slots = [i for i in batched if not inputs.leaves[i].is_floating_point()]
        self.int_slots = int_slots
        self.id_ndims = {inputs.leaves[i].dim() for i in int_slots}
        self._embedding_values: list[torch.Tensor] | None = None if int_slots else []

    @property
    def embedding_values(self) -> list[torch.Tensor]:
        if self._embedding_values is None:  # one forward records what the lookups return
            tap = _EmbeddingTap(self.inputs.batch_dim, self.inputs.batch_size, self.id_ndims)
            with torch.no_grad(), tap:
                self.inputs.call(self.model)
            self._embedding_values = [t.detach() for t in tap.recorded]
        return self._embedding_values

    def values(self) -> list[torch.Tensor]:
        """The current values at every entry point (float inputs first, then embedding outputs)."""
        return [self.inputs.leaves[i] for i in self.float_slots] + list(self.embedding_values)

    def __len__(self) -> int:
        return len(self.float_slots) + len(self.embedding_values)

    def grad_forward(self) -> tuple[Any, list[torch.Tensor]]:
        """One forward whose entry points are fresh leaves requiring grad: (result, entry points).
        Embedding outputs become leaves as the forward runs, so token models need no extra forward."""
        leaves = list(self.inputs.leaves)
        points = []
        for slot in self.float_slots:
            leaves[slot] = leaves[slot].detach().clone().requires_grad_(True)
            points.append(leaves[slot])
        with torch.enable_grad():
            if not self.int_slots:
                return self.inputs.call(self.model, leaves), points
            tap = _EmbeddingTap(self.inputs.batch_dim, self.inputs.batch_size, self.id_ndims, make_leaves=True)
            with tap:
                result = self.inputs.call(self.model, leaves)
        return result, points + tap.recorded

    def run(self, points: list[torch.Tensor], inputs: ModelInputs | None = None) -> Any:
        """Forward with `points` in place of the entry-point values."""
        inputs = inputs or self.inputs
        leaves = list(inputs.leaves)
        for slot, point in zip(self.float_slots, points):
            leaves[slot] = point
        substitutes = points[len(self.float_slots):]
        if not substitutes:
            return inputs.call(self.model, leaves)
        tap = _EmbeddingTap(inputs.batch_dim, inputs.batch_size, self.id_ndims, replacements=substitutes)
        with tap:
            return inputs.call(self.model, leaves)
