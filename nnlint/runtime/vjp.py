"""Many vector-Jacobian products off one forward graph: batched with vmap, or a loop where vmap cannot.

`torch.autograd.grad(..., is_grads_batched=True)` runs the backward under vmap; an op without a batching
rule raises, and then a plain loop of backward passes gives the same numbers. Measured with
bench/runtime.py on torch 2.13 CPU, the vmapped call was faster or level for most zoo models (slower by
about a third for a small token model), so "auto" batches on every device.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

CHUNK = 16  # probes per vmapped backward: bounds the memory of one batched call


def _loop(outputs, points, cotangent_of, count):
    results = [[] for _ in points]
    for p in range(count):
        grads = torch.autograd.grad(outputs, points, cotangent_of(p), retain_graph=True, allow_unused=True)
        for slot, grad in enumerate(grads):
            results[slot].append(torch.zeros_like(points[slot]) if grad is None else grad)
    return [torch.stack(r) for r in results]


def _batched(outputs, points, cotangent_of, count):
    results = [[] for _ in points]
    for start in range(0, count, CHUNK):
        probes = [cotangent_of(p) for p in range(start, min(count, start + CHUNK))]
        chunk = [torch.stack(per_output) for per_output in zip(*probes)]
        grads = torch.autograd.grad(outputs, points, chunk, retain_graph=True, allow_unused=True,
                                    is_grads_batched=True)
        for slot, grad in enumerate(grads):
            if grad is None:
                grad = torch.zeros((len(probes), *points[slot].shape), dtype=points[slot].dtype,
                                   device=points[slot].device)
            results[slot].append(grad)
    return [torch.cat(r) for r in results]


def choose_strategy(strategy: str, device: torch.device) -> str:
    return "vmap" if strategy == "auto" else strategy


def vjps(outputs: list[torch.Tensor], points: list[torch.Tensor],
         cotangent_of: Callable[[int], list[torch.Tensor]], count: int,
         strategy: str = "auto") -> tuple[list[torch.Tensor], str]:
    """Gradients of `outputs` with respect to `points` for `count` probes.

    `cotangent_of(p)` gives probe p's cotangent for each output, made on demand so that at most one chunk
    of them (a loop: one) is alive at a time — an LM's logits times the probe count would not fit. Returns
    one (count, *point.shape) tensor per point and the strategy that ran ("vmap" falls back to "loop" when
    an op has no batching rule)."""
    device = outputs[0].device
    chosen = choose_strategy(strategy, device)
    if chosen == "vmap":
        try:
            with warnings.catch_warnings():  # an op without a batching rule runs slower, not wrong: not the user's concern
                warnings.filterwarnings("ignore", message=".*performance drop.*")
                return _batched(outputs, points, cotangent_of, count), "vmap"
        except (RuntimeError, NotImplementedError):  # no batching rule at all, or out of memory: loop instead
            pass
    return _loop(outputs, points, cotangent_of, count), "loop"
