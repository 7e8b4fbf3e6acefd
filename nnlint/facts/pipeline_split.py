"""Which split a piece of a data pipeline serves, read from the code around it.

`val_tf = Compose([...])`, `{"val": Compose([...])}`, `CIFAR10(..., train=False, transform=...)`,
`val_transform=...`, `def val_dataloader(self): ...` and the `else` branch of `if is_train:` all say
"eval"; the innermost of these decides, so `val_ds = Dataset(train=True, ...)` reads as train.
"""

from __future__ import annotations

from typing import Literal

import libcst as cst

from nnlint.facts.calls import string
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.splits import split_of

Split = Literal["train", "eval"]

_FLAG_KEYWORDS = frozenset({"train", "is_train", "training", "is_training"})
_SPLIT_KEYWORDS = frozenset({"split", "image_set", "subset", "mode", "phase", "stage"})
_PIPELINE_WORDS = ("transform", "tf", "tfm", "aug", "loader", "dataloader", "dl", "dataset", "ds", "data", "preprocess")
_FLIPPED: dict[str | None, Split | None] = {"train": "eval", "eval": "train", None: None}


def name_split(identifier: str) -> Split | None:
    """`val_tf` -> eval, `train_transform` -> train; None when a name says neither or both (`train_val_tf`).

    Test-time augmentation (`tta_transform`, `test_time_aug`) is random on purpose and says neither.
    """
    lowered = identifier.rsplit(".", 1)[-1].lower()
    if "tta" in lowered.split("_") or "test_time" in lowered:
        return None
    found = {split_of(part) for part in lowered.split("_")} - {None}
    return found.pop() if len(found) == 1 else None


def pipeline_split(facts: Facts, node: cst.CSTNode, include_self: bool = False) -> Split | None:
    """The split that the code around `node` says it serves, up to its enclosing function's name."""
    child = node
    if include_self:
        found = _call_split(node) if isinstance(node, cst.Call) else None
        if found is not None:
            return found
    for ancestor in facts.ancestors(node):
        found = _says(ancestor, child)
        if found is not None:
            return found
        if isinstance(ancestor, cst.FunctionDef):
            return None
        child = ancestor
    return None


def _says(node: cst.CSTNode, child: cst.CSTNode) -> Split | None:
    if isinstance(node, cst.DictElement) and child is node.value:
        key = string(node.key)
        return name_split(key) if key is not None else None
    if isinstance(node, cst.Arg) and node.keyword is not None:
        return name_split(node.keyword.value)
    if isinstance(node, cst.Call):
        return _call_split(node)
    if isinstance(node, cst.Assign):
        return _targets_split([target.target for target in node.targets])
    if isinstance(node, cst.AnnAssign):
        return _targets_split([node.target])
    if isinstance(node, (cst.If, cst.IfExp)):
        return _branch_split(node, child)
    if isinstance(node, cst.FunctionDef):
        return _function_split(node.name.value)
    return None


def _function_split(name: str) -> Split | None:
    """`val_dataloader`, `get_valid_transforms`: a function that builds a pipeline says which one.

    Other functions do not: `eval_robustness` may apply random transforms on purpose, and `test_crop`
    is a pytest test, not a test split.
    """
    if name.startswith("test") and name != "test_dataloader":
        return None
    words = name.lower().split("_")
    if not any(word.startswith(_PIPELINE_WORDS) for word in words):
        return None
    return name_split(name)


def _call_split(call: cst.Call) -> Split | None:
    """`CIFAR10(train=False)` -> eval, `VOCDetection(image_set="val")` -> eval."""
    for arg in call.args:
        if arg.keyword is None:
            continue
        keyword = arg.keyword.value
        if keyword in _FLAG_KEYWORDS and isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False"):
            return "train" if arg.value.value == "True" else "eval"
        if keyword in _SPLIT_KEYWORDS:
            value = string(arg.value)
            if value is not None:
                return name_split(value)
    return None


def _targets_split(targets: list[cst.BaseExpression]) -> Split | None:
    names = [dotted(target) for target in targets]
    splits = {name_split(name) for name in names if name is not None}
    return splits.pop() if len(splits) == 1 else None


def _branch_split(node: cst.If | cst.IfExp, child: cst.CSTNode) -> Split | None:
    """`if is_train:` body is train and its `else` eval; `x if split == "val" else y` likewise."""
    if child is node.test:
        return None
    tested = _test_split(node.test)
    return tested if child is node.body else _FLIPPED[tested]


def _test_split(test: cst.BaseExpression) -> Split | None:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _FLIPPED[_test_split(test.expression)]
    if isinstance(test, (cst.Name, cst.Attribute)):
        name = dotted(test)
        return name_split(name) if name is not None else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        value = string(target.comparator) or string(test.left)
        if value is None:
            return None
        split = name_split(value)
        if isinstance(target.operator, cst.Equal):
            return split
        if isinstance(target.operator, cst.NotEqual):
            return _FLIPPED[split]
    return None
