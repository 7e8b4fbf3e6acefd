"""NN101: a `view`/`reshape` that lists a tensor's own dims in another order is a transpose written wrong."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, has_star_args, method_receiver, positional_args
from nnlint.facts.shapes import reshape_of
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
        tensor, sizes = target
        reshape = reshape_of(self.facts, tensor, sizes, node)
        order = reshape.order() if reshape is not None else None
        if order is None or len(order) < 2 or _ascending(order):
            return
        labels = [self.context.code_for(size).strip() for size in sizes]
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else "reshape"
        if None in order:  # `x.view(x.size(0), -1, x.size(1))`: the dims `-1` stands for are not known
            listed = ", ".join("..." if dim is None else str(dim) for dim in order)
            message = (
                f"`{method}` reads the dims of `{self.context.code_for(tensor)}` in the order ({listed}); this "
                f"mixes data — move the dims into that order with `permute` (or `movedim`) before the `{method}`"
            )
            self.report(node, message)
            return
        permutation = ", ".join(str(dim) for dim in order)
        before = ", ".join(reshape.label(dim) for dim in range(len(order)))
        if reshape.is_permutation():
            if reshape.names:
                labels = [reshape.label(dim) for dim in order]
            message = (
                f"`{method}` reorders dims ({before}) -> ({', '.join(labels)}); this mixes data "
                f"— use `permute({permutation})`"
            )
            self.report(node, message, self._permute_fix(node, tensor, permutation))
            return
        reshape_sizes = ", ".join(labels)
        message = (
            f"`{method}` takes the dims ({before}) out of order, as ({permutation}); this mixes data "
            f"— use `permute({permutation}).reshape({reshape_sizes})`"
        )
        self.report(node, message, self._permute_fix(node, tensor, permutation, reshape_sizes))

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

    def _permute_fix(self, call: cst.Call, tensor: cst.BaseExpression, permutation: str, sizes: str | None = None):
        parent = self.facts.parent(call)
        then_view = (
            isinstance(parent, cst.Attribute) and parent.attr.value == "view" and parent.value is call
        )
        suffix = f".reshape({sizes})" if sizes is not None else ".contiguous()" if then_view else ""
        receiver = self.context.code_for(tensor)
        if not isinstance(tensor, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
            receiver = f"({receiver})"
        return self.replace(call, f"{receiver}.permute({permutation}){suffix}", f"Use `permute({permutation})`")



def _ascending(order: list[int | None]) -> bool:
    """Dims in their own order (None, the unknown trailing dims, sorts last): merges and splits only."""
    keys = [len(order) + 1_000 if dim is None else dim for dim in order]
    return keys == sorted(keys)
