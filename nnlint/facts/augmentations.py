"""Which transform constructors draw random augmentation: torchvision (v1 and v2), albumentations, kornia, timm."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.collector import Facts

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


def random_augmentation(facts: Facts, call: cst.Call) -> str | None:
    """The short name of a random augmentation that `call` constructs, else None."""
    qualified = facts.call_name(call)
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
