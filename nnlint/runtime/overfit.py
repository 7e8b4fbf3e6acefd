"""NN910: can the model drive the loss to ~0 on one batch? The recipe's first sanity check, run on a deep copy.

The copy trains with the script's own optimizer class and hyperparameters (param groups remapped to the copy's
parameters), so a bug in how the optimizer was built shows up here as it would in training. Gradients come
from `torch.autograd.grad` into the copy's parameters only: a loss function that touches other modules never
writes into the user's `.grad`.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnlint.runtime.batch_check import _model_device
from nnlint.runtime.batching import ModelInputs
from nnlint.runtime.distributed import unwrap
from nnlint.runtime.findings import Finding, Report
from nnlint.runtime.state import reseed, untouched
from nnlint.runtime.training_step import infer_classes

DEFAULT_LR = 3e-4  # the recipe's "Adam at 3e-4" when the script's optimizer is not known


def check_overfit_one_batch(model: nn.Module, batch: Any, loss_fn: Callable[[Any, Any], torch.Tensor], *,
                            optimizer: torch.optim.Optimizer | None = None, max_steps: int = 300,
                            target: float = 0.01, batch_dim: int = 0, seed: int = 0) -> Report:
    """Train a deep copy of `model` on `batch` = (inputs, targets) with `loss_fn(model(inputs), targets)`.

    Succeeds when the loss falls below `target` x its initial value, or when every prediction is right for a
    classification output (logits (N, C, ...) with integer targets), within `max_steps` steps. `optimizer`
    gives the class and hyperparameters (its state is not copied: the copy starts fresh); plain Adam at 3e-4
    when None. The model, the optimizer, `.grad` and the RNG states are left as they were.
    """
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError("batch must be (inputs, targets)")
    started = time.perf_counter()
    inner = unwrap(model)
    report = Report("overfit one batch")
    inputs = ModelInputs.wrap(batch[0], batch_dim).detached()
    device = _model_device(inner, inputs)
    inputs = inputs.to(device)
    targets = batch[1].to(device) if isinstance(batch[1], torch.Tensor) else batch[1]
    with untouched(inner):
        trainee, memo = _deep_copy(inner, optimizer)
        params, make_optimizer, description = _optimizer_for(trainee, memo, optimizer)
        before = [p.detach().clone() for p in params]
        reseed(device, seed)
        run = _Run(trainee, params, make_optimizer(), inputs, targets, loss_fn)
        run.train(max_steps, target)
        moved = any(not torch.equal(p.detach(), b) for p, b in zip(params, before))
    report.stats.update({"steps": run.steps, "losses": run.losses, "optimizer": description,
                         "fitted": run.fitted, "max_steps": max_steps, "target": target,
                         "seconds": time.perf_counter() - started})
    if run.fitted is None:
        report.notes.append(run.why_not_judged)
        return report
    if not run.fitted:
        cause = _cause(run, optimizer, inner, moved, target)
        if cause is None:
            report.notes.append(_still_falling(run, target))
            return report
        first, last = run.losses[0], run.losses[-1]
        share = f"{100 * last / first:.3g}%" if first > 0 and math.isfinite(last) else "no fall"
        report.findings.append(Finding(
            "NN910", f"the model cannot overfit one batch: the loss went from {first:.4g} to {last:.4g} ({share} "
            f"of its start, target {100 * target:g}%) in {run.steps} steps of {description}: {cause}"))
    return report


def _deep_copy(model: nn.Module, optimizer) -> tuple[nn.Module, dict]:
    """A copy of the model (and of optimizer parameters that are not the model's), without gradients."""
    memo: dict = {}
    for module in model.modules():  # hooks are shared, not copied: a bound method would drag its owner along
        for hooks in (module._forward_pre_hooks, module._forward_hooks, module._backward_hooks,
                      module._backward_pre_hooks):
            for hook in hooks.values():
                memo[id(hook)] = hook
    trainee = copy.deepcopy(model, memo)
    if optimizer is not None:
        for group in optimizer.param_groups:
            for param in group["params"]:
                if id(param) not in memo:
                    memo[id(param)] = nn.Parameter(param.detach().clone(), requires_grad=param.requires_grad)
    for param in memo.values():
        if isinstance(param, torch.Tensor):
            param.grad = None
    return trainee, memo


def _optimizer_for(trainee: nn.Module, memo: dict, optimizer) -> tuple[list, Callable, str]:
    """The parameters the copy's optimizer updates, a factory for it, and its description."""
    if optimizer is None:
        params = [p for p in trainee.parameters() if p.requires_grad]
        return params, lambda: torch.optim.Adam(params, lr=DEFAULT_LR), f"Adam (lr {DEFAULT_LR:g}, the default)"
    groups = []
    for group in optimizer.param_groups:
        copied = {key: (value.clone() if isinstance(value, torch.Tensor) else copy.deepcopy(value))
                  for key, value in group.items() if key != "params"}
        if "initial_lr" in group:  # a scheduler's warm-up may start at 0: fit at the planned rate
            copied["lr"] = group["initial_lr"]
        copied["params"] = [memo[id(p)] for p in group["params"]]
        groups.append(copied)
    params = [p for group in groups for p in group["params"]]
    cls = type(optimizer)

    def make():
        try:
            return cls(groups, **optimizer.defaults)
        except TypeError:  # a custom optimizer whose defaults are not its keyword arguments
            return cls(groups)

    rates = sorted({float(g["lr"]) for g in groups if "lr" in g})
    shown = ", ".join(f"{lr:g}" for lr in rates[:3])
    return params, make, f"{cls.__name__} (lr {shown})" if rates else cls.__name__


class _Run:
    """The training loop on one batch, with what the diagnosis needs from its first step."""

    def __init__(self, model, params, optimizer, inputs: ModelInputs, targets, loss_fn):
        self.model, self.params, self.optimizer = model, params, optimizer
        self.inputs, self.targets, self.loss_fn = inputs, targets, loss_fn
        self.losses: list[float] = []
        self.steps = 0
        self.fitted: bool | None = False
        self.why_not_judged = ""
        self.detached = False
        self.reached: list[bool] = []  # per parameter: did the first backward give it a gradient?
        self.all_zero = False
        self.lr_zero = all(float(g.get("lr", 1.0)) == 0.0 for g in optimizer.param_groups)

    def loss_and_output(self):
        with torch.enable_grad():
            output = self.inputs.call(self.model)
            return self.loss_fn(output, self.targets), output

    def train(self, max_steps: int, target: float) -> None:
        for step in range(max_steps + 1):
            loss, output = self.loss_and_output()
            if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
                self.fitted, self.why_not_judged = None, "overfit check skipped: the loss is not a scalar tensor"
                return
            value = float(loss.detach())
            self.losses.append(value)
            if not math.isfinite(value):
                if step == 0:  # NN908's business
                    self.fitted, self.why_not_judged = None, f"overfit check not judged: the loss at init is {value}"
                return
            if step == 0 and value <= 0:
                self.fitted = None
                self.why_not_judged = (f"overfit check not judged: the loss at init is {value:.4g} (≤ 0), so a "
                                       "fall to a share of it means nothing")
                return
            if value <= target * self.losses[0] or _all_correct(output, self.targets):
                self.fitted = True
                return
            if step == max_steps:
                return
            if not self.backward(loss, first=step == 0):
                return
            self.optimizer.step()
            self.steps += 1
            if self.lr_zero:  # nothing can move: one step shows it
                return

    def backward(self, loss: torch.Tensor, first: bool) -> bool:
        if not loss.requires_grad:
            self.detached = True
            return False
        grads = torch.autograd.grad(loss, self.params, allow_unused=True)
        for param, grad in zip(self.params, grads):
            param.grad = grad
        if first:
            self.reached = [grad is not None for grad in grads]
            present = [grad for grad in grads if grad is not None]
            if not present:
                self.detached = True
                return False
            self.all_zero = not bool(torch.stack([g.detach().abs().sum() for g in present]).sum() > 0)
        return True


def _all_correct(output, targets) -> bool:
    if infer_classes(output, targets) is None:
        return False
    return bool((output.detach().argmax(1) == targets).all())


STUCK = 0.9  # a loss that never fell 10% below its start in the whole budget is stuck
PATIENCE = 4  # still falling fast enough to reach the target within this many more budgets: slow, not stuck


def _steps_to_target(losses: list[float], target: float) -> int | None:
    """More steps the last quarter's rate of fall would need to reach the target, when within PATIENCE
    budgets; None when the loss has stalled."""
    steps = len(losses) - 1
    if steps < 8:
        return None
    recent = losses[-1 - steps // 4]
    rate = (recent - losses[-1]) / (steps // 4)
    if rate <= 0:
        return None
    needed = (losses[-1] - target * losses[0]) / rate
    return math.ceil(needed) if needed <= PATIENCE * steps else None


def _still_falling(run: _Run, target: float) -> str:
    first, last = run.losses[0], run.losses[-1]
    more = _steps_to_target(run.losses, target)
    pace = (f"at its recent rate it needs about {more} more steps to reach {100 * target:g}%" if more is not None
            else f"it has slowed down short of {100 * target:g}%")
    return (f"overfit one batch: after {run.steps} steps the loss is {last:.4g} ({100 * last / first:.3g}% of its "
            f"start): it learns, but {pace} — a larger learning rate or more steps would tell whether it can fit")


def _cause(run: _Run, optimizer, model: nn.Module, moved: bool, target: float) -> str | None:
    if run.losses and not math.isfinite(run.losses[-1]):
        return "the loss became non-finite — lower the learning rate or find the op that overflows"
    if run.detached:
        own = {id(p) for p in model.parameters()}
        foreign = optimizer is not None and not any(id(p) in own for g in optimizer.param_groups for p in g["params"])
        if foreign:
            return ("the optimizer holds none of the model's parameters (was it built from another model "
                    "instance?) — build it from this model's parameters()")
        return ("the loss does not reach any parameter the optimizer updates: it is cut from the graph "
                "(.detach(), .item(), .data, torch.tensor(...), no_grad) — backpropagate the loss built from the "
                "model's output")
    if run.all_zero:
        return ("every gradient is zero at the first step — a dead activation, a layer initialised to zero, or "
                "a loss that is constant in the output")
    if run.lr_zero:
        return "the learning rate is 0 — set a positive learning rate"
    if not moved:
        return "no parameter moved — the optimizer step changes nothing (learning rate collapsed?)"
    if run.losses[-1] < STUCK * run.losses[0]:
        return None  # it learns, only slower than the budget: a note, not a finding
    return ("the parameters move but the loss barely falls — check that the targets match the inputs "
            "(labels shuffled apart from samples?), the loss function, and the model's capacity")
