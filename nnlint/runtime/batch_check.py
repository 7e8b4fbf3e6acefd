"""NN901: prove that output row i depends on input row i only (and NN908 for non-finite samples).

Order of work: one forward that records the graph, whose outputs also show non-finite samples (they would
read as false leaks: reported as NN908 and dropped); the gradient probe (8 VJPs off that one graph at
B = 64); a forward perturbation test for coupling gradients cannot see (four forwards that each replace half
of the batch, compared with the first forward's outputs); then, only if something leaked, the exact pairs
and the op.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnlint.runtime.batch_attribution import BatchAttribution
from nnlint.runtime.batching import ModelInputs, pick_outputs
from nnlint.runtime.distributed import is_sharded, unwrap
from nnlint.runtime.findings import Finding, Report
from nnlint.runtime.model_errors import could_not_check
from nnlint.runtime.group_testing import GradientProbe, find_pairs, separating_subsets
from nnlint.runtime.perturbation import PerturbationProbe, perturbation_subsets
from nnlint.runtime.probe_inputs import ProbeInputs
from nnlint.runtime.state import probe_modes, reseed, untouched



def _model_device(model: nn.Module, inputs: ModelInputs) -> torch.device:
    for tensor in itertools.chain(model.parameters(), model.buffers()):  # the first one: no list of all
        return tensor.device
    for leaf in inputs.leaves:
        if isinstance(leaf, torch.Tensor):
            return leaf.device
    return torch.device("cpu")


def _non_finite_rows(tensors: list[torch.Tensor], batch_dim: int) -> set[int]:
    rows: set[int] = set()
    for tensor in tensors:
        if tensor.is_floating_point() or tensor.is_complex():
            bad = ~torch.isfinite(tensor.detach()).movedim(batch_dim, 0).reshape(tensor.shape[batch_dim], -1).all(1)
            rows |= {int(i) for i in bad.nonzero().flatten()}
    return rows


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(map(str, rows[:8]))
    return shown + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")


class BatchCheck:
    """One run of the check; kept as an object so the steps share the model, inputs and counters."""

    def __init__(self, model: nn.Module, inputs: ModelInputs, output: Callable | None, atol: float,
                 allow: tuple, strategy: str, seed: int, perturbation: str = "halves"):
        self.model, self.inputs, self.output = model, inputs, output
        self.perturbation = perturbation
        self.atol, self.allow, self.strategy, self.seed = atol, allow, strategy, seed
        self.device = _model_device(model, inputs)
        self.generator = torch.Generator().manual_seed(seed)
        self.report = Report("batch independence")
        self.forward_passes = 0
        self.backward_passes = 0

    # -- running the model -------------------------------------------------------------------------
    def outputs_of(self, result: Any, batch_size: int) -> list[torch.Tensor]:
        return pick_outputs(result, self.inputs.batch_dim, batch_size, self.output)

    def forward(self, inputs: ModelInputs) -> list[torch.Tensor]:
        reseed(self.device, self.seed)
        with torch.no_grad():
            result = inputs.call(self.model)
        self.forward_passes += max(1, round(inputs.batch_size / max(1, self.inputs.batch_size)))
        return self.outputs_of(result, inputs.batch_size)

    def grad_forward(self, inputs: ModelInputs) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(outputs, entry points) of one forward that records the graph for the probes."""
        reseed(self.device, self.seed)
        result, points = ProbeInputs(self.model, inputs).grad_forward()
        self.forward_passes += 1
        outputs = self.outputs_of(result, inputs.batch_size)
        if not outputs:
            raise ValueError(f"the model returned no tensor with the batch size {inputs.batch_size} in dim "
                             f"{inputs.batch_dim}; pass output= to pick the tensor to check")
        return outputs, points

    # -- the steps ---------------------------------------------------------------------------------
    def run(self) -> Report:
        inputs = self.inputs
        outputs, points = self.grad_forward(inputs)
        if self.non_finite(inputs, outputs):
            inputs = self.without_non_finite(inputs, outputs)
            if inputs.batch_size < 2:
                self.report.notes.append("fewer than two finite samples to compare: nothing checked")
                return self.report
            outputs, points = self.grad_forward(inputs)
        if inputs.batch_size < 2:
            self.report.notes.append("fewer than two samples to compare: nothing checked")
            return self.report
        subsets = separating_subsets(inputs.batch_size)
        probe, grad_leaks = self.gradient_leaks(inputs, outputs, points, subsets)
        if probe is not None and any(grad_leaks):
            pairs = find_pairs(probe, subsets, grad_leaks)
            self.backward_passes = probe.backward_passes
            self.report_leak(inputs, pairs, "gradient")
            return self.report
        baseline = [out.detach() for out in outputs]  # the unperturbed outputs: no separate forward needed
        del outputs, points, probe  # free the graph before the forward perturbation
        forward_leaks = self.perturbation_leaks(inputs, baseline)
        if forward_leaks:
            self.report_leak(inputs, forward_leaks, "perturbation")
        return self.report

    def non_finite(self, inputs: ModelInputs, outputs: list[torch.Tensor]) -> bool:
        return bool(_non_finite_rows([inputs.leaves[i] for i in inputs.batched()], inputs.batch_dim)
                    or _non_finite_rows(outputs, inputs.batch_dim))

    def without_non_finite(self, inputs: ModelInputs, outputs: list[torch.Tensor]) -> ModelInputs:
        """Report NaN/Inf samples (NN908) and return the batch without them: compared bit for bit, a NaN
        row would read as a leak."""
        bad_inputs = _non_finite_rows([inputs.leaves[i] for i in inputs.batched()], inputs.batch_dim)
        bad_outputs = _non_finite_rows(outputs, inputs.batch_dim)
        cause = (f"input sample(s) {_rows_text(sorted(bad_inputs))} contain NaN/Inf" if bad_inputs
                 else "the inputs are finite")
        message = (f"{cause}; output row(s) {_rows_text(sorted(bad_outputs))} are non-finite — clean the data "
                   f"or find the op that overflows; these samples were left out of the batch-mixing check")
        self.report.findings.append(Finding("NN908", message, pairs=tuple((r, r) for r in sorted(bad_outputs))))
        if bad_inputs:
            self.non_finite_spread(inputs, bad_inputs, bad_outputs)
        keep = [i for i in range(inputs.batch_size) if i not in bad_inputs | bad_outputs]
        return inputs.select(keep)

    def non_finite_spread(self, inputs: ModelInputs, bad_inputs: set[int], bad_outputs: set[int]) -> None:
        """Rows whose own input is finite but whose output is not, and which recover once the non-finite
        samples leave the batch: proof that the non-finite samples reached them."""
        suspects = sorted(bad_outputs - bad_inputs)
        if not suspects:
            return
        keep = [i for i in range(inputs.batch_size) if i not in bad_inputs]
        recovered = set(keep) - {keep[r] for r in _non_finite_rows(self.forward(inputs.select(keep)),
                                                                   inputs.batch_dim)}
        spread = [i for i in suspects if i in recovered]
        if spread:
            sources = sorted(bad_inputs)
            self.report.findings.append(Finding(
                "NN901", f"the NaN/Inf of input sample(s) {_rows_text(sources)} reached output row(s) "
                f"{_rows_text(spread)}: samples mix in the batch; keep each sample in its own row",
                pairs=tuple((i, j) for i in spread for j in sources)))

    def gradient_leaks(self, inputs: ModelInputs, outputs, points, subsets):
        if not points:
            self.report.notes.append("no float input or embedding of batched ids: gradient probe skipped")
            return None, None
        outputs = [out for out in outputs if out.requires_grad and (out.is_floating_point() or out.is_complex())]
        if not outputs:
            self.report.notes.append("the outputs do not depend differentiably on the inputs: gradient probe skipped")
            return None, None
        probe = GradientProbe(outputs, points, inputs.batch_dim, self.generator, self.strategy, self.atol)
        leaks = probe.leaks(subsets)
        self.backward_passes = probe.backward_passes
        self.report.stats["vjp"] = probe.strategy_used
        return probe, leaks

    def perturbation_leaks(self, inputs: ModelInputs, baseline: list[torch.Tensor]) -> list[tuple[int, int]]:
        subsets = perturbation_subsets(inputs.batch_size, self.perturbation, self.generator)
        probe = PerturbationProbe(self.forward, inputs, self.generator, self.atol, baseline)
        leaks = probe.leaks(subsets)
        pairs: list[tuple[int, int]] = []
        for rows, receivers in zip(subsets, leaks):
            if receivers:
                receiver = min(receivers)
                outside = [i for i in range(inputs.batch_size) if i not in set(rows)]
                pairs = [(receiver, source) for source in probe.sources_of(receiver, outside)]
                break
        return pairs

    # -- reporting ---------------------------------------------------------------------------------
    def report_leak(self, inputs: ModelInputs, pairs: list[tuple[int, int]], how: str) -> None:
        culprit = None
        if pairs:
            attribution = BatchAttribution(self.model, self.allow, self.generator, self.device, self.seed)
            try:
                culprit = attribution.find(inputs, pairs, every_source=how != "gradient")
            except Exception as error:  # e.g. a model built for one batch size rejects the sub-batch
                attribution.notes.append(f"no attribution: the model failed on a sub-batch ({type(error).__name__})")
            self.report.notes.extend(attribution.notes)
            self.forward_passes += attribution.forward_passes
        if pairs:
            receiver = pairs[0][0]
            sources = [j for i, j in pairs if i == receiver]
            rest = len(pairs) - len(sources)
            what = (f"output row {receiver} depends on input row{'s' if len(sources) > 1 else ''} "
                    f"{_rows_text(sources)}" + (f" (+{rest} more pairs)" if rest else ""))
        else:
            what = "output rows depend on other samples of the batch"
        seen_by = "" if how == "gradient" else " (seen by forward perturbation, invisible to gradients)"
        if culprit is not None:
            where = f": `{culprit.op}` is the first op that mixes samples"
            if culprit.owner:
                self.report.notes.append(f"samples mix inside allowed module {culprit.owner} "
                                         f"(`{culprit.op}` at {culprit.location})")
                return
        else:
            where = ""
        advice = "keep each sample in its own row: reorder dims with permute, not view, and never reduce over the batch dim"
        self.report.findings.append(Finding(
            "NN901", f"{what}{seen_by}{where}; {advice}", pairs=tuple(pairs),
            op=culprit.op if culprit else None, location=culprit.location if culprit else None))


def check_batch_independence(model: nn.Module, inputs: Any, *, batch_dim: int = 0,
                             output: Callable[[Any], Any] | None = None, device: Any = None, atol: float = 0.0,
                             allow: tuple | list = (), strategy: str = "auto", perturbation: str = "halves",
                             seed: int = 0) -> Report:
    """Prove that the model's output row i depends on input row i only.

    `allow` lists modules that mix samples on purpose (instances, classes, class names or qualified names);
    BatchNorm/SyncBatchNorm and dropout layers not listed are probed in eval mode. `strategy` picks how the
    VJPs run: "auto", "vmap" or "loop". `perturbation` picks the forward perturbation test for coupling
    gradients cannot see: "halves" (four forwards, default), "bits" (2*ceil(log2 B) forwards: every pair of
    rows split once) or "off". The model, its gradients and every RNG are left as they were."""
    started = time.perf_counter()
    inner = unwrap(model)
    if is_sharded(inner):
        report = Report("batch independence")
        report.notes.append("FSDP-sharded module: parameters are not local to a rank, probe skipped")
        return report
    wrapped = ModelInputs.wrap(inputs, batch_dim).detached()
    target = torch.device(device) if device is not None else _model_device(inner, wrapped)
    wrapped = wrapped.to(target)
    with untouched(inner), probe_modes(inner, tuple(allow)) as notes:
        check = BatchCheck(inner, wrapped, output, atol, tuple(allow), strategy, seed, perturbation)
        check.report.notes.extend(notes)
        try:
            report = check.run()
        except Exception as error:  # the model failed mid-check: say so; `untouched` restores its state
            report = check.report
            report.findings.append(could_not_check("NN901", error))
    report.stats.update(batch_size=wrapped.batch_size, forward_passes=check.forward_passes,
                        backward_passes=check.backward_passes, seconds=time.perf_counter() - started)
    return report
