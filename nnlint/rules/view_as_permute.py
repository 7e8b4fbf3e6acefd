"""NN101: a `view`/`reshape` that lists a tensor's own dims in another order is a transpose written wrong."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, has_star_args, method_receiver, number, positional_args, same_code
from nnlint.facts.imports import dotted
from nnlint.rules.base import Rule

_RESHAPES = frozenset({"view", "reshape"})


class ViewAsPermute(Rule):
    code = "NN101"
    name = "view-as-permute"
    summary = "`view`/`reshape` reorders a tensor's own dims: a transpose written as a reshape mixes data"
    triggers = ("view", "reshape")
    fix = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        target = self._reshape_target(node)
        if target is None:
            return
        tensor, dims = target
        labels = [self.context.code_for(dim).strip() for dim in dims]
        order = [self._dim_of(tensor, dim, node) for dim in dims]
        if None in order or len(dims) < 2 or len(set(order)) != len(order):
            return
        rank = self._known_rank(tensor, dims, node)
        if sorted(order) != list(range(rank if rank is not None else len(order))):
            return
        if order == sorted(order):
            return
        before = [labels[order.index(i)] for i in range(len(order))]
        permutation = ", ".join(str(i) for i in order)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else "reshape"
        message = (
            f"`{method}` reorders dims ({', '.join(before)}) -> ({', '.join(labels)}); this mixes data "
            f"— use `permute({permutation})`"
        )
        self.report(node, message, self._permute_fix(node, tensor, permutation))

    def _reshape_target(self, call: cst.Call):
        """(tensor, shape expressions) for `t.view(...)`, `t.reshape(...)` and `torch.reshape(t, shape)`."""
        if has_star_args(call):
            return None
        receiver = method_receiver(call, _RESHAPES)
        if receiver is not None and self.facts.qualified_name(call.func) != "torch.reshape":
            args = positional_args(call)
            if len(args) == 1 and isinstance(args[0], (cst.Tuple, cst.List)):
                return receiver, [element.value for element in args[0].elements]
            shape = argument(call, None, "shape") or argument(call, None, "size")
            if shape is not None and isinstance(shape, (cst.Tuple, cst.List)):
                return receiver, [element.value for element in shape.elements]
            return receiver, args
        if self.facts.call_name(call) == "torch.reshape":
            tensor = argument(call, 0, "input")
            shape = argument(call, 1, "shape")
            if tensor is not None and isinstance(shape, (cst.Tuple, cst.List)):
                return tensor, [element.value for element in shape.elements]
        return None

    def _dim_of(self, tensor: cst.BaseExpression, expr: cst.BaseExpression, at: cst.Call) -> int | None:
        """Which dim of `tensor` the size expression `expr` reads, if it reads one."""
        read = _size_read(self.context.module, tensor, expr)
        if read is not None:
            return read
        if not isinstance(expr, cst.Name):
            return None
        found: set[int | None] = set()
        for binding in self.facts.bindings(expr.value, at):
            if self.facts.order(binding.statement) > self.facts.order(at):
                continue
            if self._reassigned_between(tensor, binding.statement, at):
                return None
            if binding.index is None:
                found.add(_size_read(self.context.module, tensor, binding.value))
            elif _is_whole_shape(self.context.module, tensor, binding.value):
                found.add(binding.index)
            else:
                found.add(None)
        return found.pop() if len(found) == 1 else None

    def _known_rank(self, tensor, dims, at) -> int | None:
        """The tensor's rank when a `a, b, c = t.shape` unpacking tells it."""
        for dim in dims:
            if isinstance(dim, cst.Name):
                for binding in self.facts.bindings(dim.value, at):
                    if binding.index is not None and isinstance(binding.statement, cst.Assign):
                        target = binding.statement.targets[0].target
                        if isinstance(target, (cst.Tuple, cst.List)):
                            return len(target.elements)
        return None

    def _reassigned_between(self, tensor, statement, at) -> bool:
        """`x = x.permute(...)` between reading x's shape and reshaping x makes the reshape legitimate."""
        name = dotted(tensor)
        if name is None:
            return False
        start, end = self.facts.order(statement), self.facts.order(at)
        enclosing = set(self.facts.ancestors(at))  # `x = f(x.view(...))` assigns after the view
        return any(
            start < self.facts.order(b.statement) < end and b.statement not in enclosing
            for b in self.facts.bindings(name, at)
        )

    def _permute_fix(self, call: cst.Call, tensor: cst.BaseExpression, permutation: str):
        parent = self.facts.parent(call)
        then_view = (
            isinstance(parent, cst.Attribute) and parent.attr.value == "view" and parent.value is call
        )
        suffix = ".contiguous()" if then_view else ""
        receiver = self.context.code_for(tensor)
        if not isinstance(tensor, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
            receiver = f"({receiver})"
        return self.replace(call, f"{receiver}.permute({permutation}){suffix}", f"Use `permute({permutation})`")


def _size_read(module: cst.Module, tensor: cst.BaseExpression, expr: cst.BaseExpression) -> int | None:
    """`t.size(k)`, `t.shape[k]`, `t.size()[k]` -> k (non-negative literals only)."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "size":
        args = positional_args(expr)
        index = number(args[0]) if len(args) == 1 else number(argument(expr, None, "dim"))
        if same_code(module, expr.func.value, tensor) and isinstance(index, int) and index >= 0:
            return index
        return None
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        element = expr.slice[0].slice
        if isinstance(element, cst.Index) and _is_whole_shape(module, tensor, expr.value):
            index = number(element.value)
            if isinstance(index, int) and index >= 0:
                return index
    return None


def _is_whole_shape(module: cst.Module, tensor: cst.BaseExpression, expr: cst.BaseExpression) -> bool:
    """`t.shape` or `t.size()`."""
    if isinstance(expr, cst.Attribute) and expr.attr.value == "shape":
        return same_code(module, expr.value, tensor)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "size":
        return not expr.args and same_code(module, expr.func.value, tensor)
    return False
