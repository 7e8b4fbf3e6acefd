"""Whether a loss that reaches `backward()` was cut off the autograd graph before it was computed.

A cut is a `.detach()`, `.data`, `.item()`, `.numpy()` or `.tolist()` on the way from the model's output
to the loss, a `torch.tensor(...)` re-wrap of numbers, or a model call run under `no_grad` /
`inference_mode`. Followed through local names, shape methods, activations, arithmetic and loss calls;
the prediction side of a loss is its first argument (both sides for symmetric losses such as MSE). A
detached *target*, an EMA teacher or a GAN's detached fake fed to the discriminator is no cut: the input
of the loss still comes from a model call with gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.facts.calls import argument, positional_args
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import training_loops
from nnlint.facts.losses import is_loss_callable
from nnlint.facts.modules import latest_value, layer_class

_CUTTING_METHODS = frozenset({"detach", "item", "numpy", "tolist"})
_REWRAPS = frozenset({"torch.tensor", "torch.Tensor", "torch.as_tensor", "torch.from_numpy", "torch.FloatTensor"})
_KEEPING_METHODS = frozenset(
    {
        "view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous", "float", "double", "half", "to", "cpu",
        "cuda", "permute", "transpose", "mean", "sum", "softmax", "log_softmax", "sigmoid", "log", "exp", "abs",
        "clamp", "pow", "sqrt", "type_as", "view_as",
    }
)
_SYMMETRIC = frozenset(
    {"MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"}
    | {f"torch.nn.functional.{name}" for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss")}
)
_DEPTH = 12


@dataclass(frozen=True)
class Cut:
    node: cst.CSTNode  # the `.detach()` / `.data` / `torch.tensor(...)` / no_grad model call
    how: str  # "`.detach()`", "`torch.tensor(...)`", "`no_grad`"


def loss_cut(facts: Facts, loss: cst.BaseExpression, at: cst.CSTNode) -> Cut | None:
    """The cut every part of the loss `loss` (as it stands at `at`) passes through, or None."""
    return _Tracer(facts).loss(loss, at, 0)


class _Tracer:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def loss(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> Cut | None:
        if depth > _DEPTH:
            return None
        if isinstance(expr, cst.Name):
            if self._updated_in_place(expr, at):
                return None  # `loss += criterion(...)`: what the name holds is not its first assignment
            value = latest_value(self.facts, expr, at)
            return self.loss(value, value, depth + 1) if value is not None else None
        if isinstance(expr, cst.BinaryOperation):
            return self._all_cut([self.loss(side, at, depth + 1) for side in (expr.left, expr.right)])
        if not isinstance(expr, cst.Call):
            return None
        func = expr.func
        if is_loss_callable(self.facts, func, at):
            return self._loss_call(expr, at, depth)
        return self.tensor(expr, at, depth)

    def _loss_call(self, call: cst.Call, at: cst.CSTNode, depth: int) -> Cut | None:
        name = self.facts.call_name(call) or layer_class(self.facts, call.func, at)
        args = positional_args(call)
        if name in _SYMMETRIC and len(args) >= 2:
            # `mse_loss(target, student(x))`: either side may be the prediction; one live side is enough.
            cuts = [self.tensor(arg, at, depth + 1) for arg in args[:2]]
            live = [self._live(arg, at, depth + 1) for arg in args[:2]]
            return next((cut for cut in cuts if cut is not None), None) if not any(live) else None
        prediction = argument(call, 0, "input")
        return self.tensor(prediction, at, depth + 1) if prediction is not None else None

    def tensor(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> Cut | None:
        """Where the tensor `expr` left the graph, if it provably did."""
        if depth > _DEPTH:
            return None
        if isinstance(expr, cst.Name):
            value = latest_value(self.facts, expr, at)
            return self.tensor(value, value, depth + 1) if value is not None else None
        if isinstance(expr, cst.Attribute):
            return Cut(expr, "`.data`") if expr.attr.value == "data" else None
        if isinstance(expr, cst.BinaryOperation):
            return self._all_cut([self.tensor(side, at, depth + 1) for side in (expr.left, expr.right)])
        if not isinstance(expr, cst.Call):
            return None
        qualified = self.facts.call_name(expr)
        if qualified in _REWRAPS:
            data = positional_args(expr)
            if data and _literal(data[0]):
                return None  # `torch.tensor(2., requires_grad=True)`: a fresh leaf, not a copy of an output
            return Cut(expr, f"`{qualified}(...)`")
        func = expr.func
        if qualified is None and isinstance(func, cst.Attribute):
            if func.attr.value in _CUTTING_METHODS:
                return Cut(expr, f"`.{func.attr.value}()`")
            if func.attr.value in _KEEPING_METHODS:
                return self.tensor(func.value, at, depth + 1)
        if qualified is not None and qualified.startswith("torch."):
            first = positional_args(expr)
            return self.tensor(first[0], at, depth + 1) if first and _elementwise(qualified) else None
        if dotted(func) is not None and training_loops(self.facts).runs_without_grad(expr):
            return Cut(expr, "`no_grad`")  # `with torch.no_grad(): out = model(x)`
        return None

    def _live(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
        """`expr` is provably a model's output with gradients (a call of a model, not under no_grad)."""
        for _ in range(_DEPTH - depth):
            if isinstance(expr, cst.Name):
                expr = at = latest_value(self.facts, expr, at)
            elif isinstance(expr, cst.Call) and _method(expr) in _KEEPING_METHODS:
                expr = expr.func.value
            elif isinstance(expr, cst.Call):
                qualified = self.facts.call_name(expr)
                if qualified is not None or dotted(expr.func) is None:
                    return False
                return not training_loops(self.facts).runs_without_grad(expr)
            else:
                return False
        return False

    def _updated_in_place(self, name: cst.Name, at: cst.CSTNode) -> bool:
        scope = self.facts.scope_of(at)
        return any(
            isinstance(node.target, cst.Name) and node.target.value == name.value
            and self.facts.scope_of(node) is scope
            for node in self.facts.nodes_of(cst.AugAssign)  # kept per file: this is asked per name
        )

    @staticmethod
    def _all_cut(cuts: list[Cut | None]) -> Cut | None:
        return cuts[0] if cuts and all(cut is not None for cut in cuts) else None


def _literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, (cst.List, cst.Tuple)):
        return all(_literal(element.value) for element in expr.elements)
    if isinstance(expr, cst.UnaryOperation):
        return _literal(expr.expression)
    return isinstance(expr, (cst.Integer, cst.Float))


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def _elementwise(qualified: str) -> bool:
    return qualified.startswith("torch.nn.functional.") or qualified in {
        "torch.sigmoid", "torch.softmax", "torch.log_softmax", "torch.exp", "torch.log", "torch.mean", "torch.sum",
    }
