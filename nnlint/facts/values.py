"""What produced a tensor: a softmax, log_softmax, sigmoid or ReLU, or a layer's raw output (logits).

Followed through local variables, shape-only methods (`view`, `squeeze`, ...), layer modules
(`self.act = nn.Softmax(1)`), models whose definition is in the file (`nn.Sequential(..., nn.Softmax(1))`,
a class whose `forward` returns `F.log_softmax(...)`) and `self(x)` in a LightningModule. Anything not
known for certain has no origin: rules that need proof stay silent there.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.branches import reaching
from nnlint.facts.calls import argument, positional_args
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.losses import is_criterion_name
from nnlint.facts.loops import training_loops
from nnlint.facts.memo import per_file
from nnlint.facts.modules import (
    forward_of, is_parameter, latest_binding, latest_value, layer_class, layer_constructor, module_classes, nn_class,
    returns_of, sequential_layers,
)

_FUNCTIONS = {
    "torch.softmax": "softmax", "torch.nn.functional.softmax": "softmax", "torch.special.softmax": "softmax",
    "torch.log_softmax": "log_softmax", "torch.nn.functional.log_softmax": "log_softmax",
    "torch.special.log_softmax": "log_softmax",
    "torch.sigmoid": "sigmoid", "torch.nn.functional.sigmoid": "sigmoid", "torch.special.expit": "sigmoid",
    "torch.relu": "relu", "torch.nn.functional.relu": "relu", "torch.nn.functional.relu6": "relu",
}
_METHODS = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid", "relu": "relu"}
_LAYERS = {
    "Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid", "ReLU": "relu", "ReLU6": "relu",
    **{name: "logits" for name in (
        "Linear", "LazyLinear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
    )},
}
# Layers at the end of a Sequential that keep the values of the layer before them.
_TRANSPARENT_LAYERS = frozenset({"Flatten", "Unflatten", "Dropout", "Identity"})
# Methods that reshape or cast a tensor without changing which values it holds.
_SHAPE_METHODS = frozenset(
    {
        "view", "reshape", "flatten", "squeeze", "unsqueeze", "contiguous", "float", "double", "half", "to",
        "permute", "transpose", "cpu", "cuda", "type_as", "view_as", "reshape_as",
    }
)
_LOGS = frozenset({"torch.log"})
_EXPS = frozenset({"torch.exp", "torch.special.exp"})
_SHAPE_FUNCTIONS = frozenset(
    {"torch.flatten", "torch.squeeze", "torch.unsqueeze", "torch.reshape", "torch.permute", "torch.transpose"}
)
_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval"})
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Origin:
    kind: str  # softmax | log_softmax | sigmoid | relu | logits
    node: cst.CSTNode  # what applied it: the activation call, or the layer constructor of a model
    inline: bool  # written inside the expression itself, not reached through a variable or a model
    elsewhere: object = None  # a project `Where` when the activation is in another function or file


def origin(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> Origin | None:
    """What produced the tensor `expr` evaluates to at `at`, when that is known for certain."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(expr, cst.Name):
        return _through(_name_origin(facts, expr, at, depth))
    if not isinstance(expr, cst.Call):
        return None
    qualified = facts.call_name(expr)
    if qualified in _FUNCTIONS:
        return Origin(_FUNCTIONS[qualified], expr, True)
    func = expr.func
    if qualified is None and isinstance(func, cst.Attribute) and not _is_module_attribute(func):
        method = func.attr.value
        if method in _METHODS:
            return Origin(_METHODS[method], expr, True)
        if method in _SHAPE_METHODS:
            return origin(facts, func.value, at, depth + 1)
        if method == "log":
            return _log_of(origin(facts, func.value, at, depth + 1))
        if method == "exp":
            return _exp_of(expr, origin(facts, func.value, at, depth + 1))
        return None
    args = positional_args(expr)
    if qualified in _LOGS:
        return _log_of(origin(facts, args[0], at, depth + 1)) if args else None
    if qualified in _EXPS:
        return _exp_of(expr, origin(facts, args[0], at, depth + 1)) if args else None
    if qualified in _SHAPE_FUNCTIONS:  # torch.flatten(torch.sigmoid(z)), torch.squeeze(probs, 1)
        return origin(facts, args[0], at, depth + 1) if args else None
    return _module_output(facts, expr, at, depth)


def possible_origins(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> list[Origin]:
    """The origins `expr` may have at `at`: one per arm of an `if`/`else` that assigns the name it reads
    (`if transformer: output = model(x)` / `else: output, h = model(x, h)`), through shape methods.

    For rules where any one arm is a bug (log-probabilities into cross-entropy when the flag picks the
    Transformer); `origin` keeps to the nearest assignment.
    """
    name = expr
    while isinstance(name, cst.Call) and isinstance(name.func, cst.Attribute):
        if name.func.attr.value not in _SHAPE_METHODS or facts.call_name(name) or _is_module_attribute(name.func):
            break
        name = name.func.value
    arms = reaching(facts, name, at) if isinstance(name, cst.Name) else []
    if len(arms) == 1 and arms[0].index is None and depth < 3:  # `flat = output.view(-1, n)`: go on
        found = possible_origins(facts, arms[0].value, arms[0].value, depth + 1)
        return [_through(o) for o in found]
    if len(arms) < 2:
        found = origin(facts, expr, at)
        return [found] if found is not None else []
    found = []
    for binding in arms:
        if binding.index is None:
            one = origin(facts, binding.value, binding.value, 1)
        elif isinstance(binding.value, cst.Call):
            one = _tuple_element_output(facts, binding.value, binding.index, 1)
        else:
            one = None
        if one is not None:
            found.append(_through(one))
    return found


def origin_among(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode, kinds) -> Origin | None:
    """The origin of `expr` if its kind is one of `kinds`, else the first arm of an `if`/`else` reaching it
    whose origin is (a flag picks the model: any arm that feeds the loss wrongly is a bug); None otherwise."""
    found = origin(facts, expr, at)
    if found is None or found.kind not in kinds:
        found = next((o for o in possible_origins(facts, expr, at) if o.kind in kinds), None)
    return found


def _name_origin(facts: Facts, name: cst.Name, at: cst.CSTNode, depth: int) -> Origin | None:
    """A local name: its nearest assignment, an element of a model's returned tuple
    (`validity, label = discriminator(x)`), or, for a parameter, what every caller in this file passes."""
    binding = latest_binding(facts, name, at)
    if binding is not None:
        if binding.index is None:
            return origin(facts, binding.value, binding.value, depth + 1)
        if isinstance(binding.value, cst.Call):
            return _tuple_element_output(facts, binding.value, binding.index, depth)
        return None
    if any(facts.order(b.statement) < facts.order(at) for b in facts.bindings(name.value, at)):
        return None  # bound some other way before (`with ... as`)
    loop = _loop_over(facts, name, at)
    if loop is not None:  # `for out in outputs:` — each row of a softmax is softmax output
        return origin(facts, loop.iter, loop, depth + 1)
    return _passed_in(facts, name, at, depth)


def _loop_over(facts: Facts, name: cst.Name, at: cst.CSTNode) -> cst.For | None:
    """The enclosing `for name in tensor:` loop (a plain name target) in the same function."""
    for ancestor in facts.ancestors(at):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.For) and isinstance(ancestor.target, cst.Name):
            if ancestor.target.value == name.value:
                return ancestor
    return None


def _passed_in(facts: Facts, name: cst.Name, at: cst.CSTNode, depth: int) -> Origin | None:
    """A parameter of the enclosing function: the origin every call in this file agrees on (a loss helper
    `def bce(pred, y): return F.binary_cross_entropy_with_logits(pred, y)` called with `torch.sigmoid(out)`)."""
    function = facts.enclosing_function(at)
    if function is None or depth > _MAX_DEPTH - 2:
        return None
    params = function.params
    positional = [*params.posonly_params, *params.params]
    names = [param.name.value for param in positional]
    if name.value not in names or params.star_arg is not None and isinstance(params.star_arg, cst.Param):
        return None
    index = names.index(name.value)
    calls = training_loops(facts).calls_to(function)
    if index > 0 and names[0] == "self" and calls and all(isinstance(c.func, cst.Attribute) for c in calls):
        index -= 1  # `self.loss(pred, y)` binds `pred` to the first argument after `self`
    found = []
    for call in calls:
        passed = argument(call, index, name.value) if not any(arg.star for arg in call.args) else None
        if passed is None:
            return None
        found.append(origin(facts, passed, call, depth + 2))
    if not found or None in found or len({o.kind for o in found}) != 1:
        return None
    return found[0]


def _tuple_element_output(facts: Facts, call: cst.Call, index: int, depth: int) -> Origin | None:
    """Element `index` of what a model of this file returns as a tuple: `return validity, F.softmax(c, 1)`."""
    if _module_output(facts, call, call, depth) is not None:
        return None  # a single tensor; unpacking splits it along dim 0
    model = _model_class(facts, call.func, call) if not _is_self_call(call) else facts.enclosing_class(call)
    forward = forward_of(model) if model is not None else None
    elements = _tuple_elements(forward, index) if forward is not None else None
    if elements is None:
        return _project_element_output(facts, call.func, index, call) if model is None else None
    found = [origin(facts, element, node, depth + 1) for element, node in elements]
    if None in found or len({o.kind for o in found}) != 1:
        return None
    return _through(found[-1])


def forward_elements_output(facts: Facts, cls: cst.ClassDef) -> list[Origin | None]:
    """What each element of the tuple a module class's `forward` returns is (`return F.log_softmax(x, 1),
    hidden` -> [log_softmax, None]); empty unless every `return` is a tuple of the same length."""
    forward = forward_of(cls)
    returns = returns_of(forward) if forward is not None else []
    sizes = {len(r.value.elements) if isinstance(r.value, cst.Tuple) else -1 for r in returns}
    if len(sizes) != 1 or min(sizes) < 2:
        return []
    found = []
    for index in range(sizes.pop()):
        elements = _tuple_elements(forward, index)
        origins = [origin(facts, e, node, 1) for e, node in elements] if elements else [None]
        agreed = None not in origins and len({o.kind for o in origins}) == 1
        found.append(origins[-1] if agreed else None)
    return found


def unpacked_from(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[cst.Call, int] | None:
    """`data, targets = get_batch(source, i)`: for `targets`, (the call, 1)."""
    binding = latest_binding(facts, expr, at)
    if binding is None or binding.index is None or not isinstance(binding.value, cst.Call):
        return None
    return binding.value, binding.index


def returned_elements(facts: Facts, call: cst.Call, index: int) -> list[tuple[cst.BaseExpression, cst.Return]] | None:
    """Element `index` of every tuple returned by the function, method or model of this file that `call`
    calls, with the `return` it is read at; None unless every `return` is a tuple that long."""
    function = training_loops(facts).resolve(call)
    if function is None:
        model = facts.enclosing_class(call) if _is_self_call(call) else _model_class(facts, call.func, call)
        function = forward_of(model) if model is not None else None
    return _tuple_elements(function, index) if function is not None else None


def _tuple_elements(function: cst.FunctionDef, index: int) -> list[tuple[cst.BaseExpression, cst.Return]] | None:
    """Element `index` of every tuple `function` returns, with its `return`; None unless every `return` is
    a tuple that long (a starred element counts as unknown)."""
    returns = returns_of(function)
    found = []
    for node in returns:
        if not isinstance(node.value, cst.Tuple) or index >= len(node.value.elements):
            return None
        element = node.value.elements[index]
        if isinstance(element, cst.StarredElement):
            return None
        found.append((element.value, node))
    return found or None


def paired_sources(
    facts: Facts, first: cst.BaseExpression, second: cst.BaseExpression, at: cst.CSTNode
) -> list[tuple[cst.BaseExpression, cst.BaseExpression, cst.CSTNode]] | None:
    """Where two names that were unpacked together come from, element by element, as (first, second, where).

    `X, Y = get_batch(...)` or `for k, (X, Y) in enumerate(batches):` over a local generator that yields
    `get_batch(...)`: each `return data[:, :-1], data[:, 1:]` gives one pair. None when not followed.
    """
    together = _unpacked_together(facts, first, second, at)
    if together is None:
        return None
    source, i, j = together
    found = []
    for value, where in _produced(facts, source, 0):
        if not isinstance(value, cst.Tuple) or max(i, j) >= len(value.elements):
            return None
        elements = value.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        found.append((elements[i].value, elements[j].value, where))
    return found or None


def _unpacked_together(facts: Facts, first, second, at) -> tuple[cst.BaseExpression, int, int] | None:
    """(what both were unpacked from, index of `first`, index of `second`)."""
    a, b = unpacked_from(facts, first, at), unpacked_from(facts, second, at)
    if a is not None and b is not None and a[0] is b[0]:
        return a[0], a[1], b[1]
    if not isinstance(first, cst.Name) or not isinstance(second, cst.Name):
        return None
    for loop in facts.ancestors(at):
        if isinstance(loop, (cst.FunctionDef, cst.ClassDef)):
            return None
        if not isinstance(loop, cst.For):
            continue
        target, iterable = loop.target, loop.iter
        if isinstance(iterable, cst.Call) and dotted(iterable.func) == "enumerate" and iterable.args:
            if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
                return None
            target, iterable = target.elements[1].value, iterable.args[0].value
        if not isinstance(target, cst.Tuple):
            continue
        names = [e.value.value if isinstance(e.value, cst.Name) else None for e in target.elements]
        if first.value in names and second.value in names:
            return _Each(iterable, loop), names.index(first.value), names.index(second.value)
    return None


@dataclass(frozen=True)
class _Each:
    """One item of what a `for` loop iterates."""

    iterable: cst.BaseExpression
    loop: cst.For


def _produced(facts: Facts, source, depth: int) -> list[tuple[cst.BaseExpression, cst.CSTNode]]:
    """The values `source` can be: a call's returned values, or the items a local generator yields."""
    if depth > 3:
        return []
    if isinstance(source, _Each):
        iterable = source.iterable
        if isinstance(iterable, cst.Name):
            iterable = latest_value(facts, iterable, source.loop)
        function = training_loops(facts).resolve(iterable) if isinstance(iterable, cst.Call) else None
        if function is None:
            return []
        found = []
        for node in facts.nodes():
            if isinstance(node, cst.Yield) and facts.scope_of(node) is function and node.value is not None:
                value = node.value
                if isinstance(value, cst.Call) and training_loops(facts).resolve(value) is not None:
                    found.extend(_produced(facts, value, depth + 1))
                else:
                    found.append((value, node))
        return found
    function = training_loops(facts).resolve(source)
    if function is None:
        return []
    returns = returns_of(function)
    return [(node.value, node) for node in returns if node.value is not None]


def _is_self_call(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Name) and call.func.value == "self"


def activation_input(facts: Facts, call: cst.Call) -> cst.BaseExpression | None:
    """The tensor an activation call applies to: `F.softmax(z, 1)`, `self.act(z)`, `z.softmax(1)` -> z."""
    func = call.func
    if facts.call_name(call) is None and isinstance(func, cst.Attribute) and not _is_module_attribute(func):
        return func.value if func.attr.value in _METHODS else None
    return argument(call, 0, "input")


def _is_module_attribute(func: cst.Attribute) -> bool:
    """`self.softmax(x)` calls a layer; `x.softmax(1)` is a tensor method."""
    return isinstance(func.value, cst.Name) and func.value.value == "self"


def _through(found: Origin | None) -> Origin | None:
    return Origin(found.kind, found.node, False, found.elsewhere) if found is not None else None


def _log_of(found: Origin | None) -> Origin | None:
    """`torch.log(softmax(z))` holds log-probabilities."""
    if found is not None and found.kind == "softmax":
        return Origin("log_softmax", found.node, False)
    return None


def _exp_of(call: cst.Call, found: Origin | None) -> Origin:
    """`torch.exp(log_softmax(z))` holds probabilities; `exp` of anything else is positive, never a log-prob."""
    if found is not None and found.kind == "log_softmax":
        return Origin("softmax", found.node, False)
    return Origin("exp", call, True)


def _module_output(facts: Facts, call: cst.Call, at: cst.CSTNode, depth: int) -> Origin | None:
    """The output of calling a layer or model: `self.act(z)`, `nn.Softmax(1)(z)`, `model(x)`, `self(x)`."""
    func = call.func
    if isinstance(func, cst.Name) and func.value == "self":
        cls = facts.enclosing_class(call)
        return _through(_forward_output(facts, cls, depth)) if cls is not None else None
    constructor = layer_constructor(facts, func, at)
    if constructor is not None:
        name = nn_class(facts, constructor)
        if name == "Sequential":
            return _sequential_output(facts, constructor, depth)
        return Origin(_LAYERS[name], call, True) if name in _LAYERS else None
    moved = _moved_sequential(facts, func, at)
    if moved is not None:
        return _sequential_output(facts, moved, depth)
    model = _model_class(facts, func, at)
    if model is not None:
        return _through(_forward_output(facts, model, depth))
    return _project_model_output(facts, func, at)


def _project_model_output(facts: Facts, func: cst.BaseExpression, at: cst.CSTNode) -> Origin | None:
    """`model(x)` where `model = Net()` with `Net` imported, or `model = build_model()`: from the summaries."""
    if dotted(func) is None or _library_callee(facts, func, at):
        return None
    model = elsewhere.value_of(facts, func, at)
    if model is None or model.kind != "model" or not model.output or model.where is None:
        return None
    return Origin(model.output, func, False, model.where)


def _project_element_output(facts: Facts, func: cst.BaseExpression, index: int, at: cst.CSTNode) -> Origin | None:
    """`output, hidden = model(x, hidden)` with a model class of another file (or function) that returns
    `F.log_softmax(...), hidden`: element `index` of its output, from the summaries."""
    if dotted(func) is None or _library_callee(facts, func, at):
        return None
    model = elsewhere.value_of(facts, func, at)
    if model is None or model.kind != "model" or index >= len(model.outputs) or not model.outputs[index]:
        return None
    where = model.outputs_where[index]
    return Origin(model.outputs[index], func, False, where) if where is not None else None


def _library_callee(facts: Facts, func: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """An imported name called as it is (`torch.cat`, `models.Net`), not one the code rebound to a model
    (`import model` then `model = model.RNNModel(...)`, as PyTorch's word-language-model example does)."""
    return facts.qualified_name(func) is not None and not facts.bindings(dotted(func) or "", at)


def _sequential_output(facts: Facts, call: cst.Call, depth: int) -> Origin | None:
    """What the last layer of `nn.Sequential(...)` that changes values applies."""
    for layer in reversed(sequential_layers(facts, call) or []):
        constructor = layer_constructor(facts, layer, call)
        name = nn_class(facts, constructor) if constructor is not None else None
        if name in _TRANSPARENT_LAYERS:
            continue
        if name == "Sequential":
            return _sequential_output(facts, constructor, depth + 1)
        if name in _LAYERS:
            return Origin(_LAYERS[name], constructor, False)
        model = _model_class(facts, layer, call)
        return _through(_forward_output(facts, model, depth + 1)) if model is not None else None
    return None


def _model_class(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.ClassDef | None:
    """The module class of this file that `expr` instantiates (`Net(...)`) or was always bound to an instance of."""
    if isinstance(expr, cst.Call):
        values = [expr]
    else:
        annotated = _annotated_model_class(facts, expr, at)
        if annotated is not None:
            return annotated
        values = facts.every_value(expr, at)
        if values is None:
            return None
    names = {dotted(_unmoved(value).func) if isinstance(value, cst.Call) else None for value in values}
    if len(names) != 1:
        return None
    name = names.pop()
    return module_classes(facts).get(name) if name is not None else None


def _annotated_model_class(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.ClassDef | None:
    """`def train(model: AnnModel, loader):` — a parameter, not reassigned in the function, annotated with a
    module class of this file (plain or quoted: `model: "AnnModel"`)."""
    if not is_parameter(facts, expr, at):
        return None
    function = facts.enclosing_function(at)
    params = function.params if function is not None else None
    found = [p for p in [*params.posonly_params, *params.params, *params.kwonly_params] if p.name.value == expr.value]
    annotation = found[0].annotation.annotation if found and found[0].annotation is not None else None
    if isinstance(annotation, cst.SimpleString):
        name = annotation.evaluated_value if isinstance(annotation.evaluated_value, str) else None
    else:
        name = dotted(annotation) if annotation is not None else None
    return module_classes(facts).get(name) if name is not None else None


def _moved_sequential(facts: Facts, func: cst.BaseExpression, at: cst.CSTNode) -> cst.Call | None:
    """`model = nn.Sequential(...).to(device)`: the Sequential, when that is the name's only binding."""
    values = facts.assigned_values(func, at)
    if len(values) != 1 or len(facts.bindings(dotted(func) or "", at)) != 1 or not isinstance(values[0], cst.Call):
        return None
    unmoved = _unmoved(values[0])
    return unmoved if unmoved is not values[0] and nn_class(facts, unmoved) == "Sequential" else None


def _unmoved(call: cst.Call) -> cst.Call:
    """`Net().to(device)` / `Net().cuda()` -> `Net()`: moving a model keeps what it computes."""
    func = call.func
    while isinstance(func, cst.Attribute) and func.attr.value in _MOVES and isinstance(func.value, cst.Call):
        call, func = func.value, func.value.func
    return call


def _forward_output(facts: Facts, cls: cst.ClassDef, depth: int) -> Origin | None:
    """What a module class's `forward` returns, when every `return` agrees."""
    forward = forward_of(cls)
    if forward is None or depth > _MAX_DEPTH:
        return None
    returns = returns_of(forward)
    found = [origin(facts, node.value, node, depth + 1) for node in returns if node.value is not None]
    if not found or None in found or len({o.kind for o in found}) != 1:
        return None
    return found[-1]


# losses -------------------------------------------------------------------
_FUNCTIONAL_LOSSES = {
    "torch.nn.functional.cross_entropy": "cross_entropy", "torch.nn.functional.nll_loss": "nll",
    "torch.nn.functional.binary_cross_entropy": "bce",
    "torch.nn.functional.binary_cross_entropy_with_logits": "bce_logits",
}
_LOSS_MODULES = {
    "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll", "BCELoss": "bce", "BCEWithLogitsLoss": "bce_logits",
}


@dataclass(frozen=True)
class LossCall:
    kind: str  # cross_entropy | nll | bce | bce_logits
    input: cst.BaseExpression
    target: cst.BaseExpression | None
    functional: bool  # F.cross_entropy(...) rather than a loss module


@per_file  # asked about every call by several rules; a LossCall is frozen
def loss_call(facts: Facts, call: cst.Call) -> LossCall | None:
    """A call to one of the classification losses, as a function or through a loss module it was built from."""
    qualified = facts.call_name(call)
    if qualified in _FUNCTIONAL_LOSSES:
        kind, functional = _FUNCTIONAL_LOSSES[qualified], True
    else:
        kind, functional = _LOSS_MODULES.get(layer_class(facts, call.func, call) or ""), False
    if kind is None and is_criterion_name(call.func) and facts.qualified_name(call.func) is None:
        built = elsewhere.value_of(facts, call.func, call)  # criterion = build_criterion("ce")
        if built is not None and built.kind == "criterion" and built.detail in _LOSS_MODULES.values():
            kind = built.detail
    if kind is None and facts.qualified_name(call.func) is None:
        kind = _loss_function_held(facts, call)  # no inline fix: the name, not the function, is called
    if kind is None:
        return None
    loss_input = argument(call, 0, "input")
    if loss_input is None:
        return None
    return LossCall(kind, loss_input, argument(call, 1, "target"), functional)


def _loss_function_held(facts: Facts, call: cst.Call) -> str | None:
    """The kind of a loss function held by a name: `self.loss_func = F.binary_cross_entropy`, then
    `self.loss_func(p, y)`; every binding of the name must be that same kind of loss function."""
    kinds = _held_loss_kinds(facts, call)
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def _held_loss_kinds(facts: Facts, call: cst.Call) -> set[str | None]:
    """The kinds of loss function the callee name may hold, one per binding and per arm of a conditional
    expression (`F.binary_cross_entropy if binary else F.cross_entropy`); None for an arm that is not one."""
    values = facts.every_value(call.func, call)
    if not values:
        return set()
    kinds: set[str | None] = set()
    while values:
        value = values.pop()
        if isinstance(value, cst.IfExp):
            values.extend((value.body, value.orelse))
        else:
            kinds.add(_FUNCTIONAL_LOSSES.get(facts.qualified_name(value) or ""))
    return kinds


def loss_call_arms(facts: Facts, call: cst.Call) -> list[LossCall]:
    """`loss_call`, or, for a callee that holds one of several loss functions picked by a condition
    (`criterion = F.binary_cross_entropy if n == 2 else F.cross_entropy`), one LossCall per kind it may be."""
    single = loss_call(facts, call)
    if single is not None:
        return [single]
    if facts.qualified_name(call.func) is not None:
        return []
    kinds = _held_loss_kinds(facts, call)
    loss_input = argument(call, 0, "input")
    if None in kinds or loss_input is None:
        return []
    return [LossCall(kind, loss_input, argument(call, 1, "target"), False) for kind in sorted(kinds)]


def model_call(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.Call | None:
    """The call of a model whose output `expr` is: `model(x)` in `F.log_softmax(model(x), -1).view(-1, V)`.

    Looks through local variables, shape-only methods, activations and `.logits`; the callee must be a
    name or attribute that is not a torch function (`model`, `self.net`, `self`).
    """
    for _ in range(_MAX_DEPTH):
        if isinstance(expr, cst.Name):
            expr = at = latest_value(facts, expr, at)
        elif isinstance(expr, cst.Attribute) and expr.attr.value == "logits":
            expr = expr.value
        elif isinstance(expr, cst.Call):
            inner = _looked_through(facts, expr)
            if inner is None:
                return expr if _is_model_callee(facts, expr.func, at) else None
            expr = inner
        else:
            return None
        if expr is None:
            return None
    return None


def _looked_through(facts: Facts, call: cst.Call) -> cst.BaseExpression | None:
    """The input of a shape method or an activation, else None."""
    func = call.func
    if isinstance(func, cst.Attribute) and facts.call_name(call) is None and not _is_module_attribute(func):
        return func.value if func.attr.value in _SHAPE_METHODS or func.attr.value in _METHODS else None
    if facts.call_name(call) in _FUNCTIONS:
        return argument(call, 0, "input")
    return None


def _is_model_callee(facts: Facts, func: cst.BaseExpression, at: cst.CSTNode) -> bool:
    if dotted(func) is None:
        return False
    if facts.qualified_name(func) is not None:
        return False  # torch.cat, np.stack, an imported helper, a builtin
    return layer_class(facts, func, at) is None or layer_class(facts, func, at) == "Sequential"
