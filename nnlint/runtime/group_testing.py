"""Find which output rows depend on which input rows with few vector-Jacobian products.

A probe puts a random Gaussian cotangent on a subset of the output rows and zero elsewhere. For a
batch-independent model the gradient is then zero on every input row outside that subset. The subsets are
chosen so that for any two rows i != j one of them holds i and not j: together the probes see every
dependency between two different rows. Random cotangents, never all-ones: a softmax output has a zero
gradient for all-ones.
"""

from __future__ import annotations

import itertools
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


def separating_subsets(batch_size: int) -> list[list[int]]:
    """The fewest subsets that still split every ordered pair of rows: row i gets its own set of n // 2 of
    the n probe numbers (n the smallest with C(n, n // 2) >= B) and probe p covers the rows whose set holds
    p. No row's set contains another's, so for i != j some probe covers i and not j. That takes 8 probes at
    B = 64 where the bits of the row index take 2 * 6 = 12, and each probe is a backward pass."""
    n = 1
    while math.comb(n, n // 2) < batch_size:
        n += 1
    codes = list(itertools.islice(itertools.combinations(range(n), n // 2), batch_size))
    subsets = [[i for i, code in enumerate(codes) if p in code] for p in range(n)]
    return [rows for rows in subsets if 0 < len(rows) < batch_size]  # an empty or full probe shows nothing


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

    def receiver_of(self, source: int, candidates: list[int]) -> tuple[int | None, set[int]]:
        """An output row among `candidates` that depends on input row `source`, by bisection, and every
        input row it depends on; (None, set()) when none does."""
        while len(candidates) > 1:
            half = candidates[: len(candidates) // 2]
            candidates = half if source in self.leaks([half])[0] else candidates[len(half):]
        sources = self.sources_of(candidates[0]) if candidates else set()
        return (candidates[0], sources) if source in sources and candidates[0] != source else (None, set())


def receiver_candidates(source: int, subsets: list[list[int]], leaks: list[set[int]],
                        batch_size: int) -> tuple[list[int], list[int]]:
    """Output rows that may depend on `source`: (likeliest, the others). A receiver lies in no probe that
    left `source` out and did not see it; a lone receiver lies in every probe that saw it, so the rows in
    the most such probes come first."""
    seen = [(set(rows), source in found) for rows, found in zip(subsets, leaks) if source not in rows]
    hits = {i: sum(hit for rows, hit in seen if i in rows) for i in range(batch_size)
            if i != source and all(hit for rows, hit in seen if i in rows)}
    most = max(hits.values(), default=0)
    return [i for i in hits if hits[i] == most], [i for i in hits if hits[i] < most]


def find_pairs(probe: GradientProbe, subsets: list[list[int]], leaks: list[set[int]],
               max_sources: int = 2) -> list[tuple[int, int]]:
    """Exact (receiver, source) pairs for the first leaking sources, with a few adaptive probes."""
    pairs: list[tuple[int, int]] = []
    sources = sorted(set().union(*leaks))
    receivers_done: set[int] = set()
    for source in sources[:max_sources]:
        likeliest, others = receiver_candidates(source, subsets, leaks, probe.batch_size)
        receiver, sources_of_receiver = None, set()
        # the likeliest row is often right (one VJP); else bisect the other likeliest rows, then every candidate
        for rows in (likeliest[:1], likeliest[1:], likeliest + others):
            if rows and receiver is None:
                receiver, sources_of_receiver = probe.receiver_of(source, rows)
        if receiver is None or receiver in receivers_done:
            continue
        receivers_done.add(receiver)
        pairs += [(receiver, j) for j in sorted(sources_of_receiver) if j != receiver]
    return pairs
