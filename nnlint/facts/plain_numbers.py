"""Whether a name holds a plain number read off the graph (`loss.item()`, `0.0`, `total / len(loader)`).

Follows assignments (tuple unpacking included) and the `return`s of functions of the same file, so that
`loss, n = train_step(batch)` with `return loss.item(), len(batch)` reads as a number, not a tensor.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.calls import number
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import training_loops
from nnlint.facts.losses import is_detached, is_loss

_DEPTH = 3


def holds_plain_number(facts: Facts, name: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """Some assignment to `name` is a plain number (`epoch_loss = 0.0`; its `+=` sites tell the rest)."""
    return any(_is_plain_number(facts, value, at, 0) for value in bound_values(facts, name, at))


def bound_values(facts: Facts, name: cst.BaseExpression, at: cst.CSTNode) -> list[cst.BaseExpression]:
    """What `name` was assigned, unpacking included: `loss, n = step(batch)` -> element 0 of step's returns."""
    dotted_name = dotted(name)
    if dotted_name is None:
        return []
    loops = training_loops(facts)
    found = []
    for binding in facts.bindings(dotted_name, at):
        if binding.index is None:
            found.append(binding.value)
            continue
        helper = loops.resolve(binding.value) if isinstance(binding.value, cst.Call) else None
        sources = loops.returned_values(helper) if helper is not None else [binding.value]
        for source in sources:
            if isinstance(source, cst.Tuple) and binding.index < len(source.elements):
                found.append(source.elements[binding.index].value)
    return found


def _is_plain_number(facts: Facts, value: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
    if depth > _DEPTH:
        return False
    if is_detached(value) or number(value) is not None or _is_len(value):
        return True
    if isinstance(value, cst.BinaryOperation):
        # `running_loss / n`, `total / (i + 1)`: a float stays a float whatever unknown count divides it,
        # unless the other side is itself a loss tensor (`loss.item() * other_loss`) or a torch result
        # (`-1 * torch.mean(log_likelihood)`: a number times a tensor is a tensor).
        sides = (value.left, value.right)
        plain = [_is_plain_number(facts, side, at, depth + 1) for side in sides]
        tensors = [is_loss(facts, s, at) or _torch_result(facts, s) for s, p in zip(sides, plain) if not p]
        return any(plain) and not any(tensors)
    if isinstance(value, (cst.Name, cst.Attribute)):
        return any(_is_plain_number(facts, v, at, depth + 1) for v in bound_values(facts, value, at))
    loops = training_loops(facts)
    helper = loops.resolve(value) if isinstance(value, cst.Call) else None
    if helper is None and isinstance(value, cst.Call):  # a function of another file: its summary says
        found = elsewhere.returned(facts, value)
        return found is not None and found.kind == "number"
    returned = loops.returned_values(helper) if helper is not None else []
    return bool(returned) and all(r is not None and _is_plain_number(facts, r, at, depth + 1) for r in returned)


def _torch_result(facts: Facts, value: cst.BaseExpression) -> bool:
    """`torch.mean(x)`, `F.nll_loss(...)`: a tensor op (not `torch.cuda.device_count()` or `torch.numel`)."""
    name = facts.call_name(value) if isinstance(value, cst.Call) else None
    if name is None or name == "torch.numel":
        return False
    return name.count(".") == 1 and name.startswith("torch.") or name.startswith("torch.nn.functional.")


def _is_len(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "len"
