"""Spatial targets (boxes, masks, keypoints): what must move with an image when it is flipped."""

from __future__ import annotations

import re

import libcst as cst

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


class SpatialMentions(cst.CSTVisitor):
    """Collects the spatial-target names, string keys and target containers used in a subtree."""

    def __init__(self) -> None:
        super().__init__()
        self.spatial = False
        self.container = False

    def visit_Name(self, node: cst.Name) -> None:
        self._see(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._see(node.attr.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        value = node.evaluated_value
        if isinstance(value, str) and len(value) < 40:
            self._see(value)

    def _see(self, identifier: str) -> None:
        if is_spatial_word(identifier):
            self.spatial = True
        elif identifier.lower() in _TARGET_CONTAINERS:
            self.container = True


def mentions(node: cst.CSTNode) -> SpatialMentions:
    found = SpatialMentions()
    node.visit(found)
    return found


def returns_spatial_targets(function: cst.FunctionDef) -> bool:
    """Whether the function hands boxes/masks/keypoints back to its caller.

    `return img, boxes` and `return {"image": img, "masks": m}` do; so does `return img, target` when
    the function fills `target["boxes"]` (a detection target dict); `return img, label` does not.
    """
    returned = _ReturnValues()
    function.body.visit(returned)
    if not returned.values:
        return False
    in_return = [mentions(value) for value in returned.values]
    if any(found.spatial for found in in_return):
        return True
    return any(found.container for found in in_return) and mentions(function.body).spatial


class _ReturnValues(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[cst.BaseExpression] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a nested function's returns are its own

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.values.append(node.value)
