"""NN402: random augmentation in the transform of a validation or test dataset."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.imports import dotted
from nnlint.facts.pipeline_split import name_split, pipeline_split
from nnlint.rules.base import Rule

_LIBRARIES = ("torchvision.transforms.", "albumentations.", "kornia.augmentation.", "timm.data.")
# Random whatever their arguments (every `Random*` class of these libraries is too, bar the gated ones).
_ALWAYS_RANDOM = frozenset(
    {
        "ColorJitter", "ColorJiggle", "RandAugment", "AutoAugment", "TrivialAugmentWide", "AugMix", "MixUp", "CutMix",
        "ElasticTransform", "ScaleJitter", "ShiftScaleRotate", "Rotate", "SafeRotate", "Affine", "Perspective",
        "GridDistortion", "OpticalDistortion", "HueSaturationValue", "RGBShift", "CoarseDropout", "Cutout",
        "GaussNoise", "MotionBlur", "rand_augment_transform", "auto_augment_transform", "augment_and_mix_transform",
        "transforms_imagenet_train",
    }
)
# Random only with a probability strictly between 0 and 1: `RandomHorizontalFlip(p=1.0)` is a fixed flip (TTA).
# The value is the position of `p` in torchvision's signature.
_PROBABILITY_GATED = {
    "RandomHorizontalFlip": 0, "RandomVerticalFlip": 0, "RandomGrayscale": 0, "RandomInvert": 0,
    "RandomAutocontrast": 0, "RandomEqualize": 0, "RandomPosterize": 1, "RandomSolarize": 1,
    "RandomAdjustSharpness": 1, "RandomApply": 1, "HorizontalFlip": None, "VerticalFlip": None, "Flip": None,
    "Transpose": None, "ToGray": None,
}
_CREATE_TRANSFORM = frozenset({"timm.data.create_transform", "timm.data.transforms_factory.create_transform"})
_TRANSFORM_KEYWORDS = frozenset({"transform", "transforms"})
# Contrastive / multi-view self-supervision needs random views at validation time too.
_SELF_SUPERVISED = re.compile(r"contrast|multi_?view|two_?crop|n_?views|simclr|byol|moco|dino|swav|barlow", re.I)

MESSAGE = (
    "`{name}` is random augmentation in a validation/test pipeline: metrics become noisy and pessimistic "
    "— evaluate with deterministic transforms (resize, center crop, normalize)"
)
DATASET_MESSAGE = (
    "this validation/test dataset uses `{name}`, which applies random augmentation: metrics become noisy "
    "and pessimistic — give it a deterministic eval transform"
)


class RandomEvalTransform(Rule):
    code = "NN402"
    name = "random-eval-transform"
    summary = "Random augmentation in the transform of a validation or test dataset"
    triggers = ("transform", "albumentations", "augmentation", "timm.data")

    def visit_Call(self, node: cst.Call) -> None:
        name = self._random_transform(node)
        if name is not None:
            if (
                pipeline_split(self.facts, node) == "eval"
                and not self._self_supervised(node)
                and not self._inside_random_transform(node)
            ):
                self.report(node, MESSAGE.format(name=name))
            return
        transform = next((a.value for a in node.args if a.keyword and a.keyword.value in _TRANSFORM_KEYWORDS), None)
        if transform is not None and dotted(transform) is not None:
            self._check_eval_dataset(node, transform)

    def _check_eval_dataset(self, call: cst.Call, transform: cst.BaseExpression) -> None:
        """`val_ds = Dataset(..., transform=train_tf)`, or a shared transform that augments."""
        if pipeline_split(self.facts, call, include_self=True) != "eval":
            return
        name = dotted(transform)
        split = name_split(name)
        if self._self_supervised(call) or _SELF_SUPERVISED.search(name):
            return
        if split == "train" or (split is None and self._augments(transform, call)):
            self.report(call, DATASET_MESSAGE.format(name=name))

    def _augments(self, transform: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """Whether a transform name was built with random steps that no eval context flagged already."""
        found = _Calls()
        for value in self.facts.assigned_values(transform, at):
            value.visit(found)
        return any(
            self._random_transform(call) is not None and pipeline_split(self.facts, call) != "eval"
            for call in found.calls
        )

    def _inside_random_transform(self, node: cst.CSTNode) -> bool:
        """`RandomApply([ColorJitter(...)])`: the outer transform is the one reported."""
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, cst.Call) and self._random_transform(ancestor) is not None:
                return True
            if isinstance(ancestor, cst.BaseStatement):
                return False
        return False

    def _self_supervised(self, node: cst.CSTNode) -> bool:
        """The statement or function around `node` builds views for contrastive self-supervision."""
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, cst.SimpleStatementLine):
                return bool(_SELF_SUPERVISED.search(self.context.code_for(ancestor)))
        return False

    def _random_transform(self, call: cst.Call) -> str | None:
        """The short name of a random augmentation that `call` constructs, else None."""
        qualified = self.facts.call_name(call)
        if qualified is None or not qualified.startswith(_LIBRARIES):
            return None
        last = qualified.rsplit(".", 1)[-1]
        if qualified in _CREATE_TRANSFORM:
            flag = argument(call, None, "is_training")
            return last if isinstance(flag, cst.Name) and flag.value == "True" else None
        if last in _PROBABILITY_GATED:
            position = _PROBABILITY_GATED[last] if qualified.startswith("torchvision.") else None
            probability = number(argument(call, position, "p"))
            fixed = _always_applied(call) or probability in (0, 1)
            return None if fixed else last
        if last in _ALWAYS_RANDOM or (last.startswith("Random") and last[6:7].isupper()):
            return last
        return None


def _always_applied(call: cst.Call) -> bool:
    flag = argument(call, None, "always_apply")
    return isinstance(flag, cst.Name) and flag.value == "True"


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)
