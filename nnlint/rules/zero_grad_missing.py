"""NN301: a training loop that steps the optimizer but never zeroes gradients, so they pile up forever."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.loops import BACKWARD, SCALER_STEP, STEPS, ZERO_GRAD, Event, Loop, training_loops
from nnlint.facts.roles import role_of
from nnlint.rules.base import Rule

MESSAGE = (
    "gradients are never zeroed in this loop, so every `backward()` adds to all earlier ones — "
    "call `optimizer.zero_grad()` once per step (after `optimizer.step()` or before `backward()`)"
)

PER_OPTIMIZER = (
    "`{optimizer}.step()` applies gradients that are never zeroed in this {where} (only {zeroed} are), so every "
    "`backward()` adds to all earlier ones — call `{optimizer}.zero_grad()` once per step"
)


class ZeroGradMissing(Rule):
    code = "NN301"
    name = "zero-grad-missing"
    summary = "A loop calls `backward()` and `optimizer.step()` but never zeroes gradients"
    triggers = ("backward",)

    def visit_Module(self, node: cst.Module) -> None:
        for loop in training_loops(self.facts).loops:
            # The innermost loop that trains owns the step; zeroing anywhere in it (helpers too) is enough.
            if not loop.trains or any(child.trains for child in loop.children) or loop.has(ZERO_GRAD):
                continue
            local = [event for event in loop.of(BACKWARD) if not self._distributed(event)]
            if local and not self._optimizer_built_each_iteration(loop):
                self.report(local[0].node, MESSAGE)

    def _optimizer_built_each_iteration(self, loop: Loop) -> bool:
        """`opt = SGD(...); opt.step()` inside the loop: a one-off numeric check, not a training loop."""
        for step in loop.of(*STEPS):
            if step.receiver is None:
                continue
            for binding in self.facts.bindings(step.receiver, step.node):
                if loop.node in self.facts.ancestors(binding.statement):
                    return True
        return False

    def leave_Module(self, original_node: cst.Module) -> None:
        """Loops that zero some gradients, and step functions (which may leave zeroing to their caller, but
        zeroing one optimizer and not another is a slip): each stepped optimizer must be zeroed."""
        loops = training_loops(self.facts)
        for loop in loops.loops:
            if loop.trains and not any(child.trains for child in loop.children) and loop.has(ZERO_GRAD):
                self._check_each_optimizer(loop)
        for function in loops.step_functions:
            if function.trains and function.has(ZERO_GRAD):
                self._check_each_optimizer(function)

    def _distributed(self, backward: Event) -> bool:
        """`dist_autograd.backward(context_id, [loss])`: its gradients live in a fresh context per iteration."""
        node = backward.node
        name = self.facts.call_name(node) if isinstance(node, cst.Call) else None
        return (name or "").startswith("torch.distributed.autograd.")

    def _check_each_optimizer(self, loop: Loop) -> None:
        """Several optimizers, each zeroed by name (a GAN): one that is stepped but never zeroed accumulates.

        Zeroing counts for a step when it names the optimizer (`opt_d.zero_grad()`) or the model that owns
        it (`self.discriminator.zero_grad()` for `self.discriminator.optimizer.step()`). Any other zeroing
        (`model.zero_grad()` of another name, `p.grad = None`, a helper, `for opt in opts: opt.zero_grad()`)
        may cover any parameters: then nothing is claimed.
        """
        steps = [step for step in loop.of(*STEPS) if self._stepped_optimizer(step) is not None]
        owners = {_owner(step.receiver) for step in steps} - {None}
        zeroed = set()
        for zero in loop.of(ZERO_GRAD):
            call = zero.node
            if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
                return
            if not isinstance(call.func.value, (cst.Name, cst.Attribute)) or self._loop_target(zero):
                return
            if role_of(self.facts, call.func.value, call) != "optimizer" and zero.receiver not in owners:
                return
            zeroed.add(zero.receiver)
        if not zeroed:
            return
        for step in steps:
            if step.receiver in zeroed or _owner(step.receiver) in zeroed or self._loop_target(step):
                continue
            zeros = ", ".join(f"`{name}`" for name in sorted(zeroed))
            where = "function" if isinstance(loop.node, cst.FunctionDef) else "loop"
            self.report(step.node, PER_OPTIMIZER.format(optimizer=step.receiver, zeroed=zeros, where=where))

    def _stepped_optimizer(self, step) -> cst.BaseExpression | None:
        call = step.node
        if step.receiver is None:
            return None
        stepped = call.args[0].value if step.kind == SCALER_STEP and call.args else call.func.value
        if not isinstance(stepped, (cst.Name, cst.Attribute)) or role_of(self.facts, stepped, call) != "optimizer":
            return None
        return stepped

    def _loop_target(self, event) -> bool:
        """The receiver is the target of a loop around the call: `for opt in optimizers: opt.zero_grad()`."""
        for ancestor in self.facts.ancestors(event.node):
            if isinstance(ancestor, cst.For) and event.receiver in self.context.code_for(ancestor.target):
                return True
        return False


def _owner(receiver: str | None) -> str | None:
    """`self.discriminator` for `self.discriminator.optimizer`: the model an optimizer attribute hangs on."""
    if receiver is None or "." not in receiver:
        return None
    owner, _, last = receiver.rpartition(".")
    return owner if last in ("optimizer", "optim", "opt", "optimiser") and owner != "self" else None
