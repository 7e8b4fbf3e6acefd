"""Find which output rows depend on which input rows with few vector-Jacobian products.

Probe (k, s) puts a random Gaussian cotangent on the output rows whose index has bit k equal to s and zero
elsewhere. For a batch-independent model the gradient is then zero on every input row outside that set. Any
two rows differ in some bit, so the 2*ceil(log2 B) probes together see every dependency between two
different rows. Random cotangents, never all-ones: a softmax output has a zero gradient for all-ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from nnlint.runtime.vjp import vjps


def bit_subsets(batch_size: int) -> list[list[int]]:
    """For each bit k of the row index: the rows with that bit set, then the rest."""
    subsets = []
    for k in range(max(1, math.ceil(math.log2(batch_size)))):
        ones = [i for i in range(batch_size) if i >> k & 1]
        subsets += [ones, [i for i in range(batch_size) if not i >> k & 1]]
    return subsets


def row_magnitudes(tensor: torch.Tensor, dim: int) -> torch.Tensor:
    """Largest |value| of each slice along `dim`: shape (size of dim,)."""
    moved = tensor.detach().movedim(dim, 0)
    return moved.reshape(moved.shape[0], -1).abs().amax(dim=1) if moved[0].numel() else moved.new_zeros(len(moved))


class GradientProbe:
    """VJPs of the model's outputs with respect to its entry points, from one retained forward graph."""

    def __init__(self, outputs: list[torch.Tensor], points: list[torch.Tensor], batch_dim: int,
                 generator: torch.Generator, strategy: str = "auto", atol: float = 0.0):
        self.outputs, self.points = outputs, points
        self.batch_dim, self.generator, self.strategy, self.atol = batch_dim, generator, strategy, atol
        self.batch_size = outputs[0].shape[batch_dim]
        self.backward_passes = 0
        self.strategy_used = None

    def _cotangent_of(self, supports: Sequence[Sequence[int]]):
        """Probe p's cotangents: Gaussian noise on the rows of supports[p], zero elsewhere."""
        def make(p: int) -> list[torch.Tensor]:
            rows = torch.as_tensor(list(supports[p]), dtype=torch.long)
            cotangents = []
            for out in self.outputs:
                moved_shape = (self.batch_size, *[n for d, n in enumerate(out.shape) if d != self.batch_dim])
                noise = torch.zeros(moved_shape, dtype=torch.float32)
                noise[rows] = torch.randn((len(rows), *moved_shape[1:]), generator=self.generator)
                cotangents.append(noise.movedim(0, self.batch_dim).to(device=out.device, dtype=out.dtype))
            return cotangents
        return make

    def dependencies(self, supports: Sequence[Sequence[int]]) -> list[torch.Tensor]:
        """For each support (a set of output rows): the magnitude of its gradient on each input row."""
        grads, self.strategy_used = vjps(self.outputs, self.points, self._cotangent_of(supports), len(supports),
                                         self.strategy)
        self.backward_passes += len(supports)
        per_probe = []
        for p in range(len(supports)):
            magnitude = torch.zeros(self.batch_size, dtype=torch.float64)
            for grad in grads:
                magnitude = torch.maximum(magnitude, row_magnitudes(grad[p], self.batch_dim).double().cpu())
            per_probe.append(magnitude)
        return per_probe

    def leaks(self, supports: Sequence[Sequence[int]]) -> list[set[int]]:
        """For each support: the input rows outside it that its output rows depend on."""
        found = []
        for rows, magnitude in zip(supports, self.dependencies(supports)):
            outside = magnitude > self.atol
            outside[list(rows)] = False
            found.append(set(outside.nonzero().flatten().tolist()))
        return found

    def sources_of(self, row: int) -> set[int]:
        """Every input row that output row `row` depends on (itself included)."""
        magnitude = self.dependencies([[row]])[0]
        return set((magnitude > self.atol).nonzero().flatten().tolist())

    def receiver_of(self, source: int, candidates: list[int]) -> int | None:
        """An output row among `candidates` that depends on input row `source`, by bisection."""
        while len(candidates) > 1:
            half = candidates[: len(candidates) // 2]
            candidates = half if source in self.leaks([half])[0] else candidates[len(half):]
        if candidates and source in self.sources_of(candidates[0]) and candidates[0] != source:
            return candidates[0]
        return None


def decode_receiver(source: int, subsets: list[list[int]], leaks: list[set[int]], batch_size: int) -> int | None:
    """The output row that depends on `source`, read off the probes' bits; right when it is the only one."""
    receiver = 0
    for k in range(len(subsets) // 2):
        own_bit = source >> k & 1
        other_side = 2 * k + (0 if own_bit == 0 else 1)  # probe on the rows whose bit k differs from source's
        bit = (1 - own_bit) if source in leaks[other_side] else own_bit
        receiver |= bit << k
    return receiver if receiver < batch_size and receiver != source else None


def find_pairs(probe: GradientProbe, subsets: list[list[int]], leaks: list[set[int]],
               max_sources: int = 2) -> list[tuple[int, int]]:
    """Exact (receiver, source) pairs for the first leaking sources, with a few adaptive probes."""
    pairs: list[tuple[int, int]] = []
    sources = sorted(set().union(*leaks))
    receivers_done: set[int] = set()
    for source in sources[:max_sources]:
        receiver = decode_receiver(source, subsets, leaks, probe.batch_size)
        sources_of_receiver = probe.sources_of(receiver) if receiver is not None else set()
        if source not in sources_of_receiver:
            probe_index = next(p for p, found in enumerate(leaks) if source in found)
            receiver = probe.receiver_of(source, list(subsets[probe_index]))
            sources_of_receiver = probe.sources_of(receiver) if receiver is not None else set()
        if receiver is None or receiver in receivers_done:
            continue
        receivers_done.add(receiver)
        pairs += [(receiver, j) for j in sorted(sources_of_receiver) if j != receiver]
    return pairs
