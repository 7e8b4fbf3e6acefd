"""Name the first op whose output mixes rows (batch) or leaks the future (time).

The probe follows one axis through the forward: the dim whose size is the batch size (or the sequence
length), which is why the check picks a size no other dim shares. A tensor with no such dim is read as
that many equal contiguous chunks when its size allows (`x.flatten(0, 1)` keeps samples contiguous), and
is skipped otherwise. Forward-mode AD tells which slices a single input slice reaches; where forward AD has
no formula for an op (CPU LSTM, CPU flash attention) two recorded forwards, one with that input slice
replaced, are compared op by op instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.autograd.forward_ad as fwAD

from nnlint.runtime.group_testing import row_magnitudes
from nnlint.runtime.op_recorder import OpCall, OpRecorder


@dataclass(frozen=True)
class Axis:
    size: int
    chunks: bool  # may a tensor without a dim of this size be read as `size` contiguous chunks?

    def slices(self, tensor: torch.Tensor) -> torch.Tensor | None:
        """`tensor` viewed with the followed axis first, or None when the axis cannot be found in it."""
        dims = [d for d, n in enumerate(tensor.shape) if n == self.size]
        if len(dims) == 1:
            return tensor.movedim(dims[0], 0)
        if not dims and self.chunks and tensor.numel() and tensor.numel() % self.size == 0 and tensor.dim():
            return tensor.reshape(self.size, -1)
        return None

    def touched(self, tensor: torch.Tensor) -> set[int] | None:
        moved = self.slices(tensor)
        if moved is None:
            return None
        if moved.is_complex():
            moved = moved.abs()
        magnitude = row_magnitudes(moved.float() if not moved.is_floating_point() else moved, 0)
        return {int(i) for i in (magnitude > 0).nonzero().flatten()}


@dataclass(frozen=True)
class Culprit:
    op: str
    location: str | None
    method: str  # "forward-ad" | "two-run"
    owner: str | None = None


def _first(records: list[tuple[OpCall, set[int]]], leaks: Callable[[set[int]], bool]) -> OpCall | None:
    for call, touched in records:
        if leaks(touched):
            return call
    return None


def by_forward_ad(run: Callable[[Callable[[torch.Tensor], torch.Tensor]], object], axis: Axis,
                  leaks: Callable[[set[int]], bool], owner=lambda: None) -> Culprit | None:
    """`run(make_dual)` runs the forward with `make_dual(primal)` applied to the entry points."""
    records: list[tuple[OpCall, set[int]]] = []

    def observe(call: OpCall, outputs: list[torch.Tensor]) -> None:
        touched: set[int] = set()
        judged = False
        for out in outputs:
            tangent = fwAD.unpack_dual(out).tangent if out.is_floating_point() or out.is_complex() else None
            if tangent is None:
                continue
            rows = axis.touched(tangent.detach())
            if rows is not None:
                touched |= rows
                judged = True
        if judged:
            records.append((call, touched))

    with fwAD.dual_level(), torch.no_grad(), OpRecorder(observe, owner):
        run(lambda primal, tangent: fwAD.make_dual(primal, tangent))
    found = _first(records, leaks)
    return Culprit(found.name, found.location, "forward-ad", found.owner) if found else None


def by_two_runs(run_before: Callable[[], object], run_after: Callable[[], object], axis: Axis,
                leaks: Callable[[set[int]], bool], owner=lambda: None) -> Culprit | None:
    """Compare each op's output between two forwards whose inputs differ in one slice only."""
    before: list[tuple[OpCall, list[torch.Tensor]]] = []

    def keep(call: OpCall, outputs: list[torch.Tensor]) -> None:
        before.append((call, [out.detach().clone() for out in outputs]))

    with torch.no_grad(), OpRecorder(keep, owner):
        run_before()

    records: list[tuple[OpCall, set[int]]] = []

    def compare(call: OpCall, outputs: list[torch.Tensor]) -> None:
        if call.index >= len(before) or before[call.index][0].name != call.name:
            return  # the runs took different paths: nothing after this point lines up
        touched: set[int] = set()
        judged = False
        for old, new in zip(before[call.index][1], outputs):
            if old.shape != new.shape or old.dtype != new.dtype:
                continue
            new = new.detach()
            if old.is_floating_point() or old.is_complex():
                differs = (old != new) & ~(torch.isnan(old) & torch.isnan(new))
            else:
                differs = old != new
            rows = axis.touched(differs)
            if rows is not None:
                touched |= rows
                judged = True
        if judged:
            records.append((call, touched))

    with torch.no_grad(), OpRecorder(compare, owner):
        run_after()
    found = _first(records, leaks)
    return Culprit(found.name, found.location, "two-run", found.owner) if found else None


def attribute(forward_ad_run, run_before, run_after, axis: Axis, leaks, owner=lambda: None) -> Culprit | None:
    """Forward AD first; two recorded runs where an op has no forward-AD formula or AD finds nothing
    (coupling through argmax or `.detach()` carries no tangent)."""
    try:
        found = by_forward_ad(forward_ad_run, axis, leaks, owner)
        if found is not None:
            return found
    except (RuntimeError, NotImplementedError):
        pass
    return by_two_runs(run_before, run_after, axis, leaks, owner)


def sizes_seen(run: Callable[[], object]) -> set[int]:
    """Every dim size of every op output of one forward: sizes the followed axis must not share."""
    sizes: set[int] = set()

    def collect(call: OpCall, outputs: list[torch.Tensor]) -> None:
        for out in outputs:
            sizes.update(out.shape)

    with torch.no_grad(), OpRecorder(collect):
        run()
    return sizes


def shapes_seen(run: Callable[[], object]) -> list[tuple[int, ...]]:
    """The shape of every op output of one forward, in order."""
    shapes: list[tuple[int, ...]] = []

    def collect(call: OpCall, outputs: list[torch.Tensor]) -> None:
        shapes.extend(tuple(out.shape) for out in outputs)

    with torch.no_grad(), OpRecorder(collect):
        run()
    return shapes


def fixed_sizes(run_long: Callable[[], object], run_short: Callable[[], object]) -> set[int]:
    """Dim sizes that stay put when the followed axis gets one shorter: head sizes, hidden sizes — the
    sizes a followed axis must not take, or it could not be told apart from them."""
    fixed: set[int] = set()
    for long, short in zip(shapes_seen(run_long), shapes_seen(run_short)):
        if len(long) == len(short):
            fixed.update(a for a, b in zip(long, short) if a == b)
    return fixed


def free_size(candidates, taken: set[int]) -> int | None:
    """The first candidate size that no other dim uses."""
    return next((size for size in candidates if size not in taken and size >= 2), None)
