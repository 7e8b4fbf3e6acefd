"""Recipe checks on one training step: loss at init (NN903), parameters without a gradient (NN904), an
output that ignores the input (NN909), and a non-finite loss (NN908). No optimizer step is taken and the
model's `.grad` is not written: the gradients come from `torch.autograd.grad`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnlint.runtime.batch_check import _model_device
from nnlint.runtime.batching import ModelInputs, tensors_in
from nnlint.runtime.distributed import unwrap
from nnlint.runtime.findings import Finding, Report
from nnlint.runtime.model_errors import could_not_check
from nnlint.runtime.state import reseed, untouched

MAX_NAMES = 5


def _names_text(names: list[str]) -> str:
    return ", ".join(names[:MAX_NAMES]) + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def infer_classes(output: Any, targets: Any) -> int | None:
    """Classes of a classification output: logits (N, C, ...) with integer targets (N, ...)."""
    if not isinstance(output, torch.Tensor) or not isinstance(targets, torch.Tensor):
        return None
    if targets.is_floating_point() or output.dim() < 2:
        return None
    if tuple(targets.shape) == (output.shape[0], *output.shape[2:]):
        return output.shape[1]
    return None


def _same_outputs(first: Any, second: Any) -> bool:
    a, b = tensors_in(first), tensors_in(second)
    if len(a) != len(b) or not a:
        return False
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return False
        if x.is_floating_point() and not torch.allclose(x, y, rtol=1e-6, atol=1e-7, equal_nan=True):
            return False
        if not x.is_floating_point() and not torch.equal(x, y):
            return False
    return True


def check_training_step(model: nn.Module, batch: Any, loss_fn: Callable[[Any, Any], torch.Tensor], *,
                        n_classes: int | None = None, tolerance: float = 0.5, batch_dim: int = 0,
                        seed: int = 0) -> Report:
    """`batch` is (inputs, targets); the loss is `loss_fn(model(inputs), targets)`. The loss at init is
    compared with -log(1/n_classes) (inferred from logits and integer targets when not given) and flagged
    when it is off by more than `tolerance` times that value."""
    started = time.perf_counter()
    inner = unwrap(model)
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError("batch must be (inputs, targets)")
    inputs = ModelInputs.wrap(batch[0], batch_dim).detached()
    device = _model_device(inner, inputs)
    inputs = inputs.to(device)
    targets = batch[1].to(device) if isinstance(batch[1], torch.Tensor) else batch[1]
    report = Report("training step")
    try:
        with untouched(inner):
            _check_step(report, inner, inputs, targets, loss_fn, n_classes, tolerance, device, seed)
    except Exception as error:  # the model or the loss failed: say so; `untouched` restored the state
        report.findings.append(could_not_check("NN903", error))
    report.stats["seconds"] = time.perf_counter() - started
    return report


def _check_step(report, inner, inputs, targets, loss_fn, n_classes, tolerance, device, seed) -> None:
    """Loss at init (NN903, NN908), dead parameters (NN904), an output blind to its input (NN909)."""
    reseed(device, seed)
    with torch.enable_grad():
        output = inputs.call(inner)
        loss = loss_fn(output, targets)
    value = float(loss.detach())
    report.stats["loss"] = value
    if not math.isfinite(value):
        report.findings.append(Finding("NN908", f"the loss at init is {value}: check the data for NaN/Inf and "
                                       "the loss for log(0) or division by zero"))
    else:
        _loss_at_init(report, value, n_classes or infer_classes(output, targets), tolerance)
        _dead_parameters(report, inner, loss)
    reseed(device, seed)
    with torch.no_grad():
        zeroed = inputs.replace([leaf.detach() * 0 if isinstance(leaf, torch.Tensor) else leaf
                                 for leaf in inputs.leaves]).call(inner)
    if _same_outputs(output, zeroed):
        report.findings.append(Finding(
            "NN909", "the output is the same when the input is all zeros: the model ignores its input — check "
            "that forward uses it (the input-independent baseline should do worse than the model)"))


def _loss_at_init(report: Report, value: float, classes: int | None, tolerance: float) -> None:
    if classes is None or classes < 2:
        report.notes.append("loss at init not checked: pass n_classes= for a classification loss")
        return
    expected = math.log(classes)
    report.stats["expected_loss"] = expected
    if abs(value - expected) > tolerance * expected:
        report.findings.append(Finding(
            "NN903", f"the loss at init is {value:.3g}, expected about -log(1/{classes}) = {expected:.3g}: the "
            "initial predictions are not close to uniform — initialise the last layer small (and its bias to the "
            "class priors)"))


def _dead_parameters(report: Report, model: nn.Module, loss: torch.Tensor) -> None:
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not named or not loss.requires_grad:
        return
    grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
    dead = [name for (name, _), grad in zip(named, grads) if grad is None or not bool(grad.detach().any())]
    if dead:
        report.findings.append(Finding(
            "NN904", f"{len(dead)} parameter(s) receive no gradient (or an all-zero one): {_names_text(dead)} — "
            "they are unused in forward, cut off by .detach()/no_grad, or behind a dead activation"))
