"""Name the op and line that mixed samples, once the probes have found a leaking pair.

The batch axis is followed as the one dim whose size is the batch size, so the attribution runs on a
sub-batch (holding the pair) whose size no parameter, input or activation dim shares.
"""

from __future__ import annotations

import torch
from torch import nn

from nnlint.runtime.attribution import Axis, Culprit, attribute
from nnlint.runtime.batching import ModelInputs
from nnlint.runtime.op_recorder import OpRecorder
from nnlint.runtime.probe_inputs import ProbeInputs
from nnlint.runtime.state import OwnerTracker, allowed_modules, reseed


class BatchAttribution:
    def __init__(self, model: nn.Module, allow: tuple, generator: torch.Generator, device: torch.device,
                 seed: int):
        self.model, self.allow, self.generator, self.device, self.seed = model, allow, generator, device, seed
        self.notes: list[str] = []
        self.forward_passes = 0

    def find(self, inputs: ModelInputs, pairs: list[tuple[int, int]], every_source: bool) -> Culprit | None:
        """The first op whose output carries the pair's source row into another row. `every_source`: mark
        all the receiver's sources at once (coupling seen only by perturbation may need them all)."""
        sub, sources = self.rows(inputs, pairs, every_source)
        if sub is None:
            self.notes.append("every batch size up to the batch's collides with another dim: no attribution")
            return None
        probe_inputs = ProbeInputs(self.model, sub)
        batch_dim = sub.batch_dim

        def with_tangents(make_dual):
            duals = []
            for value in probe_inputs.values():
                tangent = torch.zeros_like(value)
                moved = tangent.movedim(batch_dim, 0)
                for j in sources:
                    moved[j] = torch.randn(moved[j].shape, generator=self.generator).to(tangent)
                duals.append(make_dual(value, tangent))
            reseed(self.device, self.seed)
            return probe_inputs.run(duals)

        changed = sub.with_fresh_rows(sorted(sources), self.generator)

        def before():
            reseed(self.device, self.seed)
            return sub.call(self.model)

        def after():
            reseed(self.device, self.seed)
            return changed.call(self.model)

        self.forward_passes += 3
        with OwnerTracker(allowed_modules(self.model, self.allow)) as owner:
            return attribute(with_tangents, before, after, Axis(sub.batch_size, chunks=True),
                             lambda touched: bool(touched - sources), owner)

    def rows(self, inputs: ModelInputs, pairs: list[tuple[int, int]], every_source: bool):
        """(sub-batch, positions of the sources in it): a size no other dim shares, holding the pair."""
        taken = {n for tensor in (*self.model.parameters(), *self.model.buffers()) for n in tensor.shape}
        for leaf in inputs.leaves:
            if isinstance(leaf, torch.Tensor):
                taken |= {n for d, n in enumerate(leaf.shape) if d != inputs.batch_dim}
        receiver, source = pairs[0]
        sources = sorted({j for i, j in pairs if i == receiver}) if every_source else [source]
        needed = [receiver, *sources]
        sizes = [n for n in range(inputs.batch_size, len(needed) - 1, -1) if n not in taken and n >= 2]
        if inputs.batch_size not in sizes:
            sizes.append(inputs.batch_size)  # last resort: the batch's own size, if no activation is ambiguous
        for size in sizes:
            others = [i for i in range(inputs.batch_size) if i not in needed][: size - len(needed)]
            rows = sorted(needed + others)
            sub = inputs.select(rows) if size != inputs.batch_size else inputs
            self.forward_passes += 1
            try:
                if not self.collides(sub, size):
                    return sub, {rows.index(j) for j in sources}
            except Exception:  # a model built for one batch size: only that size runs
                continue
        return None, None

    def collides(self, sub: ModelInputs, size: int) -> bool:
        """Does some activation have two dims of the batch's size (then the batch axis is ambiguous)?"""
        collided = False

        def look(call, outputs):
            nonlocal collided
            collided = collided or any(list(out.shape).count(size) > 1 for out in outputs)

        with torch.no_grad(), OpRecorder(look):
            sub.call(self.model)
        return collided
