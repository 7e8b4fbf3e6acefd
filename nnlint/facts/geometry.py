"""Which torchvision transforms move pixels, what a `Compose` holds, and image/target pipelines that disagree.

A segmentation dataset that runs one pipeline on the image and another on its mask keeps them aligned only
while both apply the same geometry: `CenterCrop(96)` in both is fine, `RandomRotation(10)` in the image's
alone rotates the pixels away from their labels. Random steps are drawn anew on every call, so even the
same random step in two separate pipelines only agrees when the caller reseeds in between.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts.augmentations import random_augmentation
from nnlint.facts.calls import argument
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import training_loops
from nnlint.facts.spatial import is_spatial_word

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


def unmatched_random_geometry(facts: Facts, getitem: cst.FunctionDef) -> list[tuple[cst.Call, str]]:
    """(random step, the other pipeline's name) for `return self.tx(image), self.lx(mask)` in `__getitem__`.

    Two `Compose` pipelines applied to two different items; a random geometric step of one that the other
    does not draw, when the other works on a pixel map (it crops or resizes too) or its item is named as a
    mask. Two pipelines over the same item are two views of it (contrastive learning), and a pipeline fed
    the other's output (`lr = self.lr_tf(hr)` after `hr = self.hr_tf(img)`) is aligned by construction.
    """
    applied: dict[str, tuple[list[cst.Call], cst.Call]] = {}
    for call in training_loops(facts).calls_within(getitem):
        name = dotted(call.func)
        if name is None or name in applied or len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
            continue
        steps = pipeline_steps(facts, call.func, call)
        if steps is not None:
            applied[name] = (steps, call)
    found = []
    for image_name, (image_steps, image_call) in applied.items():
        for target_name, (target_steps, target_call) in applied.items():
            if target_name == image_name or not _separate_items(facts, image_call, target_call):
                continue
            item = dotted(target_call.args[0].value)
            found += [(step, target_name) for step in _unmatched(facts, image_steps, target_steps, item)]
    return found


def _separate_items(facts: Facts, first: cst.Call, second: cst.Call) -> bool:
    """Whether two pipeline calls transform two different items, neither fed the other's output."""
    items = [first.args[0].value, second.args[0].value]
    if facts.module.code_for_node(items[0]) == facts.module.code_for_node(items[1]):
        return False
    for call, item in ((first, items[1]), (second, items[0])):
        if item is call or any(value is call for value in facts.assigned_values(item, item)):
            return False
    return True


def unmatched_target_transform(facts: Facts, call: cst.Call) -> list[tuple[cst.Call, str]]:
    """The same for a dataset built with `transform=` and `target_transform=` (`VOCSegmentation(...)`)."""
    image, target = argument(call, None, "transform"), argument(call, None, "target_transform")
    if image is None or target is None:
        return []
    image_steps, target_steps = pipeline_steps(facts, image, call), pipeline_steps(facts, target, call)
    if image_steps is None or target_steps is None:
        return []
    name = dotted(target) or "target_transform"
    return [(step, name) for step in _unmatched(facts, image_steps, target_steps, None)]


def _unmatched(
    facts: Facts, image_steps: list[cst.Call], target_steps: list[cst.Call], target_item: str | None
) -> list[cst.Call]:
    if not (any(moves_pixels(facts, step) for step in target_steps) or is_spatial_word(target_item or "")):
        return []
    drawn = {random_geometry(facts, step) for step in target_steps} - {None}
    return [step for step in image_steps if random_geometry(facts, step) not in (None, *drawn)]
