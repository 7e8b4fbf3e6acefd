"""Reshape algebra: each size passed to `view`/`reshape` as a product of the source tensor's own dims.

`B, L, H, D = x.shape` names the dims of `x`; `x.size(2)`, `x.shape[2]`, `n = x.shape[2] * x.shape[3]`
and `int(...)` of those are products of them; `1` is the empty product and `-1` stands for the dims no
other argument names. A size that is anything else (a split `c // g`, a constant, another tensor's dim)
makes the whole reshape unknown: rules that need proof stay silent there.

Sizes read before `x` was reassigned still describe the new `x` only when the new value provably keeps its
shape: a residual `x = self.conv(x) + x`, an element-wise layer or function of `x`, a dtype/device move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from nnlint.facts.calls import argument, number, positional_args, same_code
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.modules import ELEMENTWISE_LAYERS, latest_value, layer_class

REST = -1  # the size `-1`: whatever dims are left
_DEPTH = 6
# Methods and functions whose result has exactly their input's shape.
_SHAPE_KEEPING_METHODS = frozenset(
    {
        "contiguous", "float", "double", "half", "bfloat16", "to", "cpu", "cuda", "type_as", "clone", "detach",
        "relu", "sigmoid", "tanh", "exp", "abs", "neg", "clamp", "clip", "masked_fill", "softmax", "log_softmax",
    }
)
_SHAPE_KEEPING_FUNCTIONS = frozenset(
    {f"torch.nn.functional.{name}" for name in (
        "relu", "relu6", "gelu", "silu", "elu", "leaky_relu", "mish", "hardswish", "tanh", "sigmoid", "dropout",
        "softmax", "log_softmax", "layer_norm", "group_norm", "batch_norm", "instance_norm",
    )}
    | {"torch.relu", "torch.sigmoid", "torch.tanh", "torch.exp", "torch.abs", "torch.clamp", "torch.dropout"}
)
_SHAPE_KEEPING_LAYERS = ELEMENTWISE_LAYERS - {
    name for name in ELEMENTWISE_LAYERS if "Pool" in name or "Pad" in name
} | {"Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "LayerNorm", "RMSNorm"}


@dataclass
class Reshape:
    """A reshape's sizes in terms of the source's dims: `factors[i]` is the dims argument i multiplies."""

    factors: list[tuple[int, ...] | None]  # None for -1
    rank: int | None  # the source's rank when an unpacking of its shape says it
    names: dict[int, str] = field(default_factory=dict)  # dim -> the name it was unpacked into

    def order(self) -> list[int | None] | None:
        """The source dims in the order the reshape reads them (None: dims past the known ones), or None
        when the sizes do not cover the source exactly (a partial or over-full reshape is no reorder)."""
        named = [dim for factor in self.factors if factor is not None for dim in factor]
        rests = sum(factor is None for factor in self.factors)
        if len(set(named)) != len(named) or rests > 1 or not named:
            return None
        top = self.rank if self.rank is not None else max(named) + 1
        if any(dim >= top for dim in named):
            return None
        missing = sorted(set(range(top)) - set(named))
        if rests == 0:
            if missing:
                return None
            rest: list[int | None] = []
        else:
            rest = list(missing) if missing or self.rank is not None else [None]
        found: list[int | None] = []
        for factor in self.factors:
            found.extend(rest if factor is None else sorted(factor))
        return found

    def is_permutation(self) -> bool:
        """Every size is one whole dim: the reshape only lists dims, it merges or splits none."""
        return all(factor is None or len(factor) == 1 for factor in self.factors) and (
            self.order() is not None and None not in self.order() and len(self.order()) == len(self.factors)
        )

    def label(self, dim: int) -> str:
        return self.names.get(dim, f"d{dim}")


def reshape_of(facts: Facts, tensor: cst.BaseExpression, sizes: list[cst.BaseExpression], at: cst.CSTNode):
    """The sizes of `tensor.view(*sizes)` at `at` as products of `tensor`'s dims, or None if any is unknown."""
    reader = _Reader(facts, tensor, at)
    factors = []
    for size in sizes:
        if number(size) == -1:
            factors.append(None)
            continue
        dims = reader.dims(size, at, 0)
        if dims is None:
            return None
        factors.append(dims)
    if reader.rank is None and any(d < 0 for f in factors if f for d in f):
        return None
    if reader.rank is not None:
        factors = [None if f is None else tuple(d + reader.rank if d < 0 else d for d in f) for f in factors]
        if any(d < 0 for f in factors if f for d in f):
            return None
    if reader.ranks_disagree:
        return None
    return Reshape(factors, reader.rank, reader.names)


class _Reader:
    def __init__(self, facts: Facts, tensor: cst.BaseExpression, at: cst.CSTNode) -> None:
        self.facts = facts
        self.tensor = tensor
        self.at = at
        self.rank: int | None = None
        self.ranks_disagree = False
        self.names: dict[int, str] = {}
        self.built = _constructor_sizes(facts, tensor, at)  # `heads = torch.zeros(n, b, l, d)`: the sizes
        if self.built is not None:
            self._rank(len(self.built))
            self.names.update(enumerate(self.built))

    def dims(self, expr: cst.BaseExpression, at: cst.CSTNode, depth: int) -> tuple[int, ...] | None:
        if depth > _DEPTH:
            return None
        if number(expr) == 1:
            return ()
        read = self._size_read(expr)
        if read is not None:
            return (read,)
        if self.built is not None:
            code = _normal(self.facts.module, expr)
            if self.built.count(code) == 1:
                return (self.built.index(code),)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            left, right = self.dims(expr.left, at, depth + 1), self.dims(expr.right, at, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, cst.Call) and dotted(expr.func) == "int" and len(expr.args) == 1:
            return self.dims(expr.args[0].value, at, depth + 1)
        if isinstance(expr, cst.Name):
            return self._name(expr, at, depth)
        return None

    def _name(self, expr: cst.Name, at: cst.CSTNode, depth: int) -> tuple[int, ...] | None:
        found: set[tuple[int, ...] | None] = set()
        for binding in self.facts.bindings(expr.value, at):
            if self.facts.order(binding.statement) > self.facts.order(at):
                continue
            if self.facts.scope_of(binding.statement) is not self.facts.scope_of(at):
                return None
            if reshaped_between(self.facts, self.tensor, binding.statement, self.at):
                return None
            if binding.index is None:
                dims = self.dims(binding.value, binding.statement, depth + 1)
                if dims is not None and len(dims) == 1:
                    self.names.setdefault(dims[0], expr.value)  # `b = x.shape[0]`
                found.add(dims)
            elif _is_whole_shape(self.facts.module, self.tensor, binding.value):
                rank = _unpacked_rank(binding.statement)
                if rank is None:
                    return None
                self._rank(rank)
                for index, element in enumerate(binding.statement.targets[0].target.elements):
                    if isinstance(element.value, cst.Name) and element.value.value != "_":
                        self.names.setdefault(index, element.value.value)
                found.add((binding.index,))
            else:
                return None
        return found.pop() if len(found) == 1 else None

    def _rank(self, rank: int) -> None:
        if self.rank is not None and self.rank != rank:
            self.ranks_disagree = True
        self.rank = rank

    def _size_read(self, expr: cst.BaseExpression) -> int | None:
        """`t.size(k)`, `t.shape[k]`, `t.size()[k]` -> k."""
        module = self.facts.module
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "size":
            args = positional_args(expr)
            index = number(args[0]) if len(args) == 1 else number(argument(expr, None, "dim"))
            if same_code(module, expr.func.value, self.tensor) and isinstance(index, int):
                return index
            return None
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            element = expr.slice[0].slice
            if isinstance(element, cst.Index) and _is_whole_shape(module, self.tensor, expr.value):
                index = number(element.value)
                if isinstance(index, int):
                    return index
        return None


_CONSTRUCTORS = frozenset(
    f"torch.{name}" for name in ("zeros", "ones", "empty", "randn", "rand", "full", "zeros_like", "empty_like")
) - {"torch.zeros_like", "torch.empty_like"}


def _constructor_sizes(facts: Facts, tensor: cst.BaseExpression, at: cst.CSTNode) -> list[str] | None:
    """The size expressions (as code) of `torch.zeros(a, b, c)` / `torch.empty((a, b, c))` that the local
    name `tensor` was last bound to, when nothing rebound it since (`heads[i] = ...` fills it in place)."""
    if not isinstance(tensor, cst.Name):
        return None
    value = latest_value(facts, tensor, at)
    if not isinstance(value, cst.Call) or facts.call_name(value) not in _CONSTRUCTORS:
        return None
    sizes = positional_args(value)
    if facts.call_name(value) == "torch.full":
        sizes = sizes[:1]
    if len(sizes) == 1 and isinstance(sizes[0], (cst.Tuple, cst.List)):
        sizes = [element.value for element in sizes[0].elements]
    if len(sizes) < 2 or any(isinstance(size, cst.StarredElement) for size in sizes):
        return None
    return [_normal(facts.module, size) for size in sizes]


def _normal(module: cst.Module, node: cst.CSTNode) -> str:
    return "".join(module.code_for_node(node).split())


def reshaped_between(facts: Facts, tensor: cst.BaseExpression, start: cst.CSTNode, end: cst.CSTNode) -> bool:
    """`tensor` was rebound between `start` and `end` to a value whose shape may differ.

    `x = x.permute(...)` makes sizes read before it describe another layout; `x = self.conv(x) + x` (a
    residual), `x = self.norm(x)` or `x = F.relu(x)` keep the shape, so sizes read before still hold.
    """
    name = dotted(tensor)
    if name is None:
        return False
    first, last = facts.order(start), facts.order(end)
    enclosing = set(facts.ancestors(end))  # `x = f(x.view(...))` assigns after the view
    for binding in facts.bindings(name, end):
        if first < facts.order(binding.statement) < last and binding.statement not in enclosing:
            if binding.index is not None or not keeps_shape(facts, binding.value, name, binding.statement):
                return True
    return False


def keeps_shape(facts: Facts, value: cst.BaseExpression, name: str, at: cst.CSTNode, depth: int = 0) -> bool:
    """Whether `value` provably has the shape that the tensor called `name` had before."""
    if depth > _DEPTH:
        return False
    if dotted(value) == name:
        return True
    if isinstance(value, cst.BinaryOperation) and isinstance(
        value.operator, (cst.Add, cst.Subtract, cst.Multiply)
    ):
        # a residual: one side is the tensor itself, the other computed from it with its shape kept
        sides = (value.left, value.right)
        return any(dotted(side) == name for side in sides) and all(
            keeps_shape(facts, side, name, at, depth + 1) or _from_tensor_layer(facts, side, name, at)
            for side in sides
        )
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    args = positional_args(value)
    if facts.call_name(value) in _SHAPE_KEEPING_FUNCTIONS:
        return bool(args) and keeps_shape(facts, args[0], name, at, depth + 1)
    if facts.call_name(value) is None and isinstance(func, cst.Attribute):
        if func.attr.value in _SHAPE_KEEPING_METHODS and not _is_self(func.value):
            return keeps_shape(facts, func.value, name, at, depth + 1)
    if layer_class(facts, func, at) in _SHAPE_KEEPING_LAYERS:
        return bool(args) and keeps_shape(facts, args[0], name, at, depth + 1)
    return False


def _from_tensor_layer(facts: Facts, expr: cst.BaseExpression, name: str, at: cst.CSTNode) -> bool:
    """`self.conv(x)`: a layer of the tensor itself, added to it (so it must have the same shape)."""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute) or not _is_self(expr.func.value):
        return False
    args = positional_args(expr)
    return len(args) == 1 and (dotted(args[0]) == name or _from_tensor_layer(facts, args[0], name, at))


def _is_self(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "self"


def _unpacked_rank(statement: cst.CSTNode) -> int | None:
    """`b, c, h, w = x.shape` -> 4; a starred target (`b, *rest = x.shape`) leaves the rank unknown."""
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return None
    target = statement.targets[0].target
    if not isinstance(target, (cst.Tuple, cst.List)):
        return None
    if any(isinstance(element, cst.StarredElement) for element in target.elements):
        return None
    return len(target.elements)


def _is_whole_shape(module: cst.Module, tensor: cst.BaseExpression, expr: cst.BaseExpression) -> bool:
    """`t.shape` or `t.size()`."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "shape":
        return same_code(module, expr.value, tensor)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "size":
        return not expr.args and same_code(module, expr.func.value, tensor)
    return False
