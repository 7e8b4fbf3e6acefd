"""NN403: ImageNet-pretrained weights fed inputs normalised with other statistics."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.elsewhere import describe
from nnlint.facts.normalization import is_imagenet, normalize_statistics
from nnlint.facts.pretrained import PretrainedLoaders
from nnlint.rules.base import Rule

# A file that spells out ImageNet's statistics somewhere knows them; its other Normalize serves other inputs.
_IMAGENET_SPELLED = ("0.485", "IMAGENET_DEFAULT_MEAN", "IMAGENET_MEAN")

MESSAGE = (
    "inputs are normalised with mean {mean} / std {std}, but `{loader}` loads ImageNet-pretrained weights "
    "that expect mean (0.485, 0.456, 0.406) / std (0.229, 0.224, 0.225) — normalise with ImageNet's "
    "statistics (or use the weights' own `transforms()`)"
)


class PretrainedOtherNormalization(Rule):
    code = "NN403"
    name = "pretrained-other-normalization"
    summary = "ImageNet-pretrained weights loaded, but inputs normalised with other statistics"
    triggers = ("ormalize",)

    def __init__(self, context) -> None:
        super().__init__(context)
        self.loaders = PretrainedLoaders(self.facts)
        self.candidates: list[tuple[cst.Call, str, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.loaders.see(node)
        statistics = normalize_statistics(self.facts, node)
        if statistics is not None and not is_imagenet(*statistics):
            self.candidates.append((node, _show(statistics[0]), _show(statistics[1])))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self.candidates or any(text in self.context.source for text in _IMAGENET_SPELLED):
            return
        loader = self.loaders.only_imagenet_loader()
        if loader is None:
            return
        where = self.loaders.elsewhere  # the first ImageNet loader is a project function's or class's
        if where is not None and where.label != loader:
            where = None
        note = f" (the weights are loaded by {describe(where)})" if where is not None else ""
        for node, mean, std in self.candidates:
            self.report(node, MESSAGE.format(mean=mean, std=std, loader=loader) + note, related=where)


def _show(values: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"
