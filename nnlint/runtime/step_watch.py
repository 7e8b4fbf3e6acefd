"""Watch optimizer steps and backward calls: gradients never zeroed (NN905), the learning rate collapsing
early (NN907), non-finite loss or gradients (NN908), parameters that never get a gradient (NN904); and stop
the script after `max_steps` steps."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch.optim import Optimizer
from torch.optim import optimizer as optimizer_hooks

from nnlint.runtime.findings import Finding
from nnlint.runtime.session import RunSession, StopRun
from nnlint.runtime.sourceline import user_location

COLLAPSE = 0.01  # a learning rate below 1% of its peak...
EARLY = 0.5  # ...within the first half of the run has collapsed


def _values(grad: torch.Tensor) -> torch.Tensor:
    """The stored values of a gradient: a sparse one (nn.Embedding(sparse=True)) keeps them apart."""
    grad = grad.detach()
    return grad.coalesce().values() if grad.is_sparse else grad


def _params(optimizer: Optimizer) -> list[torch.Tensor]:
    return [p for group in optimizer.param_groups for p in group["params"]]


class StepWatch:
    def __init__(self, session: RunSession, names: Callable[[torch.Tensor], str]):
        self.session, self.name_of = session, names
        self.handles: list = []
        self.hooked: set[int] = set()
        self.after_step: dict[int, tuple[int, int]] = {}  # id(param) -> (id(grad), grad._version) at the last step
        self.lr_history: list[tuple[int, int, float, str | None]] = []  # (step, group, lr, location)
        self.never_got_grad: dict[int, torch.Tensor] | None = None
        self.first_step_location: str | None = None
        self.backward_location: str | None = None
        self.losses_seen = 0
        self._original_backward = None

    # -- installing ----------------------------------------------------------------------------------
    def install(self) -> None:
        self.handles = [optimizer_hooks.register_optimizer_step_pre_hook(self.before_step),
                        optimizer_hooks.register_optimizer_step_post_hook(self.after_step_hook)]
        original = torch.Tensor.backward
        self._original_backward = original
        watch = self

        def backward(tensor, *args, **kwargs):
            if not watch.session.busy:
                watch.on_backward(tensor)
            return original(tensor, *args, **kwargs)

        torch.Tensor.backward = backward

    def uninstall(self) -> None:
        for handle in self.handles:
            handle.remove()
        if self._original_backward is not None:
            torch.Tensor.backward = self._original_backward

    # -- backward --------------------------------------------------------------------------------------
    def on_backward(self, loss: torch.Tensor) -> None:
        self.backward_location = user_location()
        if loss.numel() == 1:
            value = float(loss.detach())
            if not math.isfinite(value):
                self.session.add(Finding(
                    "NN908", f"the loss is {value} at step {self.session.steps + 1}: look for log(0), division by "
                    "zero or a learning rate that diverged", location=self.backward_location), key=("NN908", "loss"))

    def on_gradient(self, param: torch.Tensor, grad: torch.Tensor) -> None:
        """Runs before autograd adds `grad` into `param.grad`: is the old gradient still the last step's?"""
        if self.session.busy or param.grad is None:
            return
        marker = self.after_step.get(id(param))
        if marker == (id(param.grad), param.grad._version) and bool(_values(param.grad).any()):
            self.session.add(Finding(
                "NN905", f"backward adds to the gradient of the previous step (step {self.session.steps}): gradients "
                "are never zeroed — call optimizer.zero_grad() once per step", location=self.backward_location),
                key=("NN905",))

    # -- steps -----------------------------------------------------------------------------------------
    def before_step(self, optimizer: Optimizer, args, kwargs) -> None:
        if self.session.busy:
            return
        location = user_location()
        step = self.session.steps + 1
        if self.first_step_location is None:
            self.first_step_location = location
        params = _params(optimizer)
        for param in params:
            if id(param) not in self.hooked and param.requires_grad:
                self.hooked.add(id(param))
                self.handles.append(param.register_hook(lambda grad, param=param: self.on_gradient(param, grad)))
        self.check_gradients(params, step, location)
        for index, group in enumerate(optimizer.param_groups):
            lr = group.get("lr")
            if isinstance(lr, torch.Tensor):
                lr = float(lr)
            if isinstance(lr, (int, float)):
                self.lr_history.append((step, index, float(lr), location))

    def check_gradients(self, params: list[torch.Tensor], step: int, location: str | None) -> None:
        with_grad = [p for p in params if p.grad is not None]
        # one device-to-host copy for all parameters, not one per parameter
        values = [_values(p.grad) for p in with_grad]
        flags = (torch.stack([torch.stack([v.any(), torch.isfinite(v).all()]) for v in values]).cpu().tolist()
                 if with_grad else [])
        nonzero = {id(p) for p, (any_, _) in zip(with_grad, flags) if any_}
        without = {id(p): p for p in params if p.requires_grad and id(p) not in nonzero}
        if self.never_got_grad is None:
            self.never_got_grad = without
        else:
            self.never_got_grad = {key: p for key, p in self.never_got_grad.items() if key in without}
        bad = [self.name_of(p) for p, (_, finite) in zip(with_grad, flags) if not finite]
        if bad:
            self.session.add(Finding(
                "NN908", f"non-finite gradient at step {step} in {', '.join(bad[:4])}"
                f"{' and more' if len(bad) > 4 else ''}: lower the learning rate, clip gradients, or find the "
                "op that overflows", location=location), key=("NN908", "grad"))

    def after_step_hook(self, optimizer: Optimizer, args, kwargs) -> None:
        if self.session.busy:
            return
        for param in _params(optimizer):
            if param.grad is not None:
                self.after_step[id(param)] = (id(param.grad), param.grad._version)
        self.session.steps += 1
        if self.session.max_steps is not None and self.session.steps >= self.session.max_steps:
            raise StopRun()

    # -- at the end ------------------------------------------------------------------------------------
    def finish(self) -> None:
        self.lr_collapse()
        if self.never_got_grad and self.session.steps:
            names = [self.name_of(p) for p in self.never_got_grad.values()]
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            self.session.add(Finding(
                "NN904", f"{len(names)} parameter(s) got no gradient (or an all-zero one) in any of the "
                f"{self.session.steps} step(s): {shown} — unused in forward, or cut off by .detach()/no_grad",
                location=self.first_step_location))

    def lr_collapse(self) -> None:
        total = self.session.steps
        peaks: dict[int, float] = {}
        for step, group, lr, location in self.lr_history:
            peak = peaks[group] = max(peaks.get(group, 0.0), lr)
            if step <= EARLY * total and peak > 0 and lr < COLLAPSE * peak:
                self.session.add(Finding(
                    "NN907", f"the learning rate of param group {group} fell to {lr:.3g} ({100 * lr / peak:.2g}% of "
                    f"its peak {peak:.3g}) by step {step} of {total}: an epoch-based schedule stepped every batch? — "
                    "step the scheduler per epoch or size it in steps", location=location), key=("NN907", group))
                return
