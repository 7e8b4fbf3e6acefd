"""nn.Module structure: which classes are modules, their `forward`, their layers and `nn.Sequential` contents.

Layers are named by their short torch.nn class name (`Conv2d`, `BatchNorm2d`), whatever the import alias.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.collector import Binding, Facts
from nnlint.facts.imports import dotted
from nnlint.facts.memo import per_file
from nnlint.walk import syntax_children

_MODULE_BASES = frozenset(
    {
        "torch.nn.Module", "torch.nn.modules.module.Module", "pytorch_lightning.LightningModule",
        "lightning.LightningModule", "lightning.pytorch.LightningModule",
    }
)
_NN_PREFIX = "torch.nn."
_ORDERED_DICTS = frozenset({"collections.OrderedDict", "builtins.dict"})

CONVOLUTIONS = {
    f"{lazy}{kind}{n}d": n for lazy in ("", "Lazy") for kind in ("Conv", "ConvTranspose") for n in (1, 2, 3)
}
BATCH_NORMS = frozenset(
    {f"{lazy}BatchNorm{n}d" for lazy in ("", "Lazy") for n in (1, 2, 3)} | {"SyncBatchNorm"}
)
# Layers that act on each value (or each channel) in place of shape: activations, norms, pooling, padding.
ELEMENTWISE_LAYERS = frozenset(
    {
        "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Tanh",
        "Sigmoid", "Hardswish", "Hardsigmoid", "Hardtanh", "Softplus", "Identity", "GroupNorm", "LocalResponseNorm",
        "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "ZeroPad2d", "ReflectionPad2d", "ReplicationPad2d",
        *BATCH_NORMS,
        *(f"{kind}Pool{n}d" for kind in ("Max", "Avg", "AdaptiveMax", "AdaptiveAvg", "LP") for n in (1, 2, 3)),
    }
)


def nn_class(facts: Facts, call: cst.BaseExpression) -> str | None:
    """`nn.Conv2d(...)` / `torch.nn.modules.conv.Conv2d(...)` -> "Conv2d"; anything else -> None."""
    if not isinstance(call, cst.Call):
        return None
    name = facts.call_name(call)
    if name is None or not name.startswith(_NN_PREFIX):
        return None
    last = name.rsplit(".", 1)[-1]
    inner = name[len(_NN_PREFIX) : -len(last)]
    if inner not in ("", "modules.") and not inner.startswith("modules."):
        return None  # torch.nn.functional.relu, torch.nn.init.xavier_uniform_
    return last if last[:1].isupper() else None


_MODULE_CLASSES: weakref.WeakKeyDictionary[Facts, dict[str, cst.ClassDef]] = weakref.WeakKeyDictionary()


def module_classes(facts: Facts) -> dict[str, cst.ClassDef]:
    """Classes of this file that subclass nn.Module (or LightningModule), directly or through each other."""
    if facts not in _MODULE_CLASSES:
        _MODULE_CLASSES[facts] = _find_module_classes(facts)
    return _MODULE_CLASSES[facts]


def _find_module_classes(facts: Facts) -> dict[str, cst.ClassDef]:
    # a class defined inside a function is not reachable by name from elsewhere
    classes = [cls for cls in facts.nodes_of(cst.ClassDef) if facts.enclosing_function(cls) is None]
    found: dict[str, cst.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for cls in classes:
            if cls.name.value in found:
                continue
            for base in cls.bases:
                if facts.qualified_name(base.value) in _MODULE_BASES or dotted(base.value) in found:
                    found[cls.name.value] = cls
                    changed = True
                    break
    return found


def forward_of(cls: cst.ClassDef) -> cst.FunctionDef | None:
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "forward":
            return statement
    return None


def enclosing_forward(facts: Facts, node: cst.CSTNode) -> cst.FunctionDef | None:
    """The `forward` method of an nn.Module class that `node` is in (not a nested function's)."""
    function = facts.enclosing_function(node)
    if function is None or function.name.value != "forward":
        return None
    cls = facts.parent(facts.parent(function) or function)
    if not isinstance(cls, cst.ClassDef) or module_classes(facts).get(cls.name.value) is not cls:
        return None
    return function


@per_file  # asked about the same nodes by several rules (23,000 asks, 6,000 questions on torchvision/models)
def layer_constructor(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.Call | None:
    """The `nn.Layer(...)` call that `expr` is, or that the name / `self.attr` `expr` was always bound to."""
    if isinstance(expr, cst.Call):
        return expr if nn_class(facts, expr) is not None else _returned_layer(facts, expr)
    if is_parameter(facts, expr, at):
        default = parameter_default(facts, expr, at)  # `def f(x, loss=nn.CrossEntropyLoss())`
        return default if isinstance(default, cst.Call) and nn_class(facts, default) is not None else None
    bindings = facts.bindings(dotted(expr) or "", at)
    values = [
        parameter_default(facts, b.value, b.statement) if is_parameter(facts, b.value, b.statement) else b.value
        for b in bindings if b.index is None
    ]  # `self.loss = loss` in `__init__(self, loss=nn.CrossEntropyLoss())`
    if not values or len(values) != len(bindings) or None in values:
        return None  # unbound, or also bound by unpacking / in a loop target
    calls = [value for value in values if nn_class(facts, value) is not None]
    if len(calls) != len(values) or len({nn_class(facts, call) for call in calls}) != 1:
        return None
    return calls[-1]


def _returned_layer(facts: Facts, call: cst.Call) -> cst.Call | None:
    """`conv3x3(a, b)` where `def conv3x3(...): return nn.Conv2d(...)` is a module-level helper of this file."""
    if not isinstance(call.func, cst.Name):
        return None
    function = _module_functions(facts).get(call.func.value)
    if function is None:
        return None
    values = [node.value for node in returns_of(function)]
    if not values or any(nn_class(facts, value) is None for value in values):
        return None
    return values[-1] if len({nn_class(facts, value) for value in values}) == 1 else None


_FUNCTIONS: weakref.WeakKeyDictionary[Facts, dict[str, cst.FunctionDef]] = weakref.WeakKeyDictionary()


def _module_functions(facts: Facts) -> dict[str, cst.FunctionDef]:
    if facts not in _FUNCTIONS:
        functions = {}
        for statement in facts.module.body:
            if isinstance(statement, cst.FunctionDef):
                functions.setdefault(statement.name.value, statement)
        _FUNCTIONS[facts] = functions
    return _FUNCTIONS[facts]


def returns_of(function: cst.FunctionDef) -> list[cst.Return]:
    """The `return` statements of one function body, not of functions or lambdas inside it."""
    found: list[cst.Return] = []
    pending: list[cst.CSTNode] = [function.body]  # read directly: libcst's own visitor costs ~50x more
    while pending:
        node = pending.pop()
        kind = type(node)
        if kind is cst.Return:
            found.append(node)
        elif kind in _OWN_RETURNS:
            continue
        pending.extend(reversed(syntax_children(node)))  # popped in source order
    return found


_OWN_RETURNS = frozenset({cst.FunctionDef, cst.Lambda})  # nested scopes: their returns are their own


def parameter_default(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.BaseExpression | None:
    """The default value of the enclosing function's parameter that the name `expr` is, if it has one."""
    if not is_parameter(facts, expr, at):
        return None
    function = facts.enclosing_function(at)
    params = function.params
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        if param.name.value == expr.value:
            return param.default
    return None


def is_parameter(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """A name that is a parameter of the function enclosing `at` and is not reassigned in it."""
    if not isinstance(expr, cst.Name):
        return False
    function = facts.enclosing_function(at)
    if function is None:
        return False
    if any(facts.scope_of(b.statement) is function for b in facts.bindings(expr.value, function.body)):
        return False
    params = function.params
    return any(p.name.value == expr.value for p in [*params.posonly_params, *params.params, *params.kwonly_params])


_BN_ATTRIBUTE = re.compile(r"^(bn|batch_?norm)\d*$|_bn\d*$", re.I)
_NORM_PARAMETER = re.compile(r"norm", re.I)


def named_batch_norm(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """`self.bn1` built as `norm_layer(planes)` from a `norm_layer` parameter: the class is chosen by the
    caller, but an attribute named `bn` says it is a BatchNorm."""
    name = dotted(expr)
    if name is None or not name.startswith("self.") or not _BN_ATTRIBUTE.search(name.rsplit(".", 1)[-1]):
        return False
    bindings = facts.bindings(name, at)
    return bool(bindings) and all(
        b.index is None and isinstance(b.value, cst.Call) and isinstance(b.value.func, cst.Name)
        and _NORM_PARAMETER.search(b.value.func.value) is not None
        and is_parameter(facts, b.value.func, b.statement)
        for b in bindings
    )


def layer_class(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> str | None:
    constructor = layer_constructor(facts, expr, at)
    return nn_class(facts, constructor) if constructor is not None else None


@per_file  # five rules ask about every call of the file; callers only read the list
def sequential_layers(facts: Facts, call: cst.Call) -> list[cst.BaseExpression] | None:
    """The layers of `nn.Sequential(a, b, c)` or `nn.Sequential(OrderedDict([("a", a), ...]))`, in order."""
    if nn_class(facts, call) != "Sequential":
        return None
    if any(arg.star == "**" for arg in call.args):
        return None
    if len(call.args) == 1 and isinstance(call.args[0].value, cst.Call):
        inner = call.args[0].value
        if facts.call_name(inner) in _ORDERED_DICTS:
            return _ordered_dict_values(inner)
    layers: list[cst.BaseExpression] = []
    for arg in call.args:
        if arg.star == "*":
            built = arg.value if isinstance(arg.value, (cst.List, cst.Tuple)) else None
            elements = _literal_elements(built) if built is not None else built_list(facts, arg.value, call)
            if elements is None:
                return None  # built in a way we cannot follow: order unknown
            layers.extend(elements)
        else:
            layers.append(arg.value)
    return layers


def _literal_elements(expr: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    if not isinstance(expr, (cst.List, cst.Tuple)):
        return None
    if any(isinstance(element, cst.StarredElement) for element in expr.elements):
        return None
    return [element.value for element in expr.elements]


def built_list(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> list[cst.BaseExpression] | None:
    """The items of a local list built up before `at`, in the order they were added.

    `layers = [conv, bn]`, then `layers.append(x)`, `layers += [a, b]`, `layers.extend([a, b])` — in loops
    (a loop body counts once) and `if` bodies. Any other use of the list before `at` (passed to a function,
    indexed, built in exclusive `if`/`else` branches) leaves the order unknown: None.
    """
    if not isinstance(expr, cst.Name):
        return None
    name = expr.value
    scope = facts.scope_of(at)
    bindings = [b for b in facts.bindings(name, at) if facts.scope_of(b.statement) is scope]
    if len(bindings) != 1 or bindings[0].index is not None or facts.order(bindings[0].statement) > facts.order(at):
        return None
    items = _literal_elements(bindings[0].value)
    if items is None:
        return None
    start, end = facts.order(bindings[0].statement), facts.order(at)
    for node in _uses(facts, name, scope, start, end):
        if bindings[0].statement in facts.ancestors(node):
            continue  # the assignment's own target
        added = _added_items(facts, node)
        if added is None or _in_exclusive_branch(facts, node, scope):
            return None
        items.extend(added)
    return items


def _uses(facts: Facts, name: str, scope: cst.CSTNode, start: int, end: int) -> list[cst.CSTNode]:
    """Statements (and calls) between `start` and `end` that mention `name`, in source order."""
    found = []
    for node in facts.nodes_between(start, end):  # not the whole file's walk: asked once per built list
        if type(node) is cst.Name and node.value == name and facts.scope_of(node) is scope:
            parent = facts.parent(node)
            attribute = isinstance(parent, cst.Attribute) and parent.attr is node
            if attribute or isinstance(parent, cst.Arg) and parent.keyword is node:
                continue  # `self.layers`, `f(layers=...)`: another name
            found.append(node)
    return found


def _added_items(facts: Facts, use: cst.Name) -> list[cst.BaseExpression] | None:
    """What `layers.append(x)` / `layers += [...]` / `layers.extend([...])` adds; None for any other use."""
    parent = facts.parent(use)
    if isinstance(parent, cst.Attribute) and parent.value is use:
        call = facts.parent(parent)
        if isinstance(call, cst.Call) and call.func is parent and len(call.args) == 1 and not call.args[0].star:
            if parent.attr.value == "append":
                return [call.args[0].value]
            if parent.attr.value == "extend":
                return _literal_elements(call.args[0].value)
        return None
    if isinstance(parent, cst.AugAssign) and parent.target is use and isinstance(parent.operator, cst.AddAssign):
        return _literal_elements(parent.value)
    return None


def _in_exclusive_branch(facts: Facts, node: cst.CSTNode, scope: cst.CSTNode) -> bool:
    """Inside an `else`/`elif` branch or an `except` handler: its items replace others rather than follow them."""
    for ancestor in facts.ancestors(node):
        if ancestor is scope:
            return False
        if isinstance(ancestor, (cst.Else, cst.ExceptHandler)):
            return True
        if isinstance(ancestor, cst.If) and ancestor.orelse is not None:
            return True  # an `if` body with an `else`: one of two
    return False


def _ordered_dict_values(call: cst.Call) -> list[cst.BaseExpression] | None:
    if len(call.args) != 1 or not isinstance(call.args[0].value, (cst.List, cst.Tuple)):
        return None
    values = []
    for element in call.args[0].value.elements:
        pair = element.value
        if not isinstance(pair, cst.Tuple) or len(pair.elements) != 2:
            return None
        values.append(pair.elements[1].value)
    return values


def has_bias(call: cst.Call) -> bool:
    """A Conv/Linear constructor whose `bias` is left at its default (True) or set to True."""
    bias = argument(call, None, "bias")
    if bias is None:
        return not any(arg.star == "**" for arg in call.args)  # `**kwargs` may hold bias=False
    return isinstance(bias, cst.Name) and bias.value == "True"


def latest_value(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.BaseExpression | None:
    """What a local name holds at `at`: the right-hand side of its nearest assignment above `at`.

    None for names with no such plain assignment (parameters, loop targets, tuple unpacking) and for
    `self.attr` (assigned in another method; use `facts.assigned_values`).
    """
    nearest = latest_binding(facts, expr, at)
    return nearest.value if nearest is not None and nearest.index is None else None


def latest_binding(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> Binding | None:
    """The nearest assignment to a local name above `at` in its scope (tuple unpackings included)."""
    if not isinstance(expr, cst.Name):
        return None
    enclosing = set(facts.ancestors(at))
    position = facts.order(at)
    before = [
        b for b in facts.bindings(expr.value, at)
        if facts.order(b.statement) < position and b.statement not in enclosing
        and facts.scope_of(b.statement) is facts.scope_of(at)
    ]
    if not before:
        return None
    return max(before, key=lambda b: facts.order(b.statement))


def producer_layer(
    facts: Facts,
    expr: cst.BaseExpression,
    at: cst.CSTNode,
    through: Callable[[cst.Call], cst.BaseExpression | None],
) -> cst.Call | None:
    """The call in `forward` whose output `expr` is.

    Follows local names to their nearest assignment, and looks through calls for which `through(call)`
    gives their input (activations, pooling) to the call before them.
    """
    for _ in range(12):
        if isinstance(expr, cst.Name):
            value = latest_value(facts, expr, at)
            if value is None:
                return None
            expr = at = value  # names inside the assigned value are read where it was assigned
            continue
        if not isinstance(expr, cst.Call):
            return None
        inner = through(expr)
        if inner is None:
            return expr
        expr = inner
    return None


# batch-first data flow in forward ------------------------------------------------------------------------
# Layers that take (seq, batch, ...) unless built with batch_first=True.
_SEQUENCE_FIRST = frozenset(
    {
        "RNN", "LSTM", "GRU", "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
        "TransformerEncoderLayer", "TransformerDecoderLayer",
    }
)
_ELEMENTWISE_TORCH = frozenset(
    f"torch.{name}" for name in ("relu", "sigmoid", "tanh", "exp", "log", "abs", "sqrt", "clamp", "clip", "square")
)
_ELEMENTWISE_METHODS = frozenset(
    {
        "relu", "sigmoid", "tanh", "exp", "log", "abs", "sqrt", "pow", "clamp", "clip", "float", "double", "half",
        "contiguous", "to", "type_as", "square", "softmax", "log_softmax",
    }
)
# Where the dim goes: (position in a method call, position in a torch.* / F.* call).
_REDUCTIONS = {
    **{name: (0, 1) for name in (
        "softmax", "log_softmax", "softmin", "sum", "mean", "max", "min", "cumsum", "cumprod", "prod", "logsumexp",
        "argmax", "argmin", "std", "var", "amax", "amin",
    )},
    "norm": (1, 2), "normalize": (None, 2), "vector_norm": (None, 2),
}
_TORCH_PREFIXES = ("torch.", "torch.nn.functional.", "torch.linalg.")
SOFTMAX_LAYERS = frozenset({"Softmax", "LogSoftmax", "Softmin"})
_DIM_KEEPING = frozenset({"flatten", "unsqueeze", "squeeze", "sum", "mean", "amax", "amin", "norm"})


def batch_first_input(facts: Facts, forward: cst.FunctionDef) -> str | None:
    """The name of `forward`'s first input after `self`."""
    params = forward.params.params
    return params[1].name.value if len(params) >= 2 and params[0].name.value == "self" else None


def keeps_batch_first(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> bool:
    """Whether `expr` is provably `forward`'s input with its batch dim still first.

    Followed through layers (except sequence-first RNNs/attention), functional ops, element-wise methods,
    per-sample reshapes (`x.view(x.size(0), -1)`), `x[:, ...]` and arithmetic; anything else (transposes,
    `torch.stack`, indexing the batch) ends the proof.
    """
    forward = facts.enclosing_function(at)
    if depth > 12 or forward is None:
        return False
    if isinstance(expr, cst.Name):
        value = latest_value(facts, expr, at)
        if value is None:  # the parameter itself, unless an unpacking or loop rebound it
            enclosing = set(facts.ancestors(at))
            rebound = any(
                facts.order(b.statement) < facts.order(at) and b.statement not in enclosing
                for b in facts.bindings(expr.value, at)
            )
            return expr.value == batch_first_input(facts, forward) and not rebound
        return keeps_batch_first(facts, value, value, depth + 1)
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.MatrixMultiply):
            # `x @ self.weight` projects each sample; `q @ k.T` is a (batch, batch) similarity matrix
            weight = (dotted(expr.right) or "").removesuffix(".T")
            return weight.startswith("self.") and keeps_batch_first(facts, expr.left, at, depth + 1)
        return any(keeps_batch_first(facts, side, at, depth + 1) for side in (expr.left, expr.right))
    if isinstance(expr, cst.Subscript):
        first = expr.slice[0].slice if expr.slice else None
        full = isinstance(first, cst.Slice) and first.lower is None and first.upper is None and first.step is None
        return full and keeps_batch_first(facts, expr.value, at, depth + 1)
    if not isinstance(expr, cst.Call) or not expr.args:
        return False
    inner = _batch_first_operand(facts, expr, at)
    return inner is not None and keeps_batch_first(facts, inner, at, depth + 1)


def _batch_first_operand(facts: Facts, call: cst.Call, at: cst.CSTNode) -> cst.BaseExpression | None:
    """The operand whose batch dim `call` keeps first, if it keeps it."""
    qualified = facts.call_name(call)
    first = call.args[0].value if call.args[0].keyword is None and not call.args[0].star else None
    func = call.func
    if qualified is not None:
        if qualified.startswith("torch.nn.functional.") or qualified in _ELEMENTWISE_TORCH:
            return first
        return None
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return first if _keeps_layout(facts, func, at) else None
    if not isinstance(func, cst.Attribute):
        return None
    method, receiver, args = func.attr.value, func.value, call.args
    if method in _ELEMENTWISE_METHODS:
        return receiver
    dims = [number(arg.value) for arg in args if arg.keyword is None or arg.keyword.value in ("dim", "start_dim")]
    if method in _DIM_KEEPING and dims and isinstance(dims[0], int) and dims[0] != 0:
        return receiver
    if method == "permute" and dims and dims[0] == 0 or method == "transpose" and 0 not in dims and len(dims) == 2:
        return receiver
    if method in ("view", "reshape") and _is_batch_size(facts, args[0].value, at):
        return receiver
    return None


def _keeps_layout(facts: Facts, func: cst.Attribute, at: cst.CSTNode) -> bool:
    """`self.layer` is a layer that maps (batch, ...) to (batch, ...)."""
    constructor = layer_constructor(facts, func, at)
    if constructor is None:
        values = facts.assigned_values(func, at)
        classes = module_classes(facts)
        return bool(values) and all(isinstance(v, cst.Call) and dotted(v.func) in classes for v in values)
    name = nn_class(facts, constructor) or ""
    if name.endswith("Loss") or name == "Flatten" and number(argument(constructor, 0, "start_dim")) == 0:
        return False
    if name in _SEQUENCE_FIRST:
        batch_first = argument(constructor, None, "batch_first")
        return isinstance(batch_first, cst.Name) and batch_first.value == "True"
    return True


def _is_batch_size(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """`x.size(0)`, `x.shape[0]`, or a name bound to one (`b, c, h, w = x.shape`)."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "size":
        return len(expr.args) == 1 and number(expr.args[0].value) == 0
    if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute) and expr.value.attr.value == "shape":
        element = expr.slice[0].slice
        return isinstance(element, cst.Index) and number(element.value) == 0
    if isinstance(expr, cst.Name):
        for binding in facts.bindings(expr.value, at):
            if binding.index is None:
                return _is_batch_size(facts, binding.value, at)
            shape = binding.value
            size_call = isinstance(shape, cst.Call) and isinstance(shape.func, cst.Attribute)
            whole = isinstance(shape, cst.Attribute) and shape.attr.value == "shape" or (
                size_call and shape.func.attr.value == "size"
            )
            return binding.index == 0 and whole
    return False


def reduced_over_dim_zero(facts: Facts, call: cst.Call) -> cst.BaseExpression | None:
    """The tensor that `x.sum(0)`, `torch.mean(x, dim=0)`, `self.softmax(x)` with `nn.Softmax(dim=0)`... reduces."""
    func = call.func
    qualified = facts.call_name(call)
    if qualified is not None:
        prefix, _, name = qualified.rpartition(".")
        if f"{prefix}." not in _TORCH_PREFIXES or name not in _REDUCTIONS:
            return None
        dim = argument(call, _REDUCTIONS[name][1], "dim")
        return argument(call, 0, "input") if isinstance(dim, cst.Integer) and number(dim) == 0 else None
    if layer_class(facts, func, call) in SOFTMAX_LAYERS:  # self.softmax(x) with nn.Softmax(dim=0)
        constructor = layer_constructor(facts, func, call)
        return argument(call, 0, "input") if number(argument(constructor, 0, "dim")) == 0 else None
    if isinstance(func, cst.Attribute) and func.attr.value in _REDUCTIONS:
        dim = argument(call, _REDUCTIONS[func.attr.value][0], "dim")
        return func.value if isinstance(dim, cst.Integer) and number(dim) == 0 else None
    return None
