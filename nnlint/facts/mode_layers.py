"""Whether a model behaves differently in train and eval mode: dropout, batch statistics, `self.training`.

Answered only for models whose whole definition this file shows: an `nn.Sequential(...)` of torch layers,
or a module class of the file whose layers are torch layers or other such classes. A layer from anywhere
else (torchvision, timm, another file of the project) may switch modes, so the answer there is "yes".
"""

from __future__ import annotations

import re
from itertools import islice

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.modules import module_classes, nn_class

_ALWAYS = re.compile(r"Dropout|BatchNorm")
_TRACKED = re.compile(r"^InstanceNorm")  # only with track_running_stats=True
_DROPOUT_ARG = frozenset({"RNN", "LSTM", "GRU", "MultiheadAttention"})  # dropout=0 by default
_TRANSFORMERS = re.compile(r"^Transformer")  # dropout=0.1 by default
_FUNCTIONAL = re.compile(r"^torch\.nn\.functional\.(.*dropout.*|batch_norm)$")
_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half"})


def switches_mode(facts: Facts, model: cst.BaseExpression, at: cst.CSTNode) -> bool:
    """False only when every definition `model` can hold is visible here and none depends on the mode."""
    values = facts.every_value(model, at)
    if not values:
        return True
    return any(_value_switches(facts, value, set()) for value in values)


def _value_switches(facts: Facts, value: cst.BaseExpression, seen: set[str]) -> bool:
    if not isinstance(value, cst.Call):
        return True
    func = value.func
    while isinstance(func, cst.Attribute) and func.attr.value in _MOVES and isinstance(func.value, cst.Call):
        value, func = func.value, func.value.func  # `Net().to(device)`
    name = nn_class(facts, value)
    if name is not None:
        return _layer_switches(facts, name, value) or any(
            _value_switches(facts, arg.value, seen) for arg in value.args if isinstance(arg.value, cst.Call)
        )
    cls = module_classes(facts).get(dotted(value.func) or "")
    return cls is None or _class_switches(facts, cls, seen)


def _class_switches(facts: Facts, cls: cst.ClassDef, seen: set[str]) -> bool:
    if cls.name.value in seen:
        return False
    seen = seen | {cls.name.value}
    classes = module_classes(facts)
    bases = [classes.get(dotted(base.value) or "") for base in cls.bases]
    if any(base is not None and _class_switches(facts, base, seen) for base in bases):
        return True
    for node in islice(facts.nodes(), facts.order(cls) + 1, None):
        if cls not in facts.ancestors(node):
            break
        if isinstance(node, cst.Attribute) and node.attr.value == "training" and dotted(node.value) == "self":
            return True
        if isinstance(node, cst.Call) and _call_switches(facts, node, seen):
            return True
    return False


def _call_switches(facts: Facts, call: cst.Call, seen: set[str]) -> bool:
    name = nn_class(facts, call)
    if name is not None:
        return _layer_switches(facts, name, call)
    qualified = facts.call_name(call)
    if qualified is not None:
        if _FUNCTIONAL.match(qualified):
            return True
        # torch's own functions and Python's builtins build no layers; anything imported may.
        return not (qualified.startswith("torch.") or qualified.startswith("builtins."))
    cls = module_classes(facts).get(dotted(call.func) or "")
    if cls is not None:
        return _class_switches(facts, cls, seen)
    # `self.fc(x)`, `x.view(...)`, `super().__init__()`: method calls; a bare unknown name may build layers.
    return isinstance(call.func, cst.Name) and call.func.value != "super"


def _layer_switches(facts: Facts, name: str, call: cst.Call) -> bool:
    if _ALWAYS.search(name):
        return True
    if _TRACKED.match(name):
        flag = argument(call, None, "track_running_stats")
        return isinstance(flag, cst.Name) and flag.value == "True"
    if name in _DROPOUT_ARG:
        dropout = argument(call, None, "dropout")
        return dropout is not None and number(dropout) != 0
    return bool(_TRANSFORMERS.match(name))
