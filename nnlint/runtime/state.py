"""Leave the model and the process exactly as the check found them.

`untouched(model)` restores, whatever happens inside: every module's train/eval flag, parameter and buffer
values (BatchNorm running stats, a step counter), plain attributes a forward may bump (`self.calls += 1`),
`.grad` of every parameter, `requires_grad`, and the RNG states of torch (CPU and CUDA), `random` and NumPy. `probe_modes(model, allow)` then puts the layers that
mix samples or draw random numbers by design into eval mode for the duration of the probe.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.dropout import _DropoutNd

RANDOM_LAYERS = (_DropoutNd, nn.AlphaDropout, nn.FeatureAlphaDropout)


@dataclass
class _Snapshot:
    modes: list[tuple[nn.Module, bool]]
    params: list[tuple[nn.Parameter, bool, torch.Tensor | None, int | None]]
    buffers: list[tuple[nn.Module, str, torch.Tensor, torch.Tensor]]
    attributes: list[tuple[nn.Module, dict]] = field(default_factory=list)
    rng: dict = field(default_factory=dict)


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "random": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        state["numpy"] = numpy.random.get_state()
    return state


def _restore_rng(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["random"])
    if "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])
    if "numpy" in state:
        sys.modules["numpy"].random.set_state(state["numpy"])


def _snapshot(model: nn.Module) -> _Snapshot:
    modes = [(module, module.training) for module in model.modules()]
    params = []
    for param in model.parameters():
        grad = param.grad
        params.append((param, param.requires_grad, grad, grad._version if grad is not None else None))
    buffers = []
    for module in model.modules():
        for name, buffer in module.named_buffers(recurse=False):
            if buffer is not None:
                buffers.append((module, name, buffer, buffer.detach().clone()))
    attributes = [(module, _plain_attributes(module)) for module in model.modules()]
    return _Snapshot(modes, params, buffers, attributes, _rng_state())


_PLAIN = (int, float, bool, str, bytes, type(None), tuple, frozenset)


def _plain_attributes(module: nn.Module) -> dict:
    """A module's immutable plain attributes (a step counter, a cached length): forwards may change them."""
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and isinstance(value, _PLAIN)}


_MISSING = object()


def _restore(snapshot: _Snapshot) -> None:
    for module, training in snapshot.modes:
        module.training = training
    for module, attributes in snapshot.attributes:
        for name, value in attributes.items():
            if getattr(module, name, _MISSING) is not value:
                object.__setattr__(module, name, value)
    with torch.no_grad():
        for param, requires_grad, grad, version in snapshot.params:
            param.requires_grad_(requires_grad)
            if grad is not None and grad._version != version:  # something wrote into it: impossible to undo
                raise RuntimeError("nnlint: a parameter's .grad was modified during the check")
            param.grad = grad
        for module, name, buffer, saved in snapshot.buffers:
            if module._buffers.get(name) is not buffer:
                module._buffers[name] = buffer
            if buffer._version != saved._version or not torch.equal(buffer, saved):
                buffer.copy_(saved)
    _restore_rng(snapshot.rng)


@contextmanager
def untouched(model: nn.Module) -> Iterator[None]:
    snapshot = _snapshot(model)
    try:
        yield
    finally:
        _restore(snapshot)


def _matches(module: nn.Module, qualname: str, allow: tuple) -> bool:
    for item in allow:
        if item is module or (isinstance(item, type) and isinstance(module, item)):
            return True
        if isinstance(item, str) and (item == qualname or item == type(module).__name__):
            return True
    return False


def allowed_modules(model: nn.Module, allow: tuple) -> dict[nn.Module, str]:
    """The submodules `allow` names: instances, classes, class names or qualified names ("encoder.router")."""
    return {module: name or type(module).__name__ for name, module in model.named_modules()
            if _matches(module, name, allow)}


@contextmanager
def probe_modes(model: nn.Module, allow: tuple = ()) -> Iterator[list[str]]:
    """Put BatchNorm/SyncBatchNorm and dropout layers not in `allow` into eval mode and freeze the
    parameters, so the probe differentiates with respect to the inputs only. Yields readable notes."""
    allowed = allowed_modules(model, allow)
    switched: dict[str, list[str]] = {}
    for name, module in model.named_modules():
        if module.training and isinstance(module, (_BatchNorm, *RANDOM_LAYERS)) and module not in allowed:
            module.training = False
            switched.setdefault(type(module).__name__, []).append(name or "<model>")
    for param in model.parameters():
        param.requires_grad_(False)
    notes = []
    for kind, names in switched.items():
        why = "they mix samples in train mode by design" if "Norm" in kind else "they draw random masks"
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        notes.append(f"{len(names)} {kind} layer(s) ({shown}) were probed in eval mode: {why}")
    yield notes


def reseed(device: torch.device | None, seed: int) -> None:
    """Seed only the generators the model can draw from, so every forward of the probe sees the same random
    numbers. Not `torch.manual_seed`: that would also queue a seed for a CUDA that is not yet initialised,
    which `untouched` could not undo."""
    torch.random.default_generator.manual_seed(seed)
    if device is not None and device.type == "cuda" and torch.cuda.is_initialized():
        torch.cuda.default_generators[device.index or 0].manual_seed(seed)


class OwnerTracker:
    """While active, calling it names the innermost allowed module whose forward is running."""

    def __init__(self, modules: dict[nn.Module, str]):
        self.modules, self.stack, self.handles = modules, [], []

    def __enter__(self) -> OwnerTracker:
        for module, name in self.modules.items():
            self.handles.append(module.register_forward_pre_hook(lambda m, a, name=name: self._enter(name)))
            self.handles.append(module.register_forward_hook(lambda m, a, o: self._leave(), always_call=True))
        return self

    # hooks must return None: a returned value would replace the module's input or output
    def _enter(self, name: str) -> None:
        self.stack.append(name)

    def _leave(self) -> None:
        self.stack.pop()

    def __exit__(self, *exc) -> None:
        for handle in self.handles:
            handle.remove()

    def __call__(self) -> str | None:
        return self.stack[-1] if self.stack else None
