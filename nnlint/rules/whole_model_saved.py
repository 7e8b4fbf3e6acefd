"""NN604: `torch.save(model)` pickles the module object itself instead of its `state_dict()`."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.imports import dotted
from nnlint.facts.loops import training_loops
from nnlint.facts.modules import module_classes, nn_class
from nnlint.rules.base import Rule

MESSAGE = (
    "`torch.save({name})` pickles the whole module, so loading it needs the exact class at the same import "
    "path (a renamed file or a refactor breaks every checkpoint) and runs arbitrary code — save "
    "`{name}.state_dict()` and load it into a freshly built model"
)
_MODEL_BUILDER = re.compile(r"^(torchvision\.models\.|timm\.create_model$)|\.from_pretrained$")
_MOVES = frozenset({"to", "cuda", "cpu", "float", "double", "half", "train", "eval"})


class WholeModelSaved(Rule):
    code = "NN604"
    name = "whole-model-saved"
    summary = "`torch.save(model)` of an `nn.Module` instead of its `state_dict()`"
    triggers = ("save",)
    fix = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        if self.facts.call_name(node) != "torch.save":
            return
        obj = argument(node, 0, "obj")
        name = dotted(obj) if obj is not None else None
        if name is None or not self._is_module(obj, name, node):
            return
        fix = self.replace(obj, f"{name}.state_dict()", "Save the `state_dict()`")
        self.report(node, MESSAGE.format(name=name), fix)

    def _is_module(self, obj: cst.BaseExpression, name: str, at: cst.CSTNode) -> bool:
        """Trained by an optimizer of this file, or always bound to a module this file builds."""
        values = self.facts.every_value(obj, at)
        trained = name in training_loops(self.facts).trained_modules
        if values:
            # `net = Net()` in one arm, `net = torch.load(path)` (resuming) in the other: the load returns
            # whatever was pickled, so it neither confirms nor contradicts the arm that builds the module.
            values = [value for value in values if not self._loads_pickle(value)] or values
            if all(self._builds_module(value) for value in values):
                return True
            # `self.model = Unet(**opts)` with the class imported, and an optimizer of the file trains it
            return trained and all(self._constructs(value) for value in values)
        return trained and not self.facts.assigned_values(obj, at)

    def _loads_pickle(self, value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and self.facts.call_name(value) == "torch.load"

    def _constructs(self, value: cst.BaseExpression) -> bool:
        """A call of a class (a capitalised name, `Unet(...)`, `models.Unet(...)`), not TorchScript."""
        if not isinstance(value, cst.Call):
            return False
        func = dotted(value.func) or ""
        if (self.facts.call_name(value) or func).startswith("torch."):
            return False
        last = func.rsplit(".", 1)[-1]
        return last[:1].isupper()

    def _builds_module(self, value: cst.BaseExpression) -> bool:
        if not isinstance(value, cst.Call):
            return False
        func = value.func
        while isinstance(func, cst.Attribute) and func.attr.value in _MOVES and isinstance(func.value, cst.Call):
            value, func = func.value, func.value.func  # `Net().to(device)`
        layer = nn_class(self.facts, value)
        if layer is not None:
            return not layer.endswith("Loss")
        if dotted(func) in module_classes(self.facts):
            return True
        return bool(_MODEL_BUILDER.search(self.facts.call_name(value) or dotted(func) or ""))
