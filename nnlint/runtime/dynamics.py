"""Training dynamics per watched step: the loss and the total gradient norm (always: NN913 reads them), and,
for the report, the learning rate per param group, the gradient norm and the update-to-weight ratio per
layer, the fraction of dead ReLUs / saturated tanh and sigmoid units, and the predictions on a fixed probe
batch. Values stay on the model's device as 0-d tensors until the run ends: no host sync per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks

from nnlint.runtime.distributed import unwrap
from nnlint.runtime.findings import Finding
from nnlint.runtime.session import RunSession
from nnlint.runtime.sourceline import display_path, user_frame
from nnlint.runtime.state import reseed, untouched

DETAIL_STEPS = 200  # steps with per-layer detail (the report's charts); the loss and norm are kept for all
PROBE_ROWS = 8
GROWTH = 1e3  # NN913: the loss or gradient norm reached 1000x its first value...
STILL = 1e2  # ...and is still 100x it at the last step watched


@dataclass
class Dynamics:
    """What the report draws; plain floats once `finish()` has run."""

    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[list[float]] = field(default_factory=list)  # per step, per param group
    layers: list[str] = field(default_factory=list)
    layer_grad_norm: list[list[float]] = field(default_factory=list)  # per detailed step, per layer
    layer_update_ratio: list[list[float]] = field(default_factory=list)
    activations: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # "file:line relu" -> (step, fraction)
    probe: list[list[float]] = field(default_factory=list)  # per step, per probe row: p(target) or the output
    probe_kind: str = ""
    schedule: list[dict] = field(default_factory=list)  # planned schedules, see lr_plan

    def to_dict(self) -> dict:
        return dict(vars(self))


def _guarded(method):
    """A failure inside a watcher must not become the script's exception: note it and stop watching."""

    def run(self, *args, **kwargs):
        if self.broken:
            return None
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            self.broken = True
            self.session.note(f"training dynamics stopped: {type(error).__name__}: {error}")
            return None

    return run


class DynamicsWatch:
    def __init__(self, session: RunSession, detail: bool, names: Callable[[torch.Tensor], str],
                 probe_targets: Callable[[], torch.Tensor | None] = lambda: None):
        self.session, self.detail, self.name_of, self.probe_targets = session, detail, names, probe_targets
        self.depth = 0
        self.broken = False
        self.inside = False
        self.stack: list[nn.Module] = []
        self.module_names: dict[int, str] = {}
        self.top: nn.Module | None = None
        self.data = Dynamics()
        self.handles: list = []
        self._loss: list[torch.Tensor] = []
        self._norm: list[torch.Tensor] = []
        self._layer_norm: list[torch.Tensor] = []
        self._ratio: list[torch.Tensor] = []
        self._before: list[torch.Tensor] | None = None
        self._params: list[nn.Parameter] = []
        self._param_ids: list[int] = []
        self._activations: list[tuple[str, int, torch.Tensor]] = []
        self._probe: list[torch.Tensor] = []
        self.model: nn.Module | None = None
        self.probe_inputs = None
        self.first_location: str | None = None
        self._patched: list[tuple[object, str, Callable]] = []
        self._original_backward = None

    # -- installing ------------------------------------------------------------------------------------
    def install(self) -> None:
        self.handles = [optimizer_hooks.register_optimizer_step_pre_hook(self.before_step),
                        optimizer_hooks.register_optimizer_step_post_hook(self.after_step)]
        original = self._original_backward = torch.Tensor.backward
        watch = self

        def backward(tensor, *args, **kwargs):
            if not watch.session.busy and tensor.numel() == 1 and len(watch._loss) <= len(watch._norm):
                watch._loss.append(tensor.detach().reshape(()).float())
            return original(tensor, *args, **kwargs)

        torch.Tensor.backward = backward
        if self.detail:
            self.handles += [module_hooks.register_module_forward_pre_hook(self.enter),
                             module_hooks.register_module_forward_hook(self.leave, always_call=True)]
            for owner, name, kind in ((F, "relu", "relu"), (torch, "relu", "relu"), (torch, "tanh", "tanh"),
                                      (torch, "sigmoid", "sigmoid")):
                self._patch(owner, name, kind)

    def _patch(self, owner, name: str, kind: str) -> None:
        original = getattr(owner, name)
        watch = self

        def watched(*args, **kwargs):
            if watch.inside:  # F.relu calls torch.relu: count the outer call only
                return original(*args, **kwargs)
            watch.inside = True
            try:
                out = original(*args, **kwargs)
            finally:
                watch.inside = False
            if watch.in_forward and not watch.session.busy and watch.session.steps < DETAIL_STEPS:
                watch.activation(kind, out)
            return out

        self._patched.append((owner, name, original))
        setattr(owner, name, watched)

    def uninstall(self) -> None:
        for handle in self.handles:
            handle.remove()
        for owner, name, original in reversed(self._patched):
            setattr(owner, name, original)
        self._patched = []
        if self._original_backward is not None:
            torch.Tensor.backward = self._original_backward

    # -- forwards: activation statistics -----------------------------------------------------------------
    def enter(self, module: nn.Module, args) -> None:
        if self.session.busy:
            return
        self.depth += 1
        self.stack.append(module)
        if self.depth != 1:
            return
        self.top = module
        if self.model is None and torch.is_grad_enabled() and any(True for _ in module.parameters()):
            self.model = module
            self.module_names = {id(m): name for name, m in unwrap(module).named_modules()}
        if module is self.model and self.probe_inputs is None and len(args) == 1 and isinstance(args[0], torch.Tensor):
            self.probe_inputs = args[0][:PROBE_ROWS].detach().clone()

    def leave(self, module: nn.Module, args, output) -> None:
        if not self.session.busy and self.depth:
            self.depth -= 1
            self.stack.pop()

    @property
    def in_forward(self) -> bool:
        """Inside a training forward of the model: activations there are the model's."""
        return self.depth > 0 and self.top is self.model and torch.is_grad_enabled()

    @_guarded
    def activation(self, kind: str, out: torch.Tensor) -> None:
        if not isinstance(out, torch.Tensor) or not out.is_floating_point():
            return
        owner = self.module_names.get(id(self.stack[-1])) if self.stack else None
        if owner:  # an nn.ReLU / nn.Tanh / nn.Sigmoid layer: its name in the model
            site = f"{owner} ({kind})"
        else:  # a functional call: the user's line
            frame = user_frame(3)
            site = f"{display_path(frame[0])}:{frame[1]} ({kind})" if frame else kind
        with torch.no_grad():
            if kind == "relu":
                fraction = (out.detach() <= 0).float().mean()
            elif kind == "tanh":
                fraction = (out.detach().abs() > 0.99).float().mean()
            else:
                fraction = ((out.detach() < 0.01) | (out.detach() > 0.99)).float().mean()
        self._activations.append((site, self.session.steps + 1, fraction))

    # -- steps -----------------------------------------------------------------------------------------
    @_guarded
    def before_step(self, optimizer, args, kwargs) -> None:
        if self.session.busy:
            return
        if self.first_location is None:
            from nnlint.runtime.sourceline import user_location

            self.first_location = user_location()
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        if not self._params:
            self._params = params
            self._param_ids = [id(p) for p in params]
            self.data.layers = [self.name_of(p) for p in params]
        grads = [p.grad.detach() for p in params]
        dense = [g.coalesce().values() if g.is_sparse else g for g in grads]
        self.data.steps.append(self.session.steps + 1)
        self.data.lr.append([_lr(group) for group in optimizer.param_groups])
        with torch.no_grad():
            if not dense:  # no gradient anywhere at this step (NN904's business): no norm to show
                self._norm.append(torch.tensor(float("nan")))
                return
            norms = torch.stack([norm.to(dense[0].device) for norm in torch._foreach_norm(dense)])
            self._norm.append(norms.float().norm())
            detailed = (self.detail and self.session.steps < DETAIL_STEPS
                        and [id(p) for p in params] == self._param_ids)
            if detailed:
                self._layer_norm.append(norms.float())
                self._before = [p.detach().clone() for p in params]

    @_guarded
    def after_step(self, optimizer, args, kwargs) -> None:
        if self.session.busy:
            return
        if self._before is not None:
            with torch.no_grad():
                params = [p.detach() for p in self._params]
                change = torch.stack(torch._foreach_norm(torch._foreach_sub(params, self._before)))
                size = torch.stack(torch._foreach_norm(self._before))
                # a tensor that starts at zero (a bias) has no ratio: NaN, left out of the chart
                ratio = torch.where(size > 0, change / size.clamp_min(1e-30), torch.full_like(size, float("nan")))
                self._ratio.append(ratio.float())
            self._before = None
            self.probe_step()

    def probe_step(self) -> None:
        """The model's predictions on the first batch's first rows, after this step (no grad, state kept)."""
        if self.model is None or self.probe_inputs is None:
            return
        inner = unwrap(self.model)
        self.session.busy = True
        try:
            with untouched(inner), torch.no_grad():
                reseed(self.probe_inputs.device, 0)
                out = inner(self.probe_inputs)
            if isinstance(out, torch.Tensor) and out.dim() == 2 and out.shape[0] == self.probe_inputs.shape[0]:
                targets = self.probe_targets()
                probabilities = out.float().softmax(1)
                if out.shape[1] > 1 and targets is not None and targets.shape == out.shape[:1] \
                        and not targets.is_floating_point():
                    self.data.probe_kind = "probability of the true class"
                    self._probe.append(probabilities.gather(1, targets.to(out.device)[:, None])[:, 0])
                elif out.shape[1] > 1:
                    self.data.probe_kind = "probability of the predicted class"
                    self._probe.append(probabilities.max(1).values)
                else:
                    self.data.probe_kind = "output"
                    self._probe.append(out.float()[:, 0])
        except Exception as error:  # a model that needs more than one input: no probe, a note
            self.session.note(f"prediction dynamics skipped: {type(error).__name__}: {error}")
            self.probe_inputs = None
        finally:
            self.session.busy = False

    # -- at the end ------------------------------------------------------------------------------------
    def finish(self) -> Dynamics:
        """Bring the values to the host once, and judge NN913."""
        data = self.data
        # one value each, read once at the end (the tensors may sit on different devices)
        data.loss = [float(value) for value in self._loss]
        data.grad_norm = [float(value) for value in self._norm]
        data.layer_grad_norm = [t.cpu().tolist() for t in self._layer_norm]
        data.layer_update_ratio = [t.cpu().tolist() for t in self._ratio]
        data.probe = [t.cpu().tolist() for t in self._probe]
        for site, step, fraction in self._activations:
            data.activations.setdefault(site, []).append((step, float(fraction)))
        self.exploding()
        return data

    def exploding(self) -> None:
        for name, values in (("loss", self.data.loss), ("gradient norm", self.data.grad_norm)):
            finite = [v for v in values if math.isfinite(v)]
            if len(finite) < 3 or len(finite) != len(values) or finite[0] <= 0:
                continue  # too short, or non-finite: NN908's business
            peak = max(finite)
            if peak >= GROWTH * finite[0] and finite[-1] >= STILL * finite[0]:
                step = finite.index(peak) + 1
                self.session.add(Finding(
                    "NN913", f"the {name} grew from {finite[0]:.3g} to {peak:.3g} (x{peak / finite[0]:.2g}) by step "
                    f"{step} of {len(finite)} before any NaN: the gradients explode — lower the learning rate, clip "
                    "the gradient norm, normalise inputs and targets", location=self.first_location),
                    key=("NN913",))
                return


def _lr(group: dict) -> float:
    lr = group.get("lr", float("nan"))
    return float(lr) if isinstance(lr, (int, float, torch.Tensor)) else float("nan")

