"""Reading call arguments and literal values the way Python binds them."""

from __future__ import annotations

import libcst as cst


def argument(call: cst.Call, position: int | None, keyword: str) -> cst.BaseExpression | None:
    """The expression bound to a parameter given by position or by keyword."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if position is None:
        return None
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if position < len(positional):
        return positional[position].value
    return None


def positional_args(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def method_receiver(call: cst.Call, names: frozenset[str] | set[str]) -> cst.BaseExpression | None:
    """For `x.name(...)` with name in `names`, the receiver `x`."""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in names:
        return call.func.value
    return None


def number(expr: cst.BaseExpression | None) -> float | None:
    """The value of a numeric literal (`30`, `0.1`, `1e-1`, `-2`), else None."""
    if expr is None:
        return None
    sign = 1
    while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        if isinstance(expr.operator, cst.Minus):
            sign = -sign
        expr = expr.expression
    if isinstance(expr, cst.Integer):
        return sign * int(expr.evaluated_value)
    if isinstance(expr, cst.Float):
        return sign * float(expr.evaluated_value)
    return None


def string(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def same_code(module: cst.Module, a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """Whether two expressions are spelled the same, ignoring whitespace and comments."""
    return _normal(module, a) == _normal(module, b)


def _normal(module: cst.Module, node: cst.CSTNode) -> str:
    return "".join(module.code_for_node(node).split())


_MOVES = ("to", "cuda", "cpu")  # `Net().to(device)` is still a `Net`


def unmoved(call: cst.Call) -> cst.Call:
    """`Net().to(device)` -> `Net()`: the call a chain of device moves starts from."""
    func = call.func
    while isinstance(func, cst.Attribute) and func.attr.value in _MOVES and isinstance(func.value, cst.Call):
        call, func = func.value, func.value.func
    return call
