"""Batch-independence check: ours vs the naive B-pass check vs a single-sample check, on the model zoo.

    python bench/runtime.py [--batch 64] [--repeat 3]

Per model: passes (forward + backward), best-of-N seconds, and the verdict of each method next to the
expected one. "naive" backpropagates a random probe from each output row in turn (B backward passes);
"single" is the check commonly done by hand: backpropagate out[0].sum() (all-ones) and look at rows != 0.
"steps" is our time in training-step equivalents (forward + backward + optimizer step on the same batch);
the design's budget is 2*ceil(log2 B)+4. "probe-only" is our check without the forward perturbation (the
gradient probe alone, which is what the naive check does). Times are CPU seconds of this process (all its threads), best of
interleaved rounds, warm (the first autograd call pays a lazy import).
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnlint.runtime import check_batch_independence  # noqa: E402
from nnlint.runtime.batching import ModelInputs, pick_outputs  # noqa: E402
from nnlint.runtime.probe_inputs import ProbeInputs  # noqa: E402
from nnlint.runtime.state import probe_modes  # noqa: E402
from nnlint.runtime.vjp import choose_strategy  # noqa: E402
from tests.runtime.zoo import ZOO  # noqa: E402


def _graph(model, inputs):
    """One forward with gradients entering at the inputs (or the embedding output of token ids)."""
    wrapped = ModelInputs.wrap(inputs)
    entry = ProbeInputs(model, wrapped)
    points = [v.detach().clone().requires_grad_(True) for v in entry.values()]
    outputs = [o for o in pick_outputs(entry.run(points), 0, wrapped.batch_size) if o.requires_grad]
    return outputs, points, wrapped.batch_size


def _leaks(grads, row):
    return any(bool((g.movedim(0, 0)[torch.arange(len(g)) != row] != 0).any()) for g in grads)


def naive_check(model, inputs):
    """B backward passes: a random probe on output row i, any gradient on another row is a leak."""
    outputs, points, batch = _graph(model, inputs)
    leak = False
    for i in range(batch):
        probes = []
        for out in outputs:
            probe = torch.zeros_like(out)
            probe[i] = torch.randn_like(out[i])
            probes.append(probe)
        grads = torch.autograd.grad(outputs, points, probes, retain_graph=True, allow_unused=True)
        leak |= _leaks([g for g in grads if g is not None], i)
    return leak, batch + 1


def single_sample_check(model, inputs):
    """Sample 0 with an all-ones probe: what people do by hand."""
    outputs, points, _ = _graph(model, inputs)
    grads = torch.autograd.grad([o[0].sum() for o in outputs], points, allow_unused=True)
    return _leaks([g for g in grads if g is not None], 0), 2


def training_step(model, inputs):
    """A function running one SGD step on a copy of the model: the unit of "training-step equivalents"."""
    model = copy.deepcopy(model)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    wrapped = ModelInputs.wrap(inputs)

    def step():
        optimizer.zero_grad()
        out = pick_outputs(wrapped.call(model), 0, wrapped.batch_size)
        sum(o.float().square().mean() for o in out).backward()
        optimizer.step()

    return step


def verdict(leak: bool) -> str:
    return "NN901" if leak else "ok"


def interleaved(methods: dict, rounds: int) -> dict:
    """Best CPU time (all threads of this process) of each method, measured in alternating rounds: on a
    shared machine, wall-clock time mostly measures the neighbours."""
    best = {name: float("inf") for name in methods}
    for _ in range(rounds):
        for name, fn in methods.items():
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--only", default="", help="run only the zoo models whose name contains this")
    args = parser.parse_args()
    warm_model, warm_inputs = ZOO[0].build(8)
    check_batch_independence(warm_model, warm_inputs)  # pay the lazy imports before timing

    budget = 2 * math.ceil(math.log2(args.batch)) + 4
    print(f"batch size {args.batch}, torch {torch.__version__}, {torch.get_num_threads()} threads, CPU; "
          f"budget {budget} training-step equivalents")
    header = ("| model | expected | ours | naive | single | ours passes | naive passes | ours s | naive s "
              "| single s | naive/ours | steps | loop s | vmap s | probe-only s | naive/probe-only |")
    print(header)
    print("|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|")
    for case in [c for c in ZOO if args.only in c.name]:
        model, inputs = case.build(args.batch)
        ours = check_batch_independence(model, inputs)
        codes = sorted({f.code for f in ours.findings}) or ["ok"]
        passes = ours.stats["forward_passes"] + ours.stats["backward_passes"]
        naive_model, single_model = copy.deepcopy(model), copy.deepcopy(model)
        with probe_modes(naive_model), probe_modes(single_model):  # same eval-mode norms as our check
            naive_leak, naive_passes = naive_check(naive_model, inputs)
            single_leak, _ = single_sample_check(single_model, inputs)
            step = training_step(model, inputs)
            times = interleaved({
                "loop": lambda: check_batch_independence(model, inputs, strategy="loop"),
                "vmap": lambda: check_batch_independence(model, inputs, strategy="vmap"),
                "probe only": lambda: check_batch_independence(model, inputs, perturbation="off"),
                "naive": lambda: naive_check(naive_model, inputs),
                "single": lambda: single_sample_check(single_model, inputs),
                "step": step,
            }, args.repeat)
        times["ours"] = times[choose_strategy("auto", torch.device("cpu"))]  # what strategy="auto" runs here
        expected = ",".join(sorted(case.expected)) or "ok"
        print(f"| {case.name} | {expected} | {','.join(codes)} | {verdict(naive_leak)} | {verdict(single_leak)} "
              f"| {passes} | {naive_passes} | {times['ours']:.4f} | {times['naive']:.4f} | {times['single']:.4f} "
              f"| {times['naive'] / times['ours']:.1f}x | {times['ours'] / times['step']:.1f} "
              f"| {times['loop']:.4f} | {times['vmap']:.4f} | {times['probe only']:.4f} "
              f"| {times['naive'] / times['probe only']:.1f}x |")
    router = next(c for c in ZOO if c.name == "capacity-limited routing")
    model, inputs = router.build(args.batch)
    caught = sum(not check_batch_independence(model, inputs, seed=seed).ok for seed in range(100))
    print(f"\ncapacity-limited routing (gradient-invisible) caught on {caught} of 100 seeds at B = {args.batch}")


if __name__ == "__main__":
    main()
