"""The statistics a `Normalize` transform (torchvision, kornia, albumentations) normalises inputs with."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, number, string
from nnlint.facts.collector import Facts

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# (position of mean, position of std); albumentations' Normalize defaults to ImageNet's statistics.
NORMALIZE = {
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


def normalize_statistics(facts: Facts, call: cst.Call) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """(mean, std) of a Normalize call whose statistics are literal numbers (directly or through a name)."""
    qualified = facts.call_name(call)
    if qualified not in NORMALIZE:
        return None
    mean_at, std_at = NORMALIZE[qualified]
    mean_arg, std_arg = argument(call, mean_at, "mean"), argument(call, std_at, "std")
    mean, std = _numbers(facts, mean_arg, call), _numbers(facts, std_arg, call)
    if qualified.startswith("albumentations."):
        mode = argument(call, None, "normalization")
        if mode is not None and string(mode) != "standard":
            return None  # "image" / "min_max" normalisation ignores mean and std
        mean = IMAGENET_MEAN if mean_arg is None else mean
        std = IMAGENET_STD if std_arg is None else std
    if mean is None or std is None:
        return None
    return mean, std


def is_imagenet(mean: tuple[float, ...], std: tuple[float, ...], tolerance: float = 0.01) -> bool:
    """ImageNet's statistics, rounded or not, on the 0-1 or the 0-255 scale."""
    return _close(mean, IMAGENET_MEAN, tolerance) and _close(std, IMAGENET_STD, tolerance)


def _close(values: tuple[float, ...], reference: tuple[float, ...], tolerance: float) -> bool:
    scale = 255.0 if max(abs(v) for v in values) > 1.5 else 1.0  # statistics on the 0-255 scale
    return len(values) == len(reference) and all(abs(v / scale - r) <= tolerance for v, r in zip(values, reference))


def _numbers(facts: Facts, expr: cst.BaseExpression | None, at: cst.CSTNode) -> tuple[float, ...] | None:
    """A literal number or tuple/list of numbers, directly or through a name assigned it once."""
    if isinstance(expr, cst.Name):
        bindings = facts.bindings(expr.value, at)
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
