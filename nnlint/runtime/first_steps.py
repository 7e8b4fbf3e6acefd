"""In `nnlint run`: the batches just before the net in the first training steps, and the checks on them.

The first training forwards of a model with parameters give the inputs exactly as the model receives them
(after the loader, collate, augmentation and `.to(device)`); a `LossTape` records how the script turns the
output into the loss it backpropagates, which names the targets. At each of the first optimizer steps the
batch is checked (NN911 input-not-normalised, NN912 degenerate-batch) and a small sample kept for the report;
at the first, the overfit check (NN910) trains a copy of the model on that batch with the script's own
optimizer. The hooks are removed after those steps, so the rest of the script runs at full speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks

from nnlint.runtime.batch_content import (
    class_count,
    find_normalize,
    image_layout,
    input_findings,
    single_class_finding,
)
from nnlint.runtime.causality_auto import check_sequence_model, is_sequence_model_call
from nnlint.runtime.distributed import is_sharded, unwrap
from nnlint.runtime.findings import Finding
from nnlint.runtime.forward_watch import KeywordCall
from nnlint.runtime.loss_tape import LossTape
from nnlint.runtime.overfit import check_overfit_one_batch
from nnlint.runtime.session import RunSession
from nnlint.runtime.sourceline import user_location
from nnlint.runtime.training_step import infer_classes

ATTEMPTS = 3  # training forwards whose loss could not be followed before giving up
STEPS = 3  # training steps whose batch is checked and sampled
SAMPLE = 16  # rows of each batch kept for the report


@dataclass
class StepSample:
    """One training step's batch as the model received it: the first SAMPLE rows, detached copies on the
    model's device (the report moves them to the CPU when it draws them)."""

    step: int
    inputs: list[torch.Tensor]
    targets: torch.Tensor | None
    output: torch.Tensor | None
    loss: float
    batch_size: int
    call_site: str | None
    normalize: tuple[list[float], list[float]] | None = None  # the script's Normalize (mean, std), if one


class FirstStepsWatch:
    def __init__(self, session: RunSession, overfit: bool = True, max_steps: int = 300, target: float = 0.01):
        self.session, self.overfit, self.max_steps, self.target = session, overfit, max_steps, target
        self.samples: list[StepSample] = []
        self.classes: list = []  # per batch: (number of classes seen, the one class)
        self.depth = 0
        self.handles: list = []
        self.step_handle = None
        self.model: nn.Module | None = None  # the top-level module as the script calls it
        self.inputs: Any = None
        self.tape: LossTape | None = None
        self.loss: torch.Tensor | None = None
        self.call_site: str | None = None
        self.attempts = 0
        self.causality_checked = False
        self.saw_backward = False
        self.parameters_known: dict[int, bool] = {}
        self.done = False
        self._original_backward = None

    def install(self) -> None:
        self.handles = [module_hooks.register_module_forward_pre_hook(self.before),
                        module_hooks.register_module_forward_hook(self.after, always_call=True)]
        # kept until uninstall: the optimizer iterates its hook dict live, removing from a hook would break it
        self.step_handle = optimizer_hooks.register_optimizer_step_pre_hook(self.before_step)
        original = self._original_backward = torch.Tensor.backward
        watch = self

        def backward(tensor, *args, **kwargs):
            watch.on_backward(tensor)
            return original(tensor, *args, **kwargs)

        torch.Tensor.backward = backward

    def uninstall(self) -> None:
        if self.tape is not None:
            self.tape.stop()
        self.step_handle.remove()
        for handle in self.handles:
            handle.remove()
        self.handles = []
        if not self.done:
            self.judge_classes()
        if self._original_backward is not None:
            torch.Tensor.backward = self._original_backward
            self._original_backward = None

    def finish(self) -> None:
        """After the first steps: remove the hooks; the patched backward just passes through from now on."""
        if not self.done:
            self.judge_classes()
        self.done = True
        if self.tape is not None:
            self.tape.stop()
            self.tape = None
        for handle in self.handles:
            handle.remove()
        self.handles = []

    # -- forwards ----------------------------------------------------------------------------------------
    def before(self, module: nn.Module, args: tuple) -> None:
        if self.session.busy or self.done:
            return
        self.depth += 1
        if self.depth != 1:
            return
        if self.loss is not None:
            return  # a micro-batch of gradient accumulation: the first one of the step is kept
        if self.tape is not None and torch.is_grad_enabled() and self.has_parameters(module):
            self.forget()  # another model trains before backward (a GAN's D): the loss cannot be followed
        if not torch.is_grad_enabled() or torch.is_inference_mode_enabled():
            return
        if self.model is None:
            if not self.has_parameters(module) or is_sharded(module):
                return
            self.model = module
            self.handles.append(module.register_forward_pre_hook(self.keyword_call, with_kwargs=True))
        if module is self.model and any(isinstance(a, torch.Tensor) for a in args):
            self.inputs = args[0] if len(args) == 1 else tuple(args)
            self.call_site = user_location()

    def has_parameters(self, module: nn.Module) -> bool:
        known = self.parameters_known.get(id(module))
        if known is None:
            known = self.parameters_known[id(module)] = any(True for _ in unwrap(module).parameters())
        return known

    def keyword_call(self, module: nn.Module, args: tuple, kwargs: dict | None = None) -> None:
        # kwargs is None when torch calls a hook removed during this same call (as a hook without kwargs)
        if kwargs is None or self.session.busy or self.done or self.depth != 1 or not kwargs or not torch.is_grad_enabled():
            return
        if args:
            self.inputs = (KeywordCall(unwrap(module), len(args), tuple(kwargs)), (*args, *kwargs.values()))
        else:
            self.inputs = dict(kwargs)
        self.call_site = user_location()

    def after(self, module: nn.Module, args: Any, output: Any) -> None:
        if self.session.busy or self.done:
            return
        self.depth -= 1
        if self.depth == 0 and module is self.model and not self.causality_checked and torch.is_grad_enabled():
            self.causality_checked = True
            if is_sequence_model_call(args, output):
                check_sequence_model(self.session, unwrap(module), args[0], self.call_site)
        if self.depth == 0 and module is self.model and self.inputs is not None and torch.is_grad_enabled() \
                and self.loss is None:
            self.tape = LossTape(output)
            self.tape.start()

    def forget(self) -> None:
        if self.tape is not None:
            self.tape.stop()
        self.tape, self.loss = None, None
        self.attempts += 1
        if self.attempts >= ATTEMPTS:
            if not self.samples and self.saw_backward:
                self.session.note("overfit check and batch checks skipped: the loss backpropagated was not "
                                  "computed from the model's output in the first training steps")
            self.finish()

    # -- backward and step --------------------------------------------------------------------------------
    def on_backward(self, loss: torch.Tensor) -> None:
        if self.done or self.session.busy:
            return
        self.saw_backward = True
        if self.tape is None or self.loss is not None:
            return
        self.tape.stop()
        if self.tape.derives(loss) or self.tape.ops:  # derived, or cut from an output the script did read
            self.loss = loss
        else:
            self.forget()

    def before_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        if self.done or self.session.busy:
            return
        if self.tape is None or self.loss is None:
            self.forget()
            return
        tape, loss, inputs = self.tape, self.loss, self.inputs
        self.tape, self.loss = None, None
        self.session.busy = True
        try:
            try:
                self.sample(tape, loss, inputs)
            except Exception as error:  # an input nnlint cannot read: a note, never the script's crash
                self.session.note(f"batch checks skipped: {type(error).__name__}: {error}")
            if self.overfit and len(self.samples) == 1:
                self.run_overfit(optimizer, tape, loss, inputs)
        finally:
            self.session.busy = False
        if len(self.samples) >= STEPS:
            self.finish()

    def sample(self, tape: LossTape, loss: torch.Tensor, inputs: Any) -> None:
        """Check this step's batch and keep its first rows."""
        leaves = inputs[1] if isinstance(inputs, tuple) and len(inputs) == 2 and isinstance(inputs[0], KeywordCall) \
            else (list(inputs.values()) if isinstance(inputs, dict) else
                  list(inputs) if isinstance(inputs, tuple) else [inputs])
        tensors = [leaf for leaf in leaves if isinstance(leaf, torch.Tensor) and leaf.dim() > 0]
        if not tensors:
            return
        size = tensors[0].shape[0]
        output = tape.roots[0] if len(tape.roots) == 1 else None
        targets = _targets(tape, output, size)
        with torch.no_grad():
            for finding in input_findings(tensors[0]):
                self.session.add(Finding(finding.code, finding.message, location=self.call_site),
                                 key=(finding.code,))
            self.classes.append(class_count(targets, output if isinstance(output, torch.Tensor) else None))
            keep = [t[:SAMPLE].detach().clone() for t in tensors if t.shape[0] == size]
            self.samples.append(StepSample(
                self.session.steps + 1, keep, targets[:SAMPLE].detach().clone() if targets is not None else None,
                output[:SAMPLE].detach().clone() if isinstance(output, torch.Tensor) and output.dim() > 0 else None,
                float(loss.detach()) if loss.numel() == 1 else float("nan"), size, self.call_site,
                _normalize_of(tensors[0]) if not self.samples else None))

    def judge_classes(self) -> None:
        finding = single_class_finding(self.classes)
        if finding is not None:
            self.session.add(Finding(finding.code, finding.message,
                                     location=self.samples[0].call_site if self.samples else None))

    def run_overfit(self, optimizer, tape: LossTape, loss: torch.Tensor, inputs: Any) -> None:
        model = unwrap(self.model)
        if isinstance(inputs, tuple) and len(inputs) == 2 and isinstance(inputs[0], KeywordCall):
            model, inputs = inputs
        output = tape.roots[0] if len(tape.roots) == 1 else None
        labels = next((t for t in tape.constants() if output is not None and infer_classes(output, t)), None)
        try:
            report = check_overfit_one_batch(model, (inputs, labels), lambda out, _: tape.replay(out, loss),
                                             optimizer=optimizer, max_steps=self.max_steps, target=self.target)
        except Exception as error:  # a model that cannot be copied or replayed: a note, never a crash
            self.session.note(f"overfit check skipped: {type(error).__name__}: {error}")
            return
        self.session.stats["overfit_one_batch"] = report.stats
        for note in report.notes:
            self.session.note(note)
        for finding in report.findings:
            self.session.add(Finding(finding.code, finding.message, location=self.call_site))


def _targets(tape: LossTape, output: Any, size: int) -> torch.Tensor | None:
    """What the loss compared the output with: class labels first, else any batch-sized tensor it read."""
    candidates = [t for t in tape.constants() if t.dim() > 0 and t.shape[0] == size]
    labels = [t for t in candidates if isinstance(output, torch.Tensor) and infer_classes(output, t)]
    return (labels or candidates or [None])[0]


def _normalize_of(x: torch.Tensor) -> tuple[list[float], list[float]] | None:
    """Looked for while the script runs (its transforms may be gone when the report is drawn)."""
    layout = image_layout(x)
    if layout is None:
        return None
    return find_normalize(x.shape[1] if layout == "NCHW" else x.shape[3])
