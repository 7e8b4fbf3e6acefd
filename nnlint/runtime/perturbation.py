"""Forward perturbation: replace the rows outside a subset with fresh data and see whether the rows inside
change. It sees coupling that gradients cannot: argmax routing, capacity limits, `.detach()`ed statistics."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from nnlint.runtime.batching import ModelInputs
from nnlint.runtime.group_testing import bit_subsets

HALVES_DRAWS = 2
RTOL = 1e-5  # relative to the output's scale: kernels may round differently, real coupling moves far more


def changed_rows(before: list[torch.Tensor], after: list[torch.Tensor], batch_dim: int, atol: float) -> set[int]:
    """Rows (along `batch_dim`) where any output differs beyond the tolerance; NaN equals NaN."""
    changed: set[int] = set()
    for a, b in zip(before, after):
        if a.shape != b.shape:
            return set(range(a.shape[batch_dim])) if a.dim() > batch_dim else changed
        a, b = a.detach().movedim(batch_dim, 0), b.detach().movedim(batch_dim, 0)
        if a.is_floating_point() or a.is_complex():
            scale = float(a.nan_to_num(0.0, 0.0, 0.0).abs().max()) if a.numel() else 0.0  # finite values only
            diff = (a - b).abs()  # NaN where either side is NaN (or both are the same infinity)
            moved = (diff > max(atol, RTOL * scale)) | (diff.isnan() & ~(a.isnan() & b.isnan()))
            rows = moved.reshape(len(a), -1).any(dim=1)
        else:
            rows = (a != b).reshape(len(a), -1).any(dim=1)
        changed.update(rows.nonzero().flatten().tolist())
    return changed


def perturbation_subsets(batch_size: int, mode: str, generator: torch.Generator) -> list[list[int]]:
    """Which rows to keep in each perturbed forward.

    "halves": a random half and its complement, each replaced twice with fresh draws — four forwards that
    see couplings between the halves. Batch statistics react to any draw; a rank-based coupling (a router's
    capacity) reacts to some draws only: measured on the zoo's router, one draw per half missed it 6% of the
    time at B=64, two draws never did (0 of 100), smaller batches miss more. "bits": the 2*ceil(log2 B) bit
    subsets, one draw each — every pair of rows is split by one of them. "off": none."""
    if mode == "off" or batch_size < 2:
        return []
    if mode == "bits":
        return bit_subsets(batch_size)
    if mode != "halves":
        raise ValueError(f"perturbation must be 'halves', 'bits' or 'off', not {mode!r}")
    order = torch.randperm(batch_size, generator=generator).tolist()
    half, rest = sorted(order[: batch_size // 2]), sorted(order[batch_size // 2:])
    return [half, rest] * HALVES_DRAWS


class PerturbationProbe:
    """Forward runs of the model on the batch with some rows replaced by fresh data."""

    def __init__(self, run: Callable[[ModelInputs], list[torch.Tensor]], inputs: ModelInputs,
                 generator: torch.Generator, atol: float = 0.0, baseline: list[torch.Tensor] | None = None):
        self.run, self.inputs = run, inputs
        self.generator, self.atol = generator, atol
        self._baseline = baseline

    @property
    def baseline(self) -> list[torch.Tensor]:
        """The batch's own outputs from a forward of its own size: the gradient probe's forward already has
        them (same seed, same batch), so it is run here only when not given."""
        if self._baseline is None:
            self._baseline = self.run(self.inputs)
        return self._baseline

    def receivers(self, keep: Sequence[int]) -> set[int]:
        """Rows of `keep` whose output changes when every other row is replaced."""
        keep_set = set(keep)
        replaced = [i for i in range(self.inputs.batch_size) if i not in keep_set]
        outputs = self.run(self.inputs.with_fresh_rows(replaced, self.generator))
        return changed_rows(self.baseline, outputs, self.inputs.batch_dim, self.atol) & keep_set

    def leaks(self, subsets: Sequence[Sequence[int]]) -> list[set[int]]:
        """For each subset: its rows whose output changes when every other row is replaced. One forward per
        subset, each at the batch's own size: stacking copies into one larger batch would hide a router's
        coupling (identical rows get identical treatment within one forward)."""
        return [self.receivers(rows) for rows in subsets]

    def sources_of(self, receiver: int, candidates: list[int]) -> list[int]:
        """Bisect the rows whose replacement changes `receiver`'s output, down to one row if one suffices."""
        while len(candidates) > 1:
            half = candidates[: len(candidates) // 2]
            rest = candidates[len(half):]
            if self._moves(receiver, half):
                candidates = half
            elif self._moves(receiver, rest):
                candidates = rest
            else:  # only a combination of rows moves it (e.g. a capacity limit): no single culprit
                return candidates
        return candidates

    def _moves(self, receiver: int, replaced: list[int], draws: int = 4) -> bool:
        """Does replacing `replaced` change `receiver`'s output? A discrete coupling (a sign, an argmax)
        reacts to some fresh draws only, so a few draws are tried before answering no."""
        for _ in range(draws):
            outputs = self.run(self.inputs.with_fresh_rows(replaced, self.generator))
            if receiver in changed_rows(self.baseline, outputs, self.inputs.batch_dim, self.atol):
                return True
        return False
