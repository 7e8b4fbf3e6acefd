"""What an object in a training loop is: an optimizer, a learning-rate scheduler or an AMP grad scaler.

Decided by what the name was bound to (`torch.optim.AdamW(...)`, `lr_scheduler.StepLR(...)`,
`GradScaler()`, Lightning's `self.optimizers()`), else by its name (`optimizer`, `opt_g`, `lr_scheduler`,
`scaler`). `env.step()`, `noise_scheduler.step(...)` or `model_engine.step()` are none of the three.
"""

from __future__ import annotations

import re
from typing import Literal

import libcst as cst

from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted

Role = Literal["optimizer", "scheduler", "scaler"]

_SCALERS = frozenset(
    {
        "torch.cuda.amp.GradScaler",
        "torch.amp.GradScaler",
        "torch.GradScaler",
        "torch.cpu.amp.GradScaler",
        "torch.cuda.amp.grad_scaler.GradScaler",
        "torch.amp.grad_scaler.GradScaler",
        "torch.distributed.fsdp.sharded_grad_scaler.ShardedGradScaler",
    }
)
_SCALER_NAME = re.compile(r"scaler$", re.I)
_SCHEDULER_NAME = re.compile(r"(^|_)(lr_?)?sched(uler)?s?(_|$|\d)", re.I)
_OPTIMIZER_NAME = re.compile(r"(^|_)(opt|optim|optimizer|optimiser)s?(_|$|\d)|optimi[sz]er", re.I)
# diffusers' noise schedulers also have `.step(...)`, for sampling, not for learning rates.
_NOT_LR = re.compile(r"noise|diffusers|DDPM|DDIM|PNDM|Euler|DPMSolver", re.I)


def receiver_name(expr: cst.BaseExpression) -> str | None:
    """`optimizer`, `self.opt`, and `optimizers` for `optimizers[0]`."""
    while isinstance(expr, cst.Subscript):
        expr = expr.value
    return dotted(expr)


def role_of(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> Role | None:
    name = receiver_name(expr)
    if name is None:
        return None
    for value in bound_values(facts, name, at):
        role = _constructed_role(facts, value)
        if role is not None:
            return role if role != "other" else None
    last = name.rsplit(".", 1)[-1]
    key = _string_key(expr)
    if key is not None and _role_by_name(last) is None:
        last = key  # `models["optimizer"].step()`, `self.objects["scheduler"]`: the key names the role
    return _role_by_name(last)


def _role_by_name(last: str) -> Role | None:
    if _NOT_LR.search(last):
        return None
    if _SCALER_NAME.search(last):
        return "scaler"
    if _SCHEDULER_NAME.search(last):
        return "scheduler"
    if _OPTIMIZER_NAME.search(last):
        return "optimizer"
    return None


def _string_key(expr: cst.BaseExpression) -> str | None:
    """`"optimizer"` in `models["optimizer"]`."""
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            value = index.value.evaluated_value
            return value if isinstance(value, str) else None
    return None


def bound_values(facts: Facts, name: str, at: cst.CSTNode) -> list[cst.BaseExpression]:
    """Right-hand sides `name` was assigned from, tuple unpacking included (`opt_g, opt_d = self.optimizers()`)."""
    return [binding.value for binding in facts.bindings(name, at)]


def scheduler_constructor(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[str, cst.Call] | None:
    """(`torch.optim.lr_scheduler.StepLR`, the call) when the scheduler was built by a torch constructor."""
    name = receiver_name(expr)
    if name is None:
        return None
    for value in bound_values(facts, name, at):
        if isinstance(value, cst.Call):
            qualified = facts.call_name(value) or ""
            if qualified.startswith("torch.optim.lr_scheduler."):
                return qualified, value
    return None


def _constructed_role(facts: Facts, value: cst.BaseExpression) -> Role | Literal["other"] | None:
    if not isinstance(value, cst.Call):
        return None
    qualified = facts.call_name(value) or dotted(value.func) or ""
    if qualified in _SCALERS:
        return "scaler"
    if qualified.startswith("torch.optim.lr_scheduler.") or qualified == "self.lr_schedulers":
        return "scheduler"
    if qualified.startswith("torch.optim.") or qualified == "self.optimizers":
        return "optimizer"
    if _NOT_LR.search(qualified):
        return "other"
    return None
