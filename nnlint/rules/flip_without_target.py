"""NN401: an image is flipped (or moved at random) but the boxes, masks or keypoints that go with it are not."""

from __future__ import annotations

import re
from functools import cached_property

import libcst as cst

from nnlint.facts.calls import argument, method_receiver, number, positional_args
from nnlint.facts.geometry import moves_pixels, pipeline_steps, random_geometry
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
        self.pairs: list[tuple[cst.Call, str, cst.CSTNode]] = []  # (image pipeline step, target pipeline, where)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "__getitem__":
            self._pair_pipelines_applied_in(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        """Pipelines that disagree on random geometry, reported once per step that no other check flagged."""
        reported = {id(report.node) for report in self.reports}
        for step, target, _ in self.pairs:
            if id(step) not in reported:
                reported.add(id(step))
                self.report(step, PAIRED_MESSAGE.format(name=random_geometry(self.facts, step), target=target))

    def visit_Call(self, node: cst.Call) -> None:
        self._pair_dataset_transforms(node)
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

    def _pair_pipelines_applied_in(self, getitem: cst.FunctionDef) -> None:
        """`return self.tx(img), self.lx(mask)`: two pipelines, one per item of a (pixels, pixel-labels) pair."""
        applied: dict[str, tuple[list[cst.Call], cst.BaseExpression]] = {}
        for call in _calls_in(getitem.body):
            args = positional_args(call)
            name = dotted(call.func)
            if name is None or len(args) != 1 or len(call.args) != 1 or name in applied:
                continue
            steps = pipeline_steps(self.facts, call.func, call)
            if steps is not None:
                applied[name] = (steps, args[0])
        for image_name, (image_steps, image_arg) in applied.items():
            for target_name, (target_steps, target_arg) in applied.items():
                # Two pipelines over one item are two views of it (contrastive learning), not a pair.
                if target_name != image_name and dotted(target_arg) != dotted(image_arg):
                    self._pair(image_steps, target_steps, target_name, dotted(target_arg) or "", getitem)

    def _pair_dataset_transforms(self, call: cst.Call) -> None:
        """`VOCSegmentation(..., transform=T.Compose([T.RandomRotation(10), ...]), target_transform=...)`."""
        image, target = argument(call, None, "transform"), argument(call, None, "target_transform")
        if image is None or target is None:
            return
        image_steps = pipeline_steps(self.facts, image, call)
        target_steps = pipeline_steps(self.facts, target, call)
        if image_steps is not None and target_steps is not None:
            self._pair(image_steps, target_steps, dotted(target) or "target_transform", "target", call)

    def _pair(self, image_steps, target_steps, target_name: str, target_item: str, where: cst.CSTNode) -> None:
        """Record the image's random geometric steps that the target's pipeline lacks, when the target's
        pipeline works on a pixel map (it crops or resizes too) or the target is named as a mask."""
        if not (any(moves_pixels(self.facts, step) for step in target_steps) or is_spatial_word(target_item)):
            return
        target_random = {random_geometry(self.facts, step) for step in target_steps} - {None}
        for step in image_steps:
            name = random_geometry(self.facts, step)
            if name is not None and name not in target_random:
                self.pairs.append((step, target_name, where))

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


def _calls_in(node: cst.CSTNode) -> list[cst.Call]:
    found = _Calls()
    node.visit(found)
    return found.calls


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


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
