"""Watch top-level module calls: evaluation in train mode (NN906) and, on the first training forward of
each model, the batch-independence check (NN901/NN908) on a copy of that call's inputs."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.nn.modules.batchnorm import _BatchNorm

from nnlint.runtime.batch_check import check_batch_independence
from nnlint.runtime.distributed import unwrap
from nnlint.runtime.findings import Finding
from nnlint.runtime.session import RunSession
from nnlint.runtime.sourceline import user_location
from nnlint.runtime.state import RANDOM_LAYERS


class KeywordCall(nn.Module):
    """Calls `inner` with the original keyword arguments from a flat tuple, so the check can treat a call
    with keywords like one with positional tensors; `inner` stays a submodule for the state snapshot."""

    def __init__(self, inner: nn.Module, positional: int, keys: tuple[str, ...]):
        super().__init__()
        self.inner, self.positional, self.keys = inner, positional, keys

    def forward(self, *flat):
        return self.inner(*flat[: self.positional], **dict(zip(self.keys, flat[self.positional:])))


def _train_mode_layers(model: nn.Module) -> dict[str, int]:
    counts: dict[str, int] = {}
    for module in model.modules():
        if module.training and isinstance(module, (_BatchNorm, *RANDOM_LAYERS)):
            kind = "BatchNorm" if isinstance(module, _BatchNorm) else "Dropout"
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _batch_size(args: tuple, kwargs: dict) -> int | None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor) and value.dim() > 0:
            return value.shape[0]
    return None


class ForwardWatch:
    def __init__(self, session: RunSession):
        self.session = session
        self.depth = 0
        self.seen: dict[int, bool] = {}  # id(module) -> has parameters
        self.checked: set[int] = set()
        self.checked_keywords: set[int] = set()
        self.names: dict[int, str] = {}  # id(parameter) -> qualified name, for messages of the step watch
        self.handles: list = []

    def install(self) -> None:
        self.handles = [module_hooks.register_module_forward_pre_hook(self.before),
                        module_hooks.register_module_forward_hook(self.after, always_call=True)]

    def uninstall(self) -> None:
        for handle in self.handles:
            handle.remove()

    def after(self, module: nn.Module, args: Any, output: Any) -> None:
        if not self.session.busy:
            self.depth -= 1

    def before(self, module: nn.Module, args: tuple) -> None:
        if self.session.busy:
            return
        self.depth += 1
        if self.depth != 1:
            return  # a submodule called from its parent's forward
        inner = unwrap(module)
        if id(inner) not in self.seen:
            self.seen[id(inner)] = any(True for _ in inner.parameters())
            for name, param in inner.named_parameters():
                self.names.setdefault(id(param), name)
        if not self.seen[id(inner)]:
            return  # a loss module, an activation: nothing to learn, nothing to check
        if not torch.is_grad_enabled() or torch.is_inference_mode_enabled():
            self.evaluation_forward(inner)
        elif self.session.batch_check and id(inner) not in self.checked:
            self.checked.add(id(inner))
            if _batch_size(args, {}) is None:  # called with keywords only: the global hook cannot see them
                self.handles.append(module.register_forward_pre_hook(self.keyword_call, with_kwargs=True))
            else:
                self.batch_check(inner, args, {})

    def keyword_call(self, module: nn.Module, args: tuple, kwargs: dict) -> None:
        """The next training call of a model first seen with keyword arguments."""
        if self.session.busy or self.depth != 1 or not torch.is_grad_enabled():
            return
        if id(module) in self.checked_keywords:
            return
        self.checked_keywords.add(id(module))
        self.batch_check(unwrap(module), args, kwargs)

    def evaluation_forward(self, inner: nn.Module) -> None:
        layers = _train_mode_layers(inner)
        if not layers:
            return
        kinds = " and ".join(f"{count} {kind}" for kind, count in layers.items())
        self.session.add(Finding(
            "NN906", f"{type(inner).__name__} runs under no_grad (an evaluation?) while {kinds} layer(s) are in "
            "train mode: call model.eval() before evaluating and model.train() after", location=user_location()),
            key=("NN906", id(inner)))

    def batch_check(self, inner: nn.Module, args: tuple, kwargs: dict) -> None:
        if (_batch_size(args, kwargs) or 0) < 2:
            return
        call_site = user_location()
        model: nn.Module = inner
        inputs: Any = args[0] if len(args) == 1 and not kwargs else tuple(args)
        if kwargs:
            model = KeywordCall(inner, len(args), tuple(kwargs))
            inputs = (*args, *kwargs.values())
        self.session.busy = True
        try:
            report = check_batch_independence(model, inputs, allow=self.session.allow)
        except Exception as error:  # the user's model may reject a sub-batch: a note, never a crash
            self.session.note(f"batch check of {type(inner).__name__} skipped: {type(error).__name__}: {error}")
            return
        finally:
            self.session.busy = False
        for note in report.notes:
            self.session.note(f"{type(inner).__name__}: {note}")
        for finding in report.findings:
            location = finding.location or call_site
            self.session.add(Finding(finding.code, finding.message, finding.pairs, finding.op, location))
