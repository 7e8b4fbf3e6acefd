"""Which torchvision transforms move pixels, and the steps of a `Compose` pipeline a name holds.

A segmentation dataset that runs one pipeline on the image and another on its mask keeps them aligned only
while both apply the same geometry: `CenterCrop(96)` in both is fine, `RandomRotation(10)` in the image's
alone rotates the pixels away from their labels. Random steps are drawn anew on every call, so even the
same random step in two separate pipelines only agrees when the caller reseeds in between.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts.augmentations import random_augmentation
from nnlint.facts.collector import Facts

_TORCHVISION = ("torchvision.transforms.", "torchvision.transforms.transforms.", "torchvision.transforms.v2.")
_RANDOM_GEOMETRY = frozenset(
    {
        "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine", "RandomResizedCrop",
        "RandomCrop", "RandomPerspective", "ElasticTransform", "RandomZoomOut", "RandomIoUCrop", "ScaleJitter",
        "RandomShortestSize", "RandomResize",
    }
)
_FIXED_GEOMETRY = frozenset({"Resize", "CenterCrop", "Pad", "FiveCrop", "TenCrop"})
_COMPOSE = frozenset(prefix + "Compose" for prefix in _TORCHVISION)


def transform_name(facts: Facts, call: cst.Call) -> str | None:
    """`RandomRotation` for `T.RandomRotation(10)` when it is a torchvision transform, else None."""
    qualified = facts.call_name(call) or ""
    if not qualified.startswith(_TORCHVISION):
        return None
    return qualified.rsplit(".", 1)[-1]


def random_geometry(facts: Facts, call: cst.Call) -> str | None:
    """The name of a torchvision step that moves pixels at random (`RandomRotation`, a `p=0.5` flip)."""
    name = transform_name(facts, call)
    return name if name in _RANDOM_GEOMETRY and random_augmentation(facts, call) is not None else None


def moves_pixels(facts: Facts, call: cst.Call) -> bool:
    """Any geometric step, random or fixed (`CenterCrop`, `Resize`): the pipeline works on a pixel map."""
    name = transform_name(facts, call)
    return name in _FIXED_GEOMETRY or name in _RANDOM_GEOMETRY


def pipeline_steps(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode) -> list[cst.Call] | None:
    """The steps of the torchvision `Compose([...])` that `expr` is or was assigned (`self.tx`, `val_tf`).

    When a name was assigned several pipelines (an `if`/`else` default), their steps are pooled; None
    when no `Compose` of literal steps is in view.
    """
    values = [expr] if isinstance(expr, cst.Call) else facts.assigned_values(expr, at)
    steps: list[cst.Call] = []
    seen = False
    for value in values:
        if not isinstance(value, cst.Call) or facts.call_name(value) not in _COMPOSE or not value.args:
            continue
        listed = value.args[0].value
        if not isinstance(listed, (cst.List, cst.Tuple)):
            continue
        seen = True
        steps += [element.value for element in listed.elements if isinstance(element.value, cst.Call)]
    return steps if seen else None
