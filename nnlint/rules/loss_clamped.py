"""NN205: putting an upper bound on the loss silently drops the gradient of every outlier."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, method_receiver, positional_args, same_code
from nnlint.facts.losses import is_detached, is_loss
from nnlint.rules.base import Rule

_CLAMP_METHODS = frozenset({"clamp", "clip", "clamp_", "clip_", "clamp_max", "clamp_max_"})
_CLAMP_FUNCTIONS = frozenset({"torch.clamp", "torch.clip", "torch.clamp_max"})
_MIN_FUNCTIONS = frozenset({"torch.min", "torch.minimum", "builtins.min"})

MESSAGE = (
    "the loss is clamped from above: outliers get zero gradient and are silently ignored — "
    "clip gradients with `torch.nn.utils.clip_grad_norm_` after `backward()` instead"
)


class LossClamped(Rule):
    code = "NN205"
    name = "loss-clamped"
    summary = "The loss is clamped or clipped: outliers are silently ignored; clip gradients instead"
    triggers = ("clamp", "clip", "min(", "minimum(")

    def visit_Call(self, node: cst.Call) -> None:
        value = self._bounded_value(node)
        if value is not None and is_loss(self.facts, value, node):
            self.report(node, MESSAGE)

    def _bounded_value(self, call: cst.Call) -> cst.BaseExpression | None:
        """The expression that `call` bounds from above, if it does."""
        qualified = self.facts.call_name(call)
        if qualified in _CLAMP_FUNCTIONS:
            upper = _upper_bound(call, offset=1, always=qualified == "torch.clamp_max")
            return argument(call, 0, "input") if upper else None
        if qualified in _MIN_FUNCTIONS:
            return self._elementwise_min_operand(call)
        receiver = method_receiver(call, _CLAMP_METHODS)
        if receiver is not None and _upper_bound(call, 0, always=call.func.attr.value.startswith("clamp_max")):
            return receiver
        return None

    def _elementwise_min_operand(self, call: cst.Call) -> cst.BaseExpression | None:
        """`min(loss, 10.0)` bounds the loss; `min(best_loss, loss)` tracks the best one and `torch.min(loss)` reduces."""
        args = positional_args(call)
        if len(args) != 2 or len(call.args) != 2 or any(is_detached(arg) for arg in args):
            return None
        if self._is_running_minimum(call, args):
            return None
        first, second = (is_loss(self.facts, arg, call) for arg in args)
        if first == second:
            return None
        return args[0] if first else args[1]

    def _is_running_minimum(self, call: cst.Call, args: list[cst.BaseExpression]) -> bool:
        """`best = min(best, loss)` keeps a record; it does not bound the loss that trains."""
        statement = self.facts.parent(call)
        if not isinstance(statement, cst.Assign) or statement.value is not call:
            return False
        targets = [target.target for target in statement.targets]
        return any(same_code(self.context.module, t, a) for t in targets for a in args)


def _upper_bound(call: cst.Call, offset: int, always: bool) -> bool:
    """Whether the clamp has a `max`: `clamp(x, lo, hi)`, `clamp(max=hi)`; `clamp(min=0)` is a hinge."""
    if always:
        return True
    upper = argument(call, offset + 1, "max")
    return upper is not None and not (isinstance(upper, cst.Name) and upper.value == "None")
