"""NN401: an image is flipped (or moved at random) but the boxes, masks or keypoints that go with it are not."""

from __future__ import annotations

import re
from functools import cached_property

import libcst as cst

from nnlint.facts.calls import method_receiver, number, positional_args
from nnlint.facts.geometry import random_geometry, unmatched_random_geometry, unmatched_target_transform
from nnlint.facts.imports import dotted
from nnlint.facts.spatial import is_spatial_word, mentions, returns_spatial_targets
from nnlint.rules.base import Rule

_FLIP_FUNCTIONS = frozenset(
    {
        "torchvision.transforms.functional.hflip", "torchvision.transforms.functional.vflip",
        "torchvision.transforms.v2.functional.hflip", "torchvision.transforms.v2.functional.vflip",
        "torchvision.transforms.v2.functional.horizontal_flip", "torchvision.transforms.v2.functional.vertical_flip",
        "torch.flip", "torch.fliplr", "torch.flipud", "numpy.flip", "numpy.fliplr", "numpy.flipud", "cv2.flip",
        "PIL.ImageOps.mirror", "PIL.ImageOps.flip",
    }
)
_FLIP_METHODS = frozenset({"flip", "fliplr", "flipud"})
_PIL_FLIPS = frozenset({"FLIP_LEFT_RIGHT", "FLIP_TOP_BOTTOM"})
_V1_FLIPS = frozenset(
    f"torchvision.transforms.{module}{name}"
    for module in ("", "transforms.")
    for name in ("RandomHorizontalFlip", "RandomVerticalFlip")
)
_IMAGE_NAME = re.compile(r"(^|_)(img|imgs|image|images|im|frame|frames|picture|pic|photo|rgb|pixels)(_|$|\d)", re.I)
_AUGMENTING_FUNCTION = re.compile(r"getitem|augment|transform|flip|mirror|__call__|load_item|load_sample", re.I)
_TRANSFORM_WORDS = ("transform", "transforms", "aug", "augment", "augmentation", "tfm", "tfms")

MESSAGE = (
    "the image is flipped but its boxes/masks/keypoints are returned unflipped: the labels no longer match the pixels "
    "— flip them in the same branch, or use `torchvision.transforms.v2` with `tv_tensors`"
)
V1_MESSAGE = (
    "v1 `{name}` flips only the image, but this file's dataset returns boxes/masks/keypoints with it "
    "— use `torchvision.transforms.v2` and wrap targets as `tv_tensors`"
)

PAIRED_MESSAGE = (
    "`{name}` moves the image at random but `{target}`, the pipeline its mask/target goes through, does not: "
    "the labels no longer line up with the pixels — transform both jointly (`torchvision.transforms.v2` with "
    "`tv_tensors.Mask`) or give them the same seeded draw"
)


class FlipWithoutTarget(Rule):
    code = "NN401"
    name = "flip-without-target"
    summary = "An image is flipped but its boxes, masks or keypoints are not"
    triggers = ("flip", "Flip", "FLIP", "mirror", "::-1", "Rotation", "Affine", "RandomCrop", "ResizedCrop")

    def __init__(self, context) -> None:
        super().__init__(context)
        self.unmatched: list[tuple[cst.Call, str]] = []  # (random step of the image's pipeline, target pipeline)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "__getitem__":
            self.unmatched += unmatched_random_geometry(self.facts, node)

    def leave_Module(self, original_node: cst.Module) -> None:
        """Image/target pipelines that disagree on random geometry: once per step no other check reported."""
        reported = {id(report.node) for report in self.reports}
        for step, target in self.unmatched:
            if id(step) not in reported:
                reported.add(id(step))
                self.report(step, PAIRED_MESSAGE.format(name=random_geometry(self.facts, step), target=target))

    def visit_Call(self, node: cst.Call) -> None:
        self.unmatched += unmatched_target_transform(self.facts, node)
        qualified = self.facts.call_name(node)
        if qualified in _V1_FLIPS:
            if self._has_image_only_detection_dataset:
                self.report(node, V1_MESSAGE.format(name=qualified.rsplit(".", 1)[-1]))
            return
        flipped = self._flipped_by_call(node, qualified)
        if flipped is not None:
            self._check_flip(node, flipped)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        # img[:, ::-1] / img[..., ::-1]; a plain seq[::-1] is a list reversal, and outside a random branch
        # `[..., ::-1]` is usually BGR -> RGB.
        reversed_axes = [i for i, element in enumerate(node.slice) if _is_reversal(element.slice)]
        if reversed_axes and max(reversed_axes) > 0 and self._in_random_branch(node):
            self._check_flip(node, node.value)

    def _flipped_by_call(self, call: cst.Call, qualified: str | None) -> cst.BaseExpression | None:
        if qualified in _FLIP_FUNCTIONS:
            args = positional_args(call)
            return args[0] if args else None
        receiver = method_receiver(call, _FLIP_METHODS)
        if receiver is not None and qualified is None:
            return receiver
        receiver = method_receiver(call, {"transpose"})
        args = positional_args(call)
        if receiver is not None and len(args) == 1 and _attribute_name(args[0]) in _PIL_FLIPS:
            return receiver
        return None

    def _check_flip(self, node: cst.CSTNode, flipped: cst.BaseExpression) -> None:
        name = (dotted(flipped) or "").rsplit(".", 1)[-1]
        if is_spatial_word(name):
            return  # this flips a target
        function = self.facts.enclosing_function(node)
        if function is None:
            return
        if not (_IMAGE_NAME.search(name) or _AUGMENTING_FUNCTION.search(function.name.value)):
            return  # a flip of some tensor (a sequence, a kernel) outside data augmentation
        if not returns_spatial_targets(function):
            return
        if not self._targets_touched_with(node):
            self.report(node, MESSAGE)

    def _targets_touched_with(self, node: cst.CSTNode) -> bool:
        """Whether the flip's own block, from the flip on, also handles a spatial target."""
        statement, block = None, None
        for ancestor in [node, *self.facts.ancestors(node)]:
            parent = self.facts.parent(ancestor)
            if isinstance(parent, cst.IndentedBlock):
                statement, block = ancestor, parent
                break
        if block is None:
            return True
        start = block.body.index(statement)
        return any(
            not _is_return(stmt) and mentions(stmt).spatial for stmt in block.body[start:]
        )

    def _in_random_branch(self, node: cst.CSTNode) -> bool:
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, (cst.If, cst.IfExp)):
                test = self.context.code_for(ancestor.test).lower()
                if any(word in test for word in ("rand", "flip", "prob", "uniform", "coin", " p")):
                    return True
            if isinstance(ancestor, cst.FunctionDef):
                return False
        return False

    @cached_property
    def _has_image_only_detection_dataset(self) -> bool:
        """A dataset whose `__getitem__` returns spatial targets but transforms the image alone."""
        for klass in self.context.module.body:
            if not isinstance(klass, cst.ClassDef):
                continue
            for method in klass.body.body:
                if isinstance(method, cst.FunctionDef) and method.name.value == "__getitem__":
                    if returns_spatial_targets(method) and _transforms_one_argument(method):
                        return True
        return False


def _transforms_one_argument(function: cst.FunctionDef) -> bool:
    found = _ImageOnlyTransform()
    function.body.visit(found)
    return found.seen


class _ImageOnlyTransform(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen = False

    def visit_Call(self, node: cst.Call) -> None:
        name = (dotted(node.func) or "").rsplit(".", 1)[-1].lower()
        if name.endswith(_TRANSFORM_WORDS) and len(node.args) == 1:
            self.seen = True


def _is_reversal(element: cst.BaseSlice) -> bool:
    return isinstance(element, cst.Slice) and element.step is not None and number(element.step) == -1


def _attribute_name(expr: cst.BaseExpression) -> str | None:
    return expr.attr.value if isinstance(expr, cst.Attribute) else None


def _is_return(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and any(
        isinstance(small, cst.Return) for small in statement.body
    )
