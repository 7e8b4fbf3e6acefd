"""Spatial targets (boxes, masks, keypoints): what must move with an image when it is flipped."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from nnlint.walk import children, walk

_SPATIAL_WORDS = frozenset(
    {
        "box", "boxes", "bbox", "bboxes", "mask", "masks", "seg", "segs", "segmentation", "segmentations",
        "segmap", "segmaps", "keypoint", "keypoints", "kpt", "kpts", "landmark", "landmarks", "polygon",
        "polygons", "heatmap", "heatmaps",
    }
)
_TARGET_CONTAINERS = frozenset({"target", "targets", "anno", "annos", "annotation", "annotations", "sample", "gt"})


def is_spatial_word(identifier: str) -> bool:
    """`boxes`, `gt_bboxes`, `seg_mask`, `"keypoints"`: an identifier naming a spatial target."""
    return any(part in _SPATIAL_WORDS for part in re.split(r"[_\W]+", identifier.lower()) if part)


@dataclass
class SpatialMentions:
    """Whether a subtree names a spatial target (`boxes`, `"masks"`) or a target container (`target`)."""

    spatial: bool = False
    container: bool = False

    def see(self, identifier: str) -> None:
        if is_spatial_word(identifier):
            self.spatial = True
        elif identifier.lower() in _TARGET_CONTAINERS:
            self.container = True


def mentions(node: cst.CSTNode) -> SpatialMentions:
    """Names, attributes and short string keys in `node`; the names of called functions do not count
    (`fill_none_with_masks(x)` is not a mask)."""
    found = SpatialMentions()
    called: set[int] = set()

    def on_visit(child: cst.CSTNode) -> None:
        if isinstance(child, cst.Call):
            func = child.func
            called.add(id(func.attr if isinstance(func, cst.Attribute) else func))
        elif isinstance(child, cst.Name) and id(child) not in called:
            found.see(child.value)
        elif isinstance(child, cst.SimpleString):
            value = child.evaluated_value
            if isinstance(value, str) and len(value) < 40:
                found.see(value)

    walk(node, on_visit)
    return found


def returns_spatial_targets(function: cst.FunctionDef) -> bool:
    """Whether the function hands boxes/masks/keypoints back to its caller.

    `return img, boxes` and `return {"image": img, "masks": m}` do; so does `return img, target` when
    the function fills `target["boxes"]` (a detection target dict); `return img, label` does not.
    """
    values = return_values(function)
    if not values:
        return False
    in_return = [mentions(value) for value in values]
    if any(found.spatial for found in in_return):
        return True
    return any(found.container for found in in_return) and mentions(function.body).spatial


def return_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """What the function's own `return` statements return (not those of nested functions)."""
    values: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Return) and node.value is not None:
            values.append(node.value)
        elif not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            stack.extend(children(node))
    return values
