"""NN402: random augmentation in the transform of a validation or test dataset."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.augmentations import random_augmentation
from nnlint.facts.calls import argument
from nnlint.facts.imports import dotted
from nnlint.facts.passed_values import Source, sources
from nnlint.facts.pipeline_split import name_split, pipeline_split
from nnlint.rules.base import Rule

_TRANSFORM_KEYWORDS = frozenset({"transform", "transforms"})
# Contrastive / multi-view self-supervision needs random views at validation time too.
_SELF_SUPERVISED = re.compile(r"contrast|multi_?view|two_?crop|n_?views|simclr|byol|moco|dino|swav|barlow", re.I)

MESSAGE = (
    "`{name}` is random augmentation in a validation/test pipeline: metrics become noisy and pessimistic "
    "— evaluate with deterministic transforms (resize, center crop, normalize)"
)
LOADER_MESSAGE = (
    "this validation/test loader draws from `{dataset}`, which the training pipeline built with the augmenting "
    "transform `{transform}`: metrics become noisy and pessimistic — give the validation data its own dataset "
    "with a deterministic eval transform"
)
_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
# Views of another dataset: the validation part of a split keeps the whole dataset's transform.
_SUBSETS = frozenset({"torch.utils.data.Subset", "torch.utils.data.random_split", "torch.utils.data.dataset.Subset"})
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
        name = random_augmentation(self.facts, node)
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
        elif self.facts.call_name(node) in _LOADERS:
            self._check_eval_loader(node)

    def _check_eval_loader(self, loader: cst.Call) -> None:
        """`valid_loader = DataLoader(train_set, sampler=valid_sampler)`, or a loader over the validation part
        of `random_split(train_dataset)`: validation batches drawn from a dataset that augments."""
        dataset = argument(loader, 0, "dataset")
        if dataset is None or pipeline_split(self.facts, loader, include_self=True) != "eval":
            return
        name = dotted(dataset)
        for source in sources(self.facts, dataset, loader):
            base = self._split_from(source.value)
            if base is None and name is not None and name_split(name) != "train":
                continue  # `val_ds` itself: a dataset of its own, checked where it is built
            for constructed in sources(self.facts, base.value, base.at) if base is not None else [source]:
                transform = self._augmenting_transform(constructed.value)
                if transform is not None:
                    self.report(loader, LOADER_MESSAGE.format(dataset=name or "the dataset", transform=transform))
                    return

    def _split_from(self, value: cst.BaseExpression) -> Source | None:
        """For `Subset(ds, idx)` / `random_split(ds, ...)`, `ds` and where to read it; else None."""
        if isinstance(value, cst.Call) and self.facts.call_name(value) in _SUBSETS:
            whole = argument(value, 0, "dataset")
            return Source(whole, value) if whole is not None else None
        return None

    def _augmenting_transform(self, value: cst.BaseExpression) -> str | None:
        """The name of the transform a dataset constructor was given, when it augments at random and the
        dataset is not itself a validation/test one (those are reported where they are built)."""
        if not isinstance(value, cst.Call) or pipeline_split(self.facts, value, include_self=True) == "eval":
            return None
        transform = next((a.value for a in value.args if a.keyword and a.keyword.value in _TRANSFORM_KEYWORDS), None)
        name = dotted(transform) if transform is not None else None
        if name is None or _SELF_SUPERVISED.search(name):
            return None
        return name if self._augments(transform, value) else None

    def _check_eval_dataset(self, call: cst.Call, transform: cst.BaseExpression) -> None:
        """`val_ds = Dataset(..., transform=train_tf)`, or a shared transform that augments."""
        if pipeline_split(self.facts, call, include_self=True) != "eval":
            return
        name = dotted(transform)
        if self._self_supervised(call) or _SELF_SUPERVISED.search(name):
            return
        split = name_split(name)
        if split == "train" or (split is None and self._augments(transform, call)):
            self.report(call, DATASET_MESSAGE.format(name=name))

    def _augments(self, transform: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """Whether a transform name was built with random steps that no eval context flagged already."""
        found = _Calls()
        for value in self.facts.assigned_values(transform, at):
            value.visit(found)
        return any(
            random_augmentation(self.facts, call) is not None and pipeline_split(self.facts, call) != "eval"
            for call in found.calls
        )

    def _inside_random_transform(self, node: cst.CSTNode) -> bool:
        """`RandomApply([ColorJitter(...)])`: the outer transform is the one reported."""
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, cst.Call) and random_augmentation(self.facts, ancestor) is not None:
                return True
            if isinstance(ancestor, cst.BaseStatement):
                return False
        return False

    def _self_supervised(self, node: cst.CSTNode) -> bool:
        """The statement around `node` builds views for contrastive self-supervision."""
        for ancestor in self.facts.ancestors(node):
            if isinstance(ancestor, cst.SimpleStatementLine):
                return bool(_SELF_SUPERVISED.search(self.context.code_for(ancestor)))
        return False


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)
