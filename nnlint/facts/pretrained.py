"""Which pretrained weights a file loads, and whether their input statistics are known to be ImageNet's.

Every torchvision classification and segmentation builder with `pretrained=True` or ImageNet weights
(`weights=ResNet50_Weights.DEFAULT`, `"IMAGENET1K_V2"`) expects ImageNet-normalised inputs, bar the two
weights that torchvision itself ships with other statistics. timm models, Hugging Face `from_pretrained`
checkpoints, CLIP, torch.hub models and torchvision's video/detection/optical-flow models each bring their
own statistics (timm's ViTs use 0.5, CLIP its own), so a file that loads any of them is left undecided.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.calls import argument, string
from nnlint.facts.collector import Facts

_TORCHVISION_MODELS = "torchvision.models."
_OTHER_STATISTICS_FAMILIES = frozenset({"video", "detection", "optical_flow"})
_NOT_BUILDERS = frozenset({"get_model", "get_weight", "get_model_weights", "get_model_builder", "list_models"})
# torchvision weights trained with other statistics: (0.5, 0.5, 0.5) and SSD's caffe-style features.
_OTHER_STATISTICS_BUILDERS = frozenset({"efficientnet_v2_l"})
_OTHER_STATISTICS_WEIGHTS = frozenset({"IMAGENET1K_FEATURES"})
_IMAGENET_LOADERS = frozenset({"efficientnet_pytorch.EfficientNet.from_pretrained"})
_OTHER_LOADER_PREFIXES = ("clip.", "open_clip.", "torch.hub.load")
_OTHER_LOADER_METHODS = frozenset({"from_pretrained", "load_pretrained", "create_model_and_transforms"})


class PretrainedLoaders:
    """Fed every call of a file in order; says which ImageNet-statistics loader it saw, if only those."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.imagenet: list[str] = []
        self.other = False
        self.elsewhere = None  # the project `Where` of an ImageNet loader inside another function or file
        self._project_calls: list[cst.Call] = []  # `build_model()`: asked about only when it matters

    def see(self, call: cst.Call) -> None:
        qualified = self.facts.call_name(call) or ""
        if qualified.startswith(_TORCHVISION_MODELS):
            self._see_torchvision(call, qualified)
        elif qualified in _IMAGENET_LOADERS:
            self.imagenet.append(f"{qualified.rsplit('.', 2)[-2]}.from_pretrained(...)")
        elif qualified.startswith(_OTHER_LOADER_PREFIXES) or _method(call) in _OTHER_LOADER_METHODS:
            self.other = True
        elif _maybe_pretrained(argument(call, None, "pretrained")):
            self.other = True  # timm.create_model(..., pretrained=True) and the like: statistics vary
        else:
            self._project_calls.append(call)

    def only_imagenet_loader(self) -> str | None:
        """How to show the first ImageNet loader (`resnet50(...)`), when the file loads no other weights."""
        self._ask_project()
        return self.imagenet[0] if self.imagenet and not self.other else None

    def _ask_project(self) -> None:
        """Models built by the project's own functions and classes (`build_model()`, `Net()`), from summaries."""
        calls, self._project_calls = self._project_calls, []
        for call in calls:
            built = elsewhere.returned(self.facts, call)
            if built is None or built.kind != "model" or not built.pretrained:
                continue
            if built.pretrained == "other":
                self.other = True
            elif built.loaded is not None:
                self.imagenet.append(built.loaded.label)
                self.elsewhere = self.elsewhere or built.loaded

    def _see_torchvision(self, call: cst.Call, qualified: str) -> None:
        parts = qualified[len(_TORCHVISION_MODELS):].split(".")
        builder = parts[-1]
        if builder in _NOT_BUILDERS or not builder[:1].islower():
            return
        weights = self._weights_name(argument(call, None, "weights"), call)
        if not (_truthy(argument(call, None, "pretrained")) or _is_imagenet_weights(weights)):
            return
        other = (
            parts[0] in _OTHER_STATISTICS_FAMILIES
            or builder in _OTHER_STATISTICS_BUILDERS
            or weights in _OTHER_STATISTICS_WEIGHTS
        )
        if other:
            self.other = True
        else:
            self.imagenet.append(f"{builder}(...)")

    def _weights_name(self, expr: cst.BaseExpression | None, at: cst.CSTNode) -> str | None:
        """`ResNet50_Weights.DEFAULT` -> "DEFAULT", `"IMAGENET1K_V2"` -> itself; names followed once."""
        if isinstance(expr, cst.Name):
            values = self.facts.assigned_values(expr, at)
            expr = values[0] if len(values) == 1 else None
        if isinstance(expr, cst.Attribute):
            return expr.attr.value
        return string(expr) if expr is not None else None


def _is_imagenet_weights(name: str | None) -> bool:
    return name is not None and (name == "DEFAULT" or name.startswith("IMAGENET1K"))


def _truthy(expr: cst.BaseExpression | None) -> bool:
    """`pretrained=True`, `pretrained="imagenet"`; not False/None or a variable whose value is unknown."""
    if isinstance(expr, cst.Name):
        return expr.value == "True"
    return isinstance(expr, cst.SimpleString) and string(expr) not in (None, "")


def _maybe_pretrained(expr: cst.BaseExpression | None) -> bool:
    """Any `pretrained=` other than a literal False/None may load weights."""
    return expr is not None and not (isinstance(expr, cst.Name) and expr.value in ("False", "None"))


def _method(call: cst.Call) -> str | None:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None
