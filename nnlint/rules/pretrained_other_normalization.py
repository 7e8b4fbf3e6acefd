"""NN403: ImageNet-pretrained weights fed inputs normalised with other statistics."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, number, string
from nnlint.facts.pretrained import PretrainedLoaders
from nnlint.rules.base import Rule

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_TOLERANCE = 0.01  # (0.48, 0.46, 0.41) is the same statistic rounded

# (position of mean, position of std); albumentations' Normalize defaults to ImageNet's statistics.
_NORMALIZE = {
    "torchvision.transforms.Normalize": (0, 1),
    "torchvision.transforms.transforms.Normalize": (0, 1),
    "torchvision.transforms.v2.Normalize": (0, 1),
    "torchvision.transforms.functional.normalize": (1, 2),
    "torchvision.transforms.v2.functional.normalize": (1, 2),
    "kornia.augmentation.Normalize": (0, 1),
    "kornia.enhance.Normalize": (0, 1),
    "kornia.enhance.normalize": (1, 2),
    "albumentations.Normalize": (0, 1),
}
# A file that spells out ImageNet's statistics somewhere knows them; its other Normalize serves other inputs.
_IMAGENET_SPELLED = ("0.485", "IMAGENET_DEFAULT_MEAN", "IMAGENET_MEAN")

MESSAGE = (
    "inputs are normalised with mean {mean} / std {std}, but `{loader}` loads ImageNet-pretrained weights "
    "that expect mean (0.485, 0.456, 0.406) / std (0.229, 0.224, 0.225) — normalise with ImageNet's "
    "statistics (or use the weights' own `transforms()`)"
)


class PretrainedOtherNormalization(Rule):
    code = "NN403"
    name = "pretrained-other-normalization"
    summary = "ImageNet-pretrained weights loaded, but inputs normalised with other statistics"
    triggers = ("ormalize",)

    def __init__(self, context) -> None:
        super().__init__(context)
        self.loaders = PretrainedLoaders(self.facts)
        self.candidates: list[tuple[cst.Call, str, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.loaders.see(node)
        qualified = self.facts.call_name(node)
        if qualified not in _NORMALIZE:
            return
        mean_at, std_at = _NORMALIZE[qualified]
        mean_arg, std_arg = argument(node, mean_at, "mean"), argument(node, std_at, "std")
        mean, std = self._numbers(mean_arg, node), self._numbers(std_arg, node)
        if qualified.startswith("albumentations."):
            mode = argument(node, None, "normalization")
            if mode is not None and string(mode) != "standard":
                return  # "image" / "min_max" normalisation ignores mean and std
            mean = IMAGENET_MEAN if mean_arg is None else mean
            std = IMAGENET_STD if std_arg is None else std
        if mean is None or std is None:
            return
        if not (_close(mean, IMAGENET_MEAN) and _close(std, IMAGENET_STD)):
            self.candidates.append((node, _show(mean), _show(std)))

    def leave_Module(self, original_node: cst.Module) -> None:
        loader = self.loaders.only_imagenet_loader()
        if loader is None or any(text in self.context.source for text in _IMAGENET_SPELLED):
            return
        for node, mean, std in self.candidates:
            self.report(node, MESSAGE.format(mean=mean, std=std, loader=loader))

    def _numbers(self, expr: cst.BaseExpression | None, at: cst.CSTNode) -> tuple[float, ...] | None:
        """A literal number or tuple/list of numbers, directly or through a name assigned it once."""
        if isinstance(expr, cst.Name):
            bindings = self.facts.bindings(expr.value, at)
            expr = bindings[0].value if len(bindings) == 1 and bindings[0].index is None else None
        if expr is None:
            return None
        single = number(expr)
        if single is not None:
            return (single,)
        if not isinstance(expr, (cst.Tuple, cst.List)) or not expr.elements:
            return None
        values = tuple(number(element.value) for element in expr.elements)
        return None if None in values else values


def _close(values: tuple[float, ...], reference: tuple[float, ...]) -> bool:
    scale = 255.0 if max(abs(v) for v in values) > 1.5 else 1.0  # statistics on the 0-255 scale
    return len(values) == len(reference) and all(abs(v / scale - r) <= _TOLERANCE for v, r in zip(values, reference))


def _show(values: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"
