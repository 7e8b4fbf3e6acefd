"""NN902: the output at time t may depend on inputs at times <= t only (or < t).

Every cut c is one probe: a random cotangent on the outputs before the cut, whose gradient must be zero on
the inputs from the cut on. All T-1 cuts come off one forward graph as one batch of VJPs. A forward
perturbation per cut (fresh inputs after the cut) backs it up for coupling gradients cannot see.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import torch
from torch import nn

from nnlint.runtime.attribution import Axis, Culprit, attribute, fixed_sizes, free_size
from nnlint.runtime.batching import ModelInputs, pick_outputs
from nnlint.runtime.batch_check import _model_device
from nnlint.runtime.distributed import unwrap
from nnlint.runtime.findings import Finding, Report
from nnlint.runtime.model_errors import could_not_check
from nnlint.runtime.group_testing import GradientProbe
from nnlint.runtime.perturbation import changed_rows
from nnlint.runtime.probe_inputs import ProbeInputs
from nnlint.runtime.state import probe_modes, reseed, untouched


MAX_PERTURBED_CUTS = 32
DRAWS = 4


class CausalityCheck:
    def __init__(self, model: nn.Module, inputs: ModelInputs, time_dim: int, include_current: bool,
                 output: Callable | None, atol: float, strategy: str, seed: int):
        self.model, self.inputs, self.time_dim = model, inputs, time_dim
        self.include_current, self.output, self.atol = include_current, output, atol
        self.strategy, self.seed = strategy, seed
        self.device = _model_device(model, inputs)
        self.generator = torch.Generator().manual_seed(seed)
        self.length = inputs.leaves[inputs.batched()[0]].shape[time_dim]
        self.report = Report("causality")
        self.forward_passes = self.backward_passes = 0

    def cuts(self) -> list[tuple[list[int], list[int]]]:
        """(output steps, input steps they must not depend on) for every cut."""
        T = self.length
        if self.include_current:
            return [(list(range(c)), list(range(c, T))) for c in range(1, T)]
        return [(list(range(c + 1)), list(range(c, T))) for c in range(T)]

    def outputs_of(self, result: Any) -> list[torch.Tensor]:
        chosen = pick_outputs(result, self.inputs.batch_dim, self.inputs.batch_size, self.output)
        return [out for out in chosen if out.dim() > self.time_dim and out.shape[self.time_dim] == self.length]

    def run(self) -> Report:
        leak = self.gradient_leak()
        if leak is None:
            leak = self.perturbation_leak()
        if leak is not None:
            self.report_leak(*leak)
        return self.report

    def gradient_leak(self) -> tuple[int, int, str] | None:
        probe_inputs = ProbeInputs(self.model, self.inputs)
        if not len(probe_inputs):
            self.report.notes.append("no float input or embedding of batched ids: gradient probe skipped")
            return None
        points = [value.detach().clone().requires_grad_(True) for value in probe_inputs.values()]
        reseed(self.device, self.seed)
        with torch.enable_grad():
            outputs = [out for out in self.outputs_of(probe_inputs.run(points)) if out.requires_grad]
        self.forward_passes += 1
        if not outputs:
            raise ValueError(f"the model returned no tensor with {self.length} steps in dim {self.time_dim}; "
                             "pass output= to pick the tensor to check")
        probe = GradientProbe(outputs, points, self.time_dim, self.generator, self.strategy, self.atol)
        cuts = self.cuts()
        magnitudes = probe.dependencies([receivers for receivers, _ in cuts])
        self.backward_passes = probe.backward_passes
        for (receivers, forbidden), magnitude in zip(cuts, magnitudes):
            leaking = [s for s in forbidden if magnitude[s] > self.atol]
            if leaking:
                t_out = receivers[-1]  # the earlier cuts held, so the newest output step is the one that leaks
                sources = probe.sources_of(t_out)
                self.backward_passes = probe.backward_passes
                t_in = min((s for s in sources if s in forbidden), default=leaking[0])
                return t_out, t_in, "gradient"
        return None

    def perturbation_leak(self) -> tuple[int, int, str] | None:
        along_time = ModelInputs(self.inputs.kind, self.inputs.keys, self.inputs.leaves, self.time_dim, self.length)

        def forward(inputs: ModelInputs) -> list[torch.Tensor]:
            reseed(self.device, self.seed)
            with torch.no_grad():
                result = inputs.call(self.model)
            self.forward_passes += 1
            return self.outputs_of(result)

        baseline = forward(along_time)
        cuts = self.cuts()
        if len(cuts) > MAX_PERTURBED_CUTS:  # one forward per cut: long sequences get evenly spaced cuts
            step = len(cuts) / MAX_PERTURBED_CUTS
            cuts = [cuts[int(k * step)] for k in range(MAX_PERTURBED_CUTS)]
            self.report.notes.append(f"forward perturbation tried {len(cuts)} of {self.length - 1} cuts")
        for receivers, forbidden in cuts:
            changed = changed_rows(baseline, forward(along_time.with_fresh_rows(forbidden, self.generator)),
                                   self.time_dim, self.atol) & set(receivers)
            if changed:
                t_out = max(changed)
                return t_out, self.single_source(along_time, baseline, forward, t_out, forbidden), "perturbation"
        return None

    def single_source(self, along_time: ModelInputs, baseline, forward, t_out: int, forbidden: list[int]) -> int:
        """The earliest forbidden step whose replacement alone moves output step `t_out` (a few draws each,
        a discrete coupling reacts to some draws only); the cut itself when only a combination does."""
        for step in forbidden:
            for _ in range(DRAWS):
                outputs = forward(along_time.with_fresh_rows([step], self.generator))
                if t_out in changed_rows(baseline, outputs, self.time_dim, self.atol):
                    return step
        return forbidden[0]

    def report_leak(self, t_out: int, t_in: int, how: str) -> None:
        culprit = self.attribute(t_out, t_in)
        allowed = "t_in <= t_out" if self.include_current else "t_in < t_out"
        seen_by = "" if how == "gradient" else " (seen by forward perturbation)"
        where = f"; `{culprit.op}` is the first op that lets the future in" if culprit else ""
        message = (f"the output at step {t_out} depends on the input at step {t_in}{seen_by} (only {allowed} is "
                   f"allowed){where} — mask attention with tril(ones(T, T)) (diagonal=0) or use is_causal=True")
        self.report.findings.append(Finding("NN902", message, pairs=((t_out, t_in),),
                                            op=culprit.op if culprit else None,
                                            location=culprit.location if culprit else None))

    def prefix(self, length: int) -> ModelInputs:
        """The inputs cut to their first `length` steps."""
        leaves = list(self.inputs.leaves)
        for i in self.inputs.batched():
            if leaves[i].dim() > self.time_dim and leaves[i].shape[self.time_dim] == self.length:
                leaves[i] = leaves[i].narrow(self.time_dim, 0, length)
        return self.inputs.replace(leaves)

    def attribute(self, t_out: int, t_in: int) -> Culprit | None:
        """Follow the time axis on a prefix of the sequence whose length no other dim shares."""
        taken = {n for tensor in (*self.model.parameters(), *self.model.buffers()) for n in tensor.shape}
        taken.add(self.inputs.batch_size)
        if self.length - 1 > t_in:
            shorter = self.prefix(self.length - 1)
            taken |= fixed_sizes(lambda: self.inputs.call(self.model), lambda: shorter.call(self.model))
        length = free_size(range(self.length, t_in, -1), taken)
        if length is None:
            self.report.notes.append("every prefix length collides with another dim: no attribution")
            return None
        prefix = self.prefix(length)
        probe_inputs = ProbeInputs(self.model, prefix)
        time_dim = self.time_dim

        def with_tangents(make_dual):
            duals = []
            for value in probe_inputs.values():
                tangent = torch.zeros_like(value)
                tangent.movedim(time_dim, 0)[t_in] = 1.0
                duals.append(make_dual(value, tangent))
            reseed(self.device, self.seed)
            return probe_inputs.run(duals)

        along_time = ModelInputs(prefix.kind, prefix.keys, prefix.leaves, time_dim, length)
        changed = along_time.with_fresh_rows([t_in], self.generator)

        def before():
            reseed(self.device, self.seed)
            return prefix.call(self.model)

        def after():
            reseed(self.device, self.seed)
            return changed.call(self.model)

        def leaks(touched: set[int]) -> bool:
            return any(t < t_in or (t == t_in and not self.include_current) for t in touched)

        return attribute(with_tangents, before, after, Axis(length, chunks=False), leaks)


def check_causality(model: nn.Module, tokens: Any, *, time_dim: int = 1, include_current: bool = True,
                    batch_dim: int = 0, output: Callable[[Any], Any] | None = None, atol: float = 0.0,
                    allow: tuple | list = (), strategy: str = "auto", seed: int = 0) -> Report:
    """Prove that the output at step t depends on inputs at steps <= t only (< t with include_current=False).

    `tokens` is what the model takes: integer ids (the probe enters through the embedding), float
    features, or a tuple/dict as for check_batch_independence. The model and all RNGs are left untouched."""
    started = time.perf_counter()
    inner = unwrap(model)
    inputs = ModelInputs.wrap(tokens, batch_dim).detached()
    inputs = inputs.to(_model_device(inner, inputs))
    with untouched(inner), probe_modes(inner, tuple(allow)) as notes:
        check = CausalityCheck(inner, inputs, time_dim, include_current, output, atol, strategy, seed)
        check.report.notes.extend(notes)
        try:
            report = check.run()
        except Exception as error:  # the model failed mid-check: say so; `untouched` restores its state
            report = check.report
            report.findings.append(could_not_check("NN902", error))
    report.stats.update(steps=check.length, forward_passes=check.forward_passes,
                        backward_passes=check.backward_passes, seconds=time.perf_counter() - started)
    return report
