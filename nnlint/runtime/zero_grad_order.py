"""Why parameters got no gradient (NN904) when the cause is the order of calls: `zero_grad()` between
`backward()` and `step()` wipes every gradient before the optimizer reads it, in every step."""

from __future__ import annotations

import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim import optimizer as optimizer_hooks

from nnlint.runtime.findings import Finding
from nnlint.runtime.session import RunSession
from nnlint.runtime.sourceline import user_location


class ZeroGradOrder:
    def __init__(self, session: RunSession):
        self.session = session
        self.backward_seen = False
        self.zeroed_after_backward: str | None = None  # the zero_grad line, in the current step
        self.bad_steps = 0
        self.location: str | None = None
        self._patched: list = []
        self.handle = None

    def install(self) -> None:
        watch = self
        self.handle = optimizer_hooks.register_optimizer_step_pre_hook(self.before_step)
        for owner in (Optimizer, nn.Module):
            original = owner.zero_grad

            def zero_grad(this, *args, _original=original, **kwargs):
                if watch.backward_seen and not watch.session.busy:
                    watch.zeroed_after_backward = user_location()
                return _original(this, *args, **kwargs)

            self._patched.append((owner, original))
            owner.zero_grad = zero_grad
        backward = self._backward = torch.Tensor.backward

        def watched_backward(tensor, *args, **kwargs):
            if not watch.session.busy:
                watch.backward_seen = True
                watch.zeroed_after_backward = None
            return backward(tensor, *args, **kwargs)

        torch.Tensor.backward = watched_backward

    def uninstall(self) -> None:
        if self.handle is not None:
            self.handle.remove()
        for owner, original in reversed(self._patched):
            owner.zero_grad = original
        self._patched = []
        torch.Tensor.backward = self._backward

    def before_step(self, optimizer, args, kwargs) -> None:
        if self.session.busy:
            return
        if self.backward_seen and self.zeroed_after_backward is not None:
            self.bad_steps += 1
            self.location = self.location or self.zeroed_after_backward
        self.backward_seen = False
        self.zeroed_after_backward = None

    def explain(self) -> None:
        """Give NN904 its cause when zero_grad ran between backward and step in every step watched."""
        if not self.bad_steps or self.bad_steps < self.session.steps:
            return
        findings = self.session.findings
        for index, finding in enumerate(findings):
            if finding.code == "NN904":
                count = finding.message.split(" ", 1)[0]
                findings[index] = Finding(
                    "NN904", f"{count} parameter(s) got no gradient at any of the {self.session.steps} step(s) because "
                    f"zero_grad() runs between backward() and step() (at {self.location}): the optimizer only ever "
                    "sees zeroed gradients — call zero_grad() before backward(), or after step()",
                    finding.pairs, finding.op, self.location or finding.location, finding.rank)
