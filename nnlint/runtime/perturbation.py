"""Forward perturbation: replace the rows outside a subset with fresh data and see whether the rows inside
change. It sees coupling that gradients cannot: argmax routing, capacity limits, `.detach()`ed statistics."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from nnlint.runtime.batching import ModelInputs

STACK = 13  # copies per stacked forward (batch, then the perturbed copies): bounds its memory
RTOL = 1e-5  # relative to the output's scale: kernels may round differently, real coupling moves far more


def changed_rows(before: list[torch.Tensor], after: list[torch.Tensor], batch_dim: int, atol: float) -> set[int]:
    """Rows (along `batch_dim`) where any output differs beyond the tolerance; NaN equals NaN."""
    changed: set[int] = set()
    for a, b in zip(before, after):
        if a.shape != b.shape:
            return set(range(a.shape[batch_dim])) if a.dim() > batch_dim else changed
        a, b = a.detach().movedim(batch_dim, 0), b.detach().movedim(batch_dim, 0)
        if a.is_floating_point() or a.is_complex():
            both_nan = torch.isnan(a) & torch.isnan(b)
            diff = torch.where(both_nan, torch.zeros_like(a), (a - b)).abs().reshape(len(a), -1)
            finite = a[torch.isfinite(a)]
            scale = float(finite.abs().max()) if finite.numel() else 0.0
            tolerance = max(atol, RTOL * scale)
            rows = (diff.nan_to_num(nan=float("inf")) > tolerance).any(dim=1)
        else:
            rows = (a != b).reshape(len(a), -1).any(dim=1)
        changed |= {int(i) for i in rows.nonzero().flatten()}
    return changed


class PerturbationProbe:
    """Forward runs of the model on the batch with some rows replaced by fresh data."""

    def __init__(self, run: Callable[[ModelInputs], list[torch.Tensor]], inputs: ModelInputs,
                 generator: torch.Generator, atol: float = 0.0):
        self.run, self.inputs = run, inputs
        self.generator, self.atol = generator, atol
        self._baseline: list[torch.Tensor] | None = None

    @property
    def baseline(self) -> list[torch.Tensor]:
        """The batch's own outputs from a forward of its own size, for the one-subset-per-forward path."""
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
        """For each subset: its rows whose output changes when the other rows are replaced. A clean model
        costs one stacked forward; only a difference there pays for one forward per subset."""
        if self.stacked_all_equal(subsets):
            return [set() for _ in subsets]
        return [self.receivers(rows) for rows in subsets]

    def stacked_all_equal(self, subsets: Sequence[Sequence[int]]) -> bool:
        """Run the batch and every perturbed copy as one batch, copies one after another, and compare each
        copy's kept rows with the batch's own rows from that same forward (same kernels, same shapes).
        False when anything differs or the model refuses the larger batch."""
        size, dim = self.inputs.batch_size, self.inputs.batch_dim
        perturbed = [(set(rows), self.inputs.with_fresh_rows([i for i in range(size) if i not in set(rows)],
                                                             self.generator)) for rows in subsets]
        for start in range(0, len(perturbed), STACK - 1):
            group = perturbed[start:start + STACK - 1]
            try:
                outputs = self.run(ModelInputs.concat([self.inputs] + [copy for _, copy in group]))
            except Exception:  # a model with a fixed batch size, or one that looks at the batch size
                return False
            if not outputs or any(out.shape[dim] != size * (len(group) + 1) for out in outputs):
                return False
            parts = [[out.narrow(dim, k * size, size) for out in outputs] for k in range(len(group) + 1)]
            for k, (rows, _) in enumerate(group, 1):
                if changed_rows(parts[0], parts[k], dim, self.atol) & rows:
                    return False
        return True

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

    def _moves(self, receiver: int, replaced: list[int]) -> bool:
        outputs = self.run(self.inputs.with_fresh_rows(replaced, self.generator))
        return receiver in changed_rows(self.baseline, outputs, self.inputs.batch_dim, self.atol)
