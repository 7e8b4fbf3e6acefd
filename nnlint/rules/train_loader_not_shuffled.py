"""NN404: a training DataLoader that serves the samples in the same order every epoch."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.calls import argument, string
from nnlint.facts.imports import dotted
from nnlint.facts.modules import module_classes
from nnlint.facts.splits import split_of
from nnlint.rules.base import PendingFix, Rule

_STREAM_NAME = re.compile(r"iter|pipe|stream|shard", re.I)
_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
MESSAGE = (
    "this training DataLoader {how}, so every epoch sees the batches in the same order (often sorted by class "
    "or by file) and the gradient steps are correlated — pass `shuffle=True` (or a sampler)"
)


class TrainLoaderNotShuffled(Rule):
    code = "NN404"
    name = "train-loader-not-shuffled"
    summary = "A training `DataLoader` over a map-style dataset without `shuffle=True` or a sampler"
    triggers = ("DataLoader",)
    fix = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        if self.facts.call_name(node) not in _LOADERS or any(arg.star for arg in node.args):
            return
        dataset = argument(node, 0, "dataset")
        sampler, batch_sampler = argument(node, 3, "sampler"), argument(node, 4, "batch_sampler")
        if dataset is None or not _none(sampler) or not _none(batch_sampler):
            return
        shuffle = argument(node, 2, "shuffle")
        if shuffle is not None and not (isinstance(shuffle, cst.Name) and shuffle.value == "False"):
            return  # `shuffle=True`, or decided elsewhere (`shuffle=args.shuffle`, `shuffle=sampler is None`)
        if self._split(node, dataset) != "train" or self._iterable(dataset, node):
            return
        how = "is built with `shuffle=False`" if shuffle is not None else "is never shuffled"
        self.report(node, MESSAGE.format(how=how), self._shuffle(node, shuffle))

    def _split(self, call: cst.Call, dataset: cst.BaseExpression) -> str | None:
        """What the loader's name, its function (`train_dataloader`), its dataset or `train=True` say."""
        names = [dotted(dataset), self._bound_name(call)]
        function = self.facts.enclosing_function(call)
        if function is not None and isinstance(self.facts.parent(call), cst.Return):
            names.append(function.name.value)
        splits = {split_of(name) for name in names if name}
        if isinstance(dataset, cst.Call):
            flag = argument(dataset, None, "train")
            if isinstance(flag, cst.Name) and flag.value in ("True", "False"):
                splits.add("train" if flag.value == "True" else "eval")
            split = string(argument(dataset, None, "split"))
            if split:
                splits.add(split_of(split))
        splits.discard(None)
        return splits.pop() if len(splits) == 1 else None

    def _bound_name(self, call: cst.Call) -> str | None:
        parent = self.facts.parent(call)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            return dotted(parent.targets[0].target)
        return None

    def _iterable(self, dataset: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """An IterableDataset (of this file), a streamed dataset or a datapipe: no order a loader could shuffle."""
        if _STREAM_NAME.search(dotted(dataset) or ""):
            return True  # `train_iterator`, `train_pipe`, `stream`: torchtext datapipes, webdataset shards
        values = [dataset] if isinstance(dataset, cst.Call) else self.facts.assigned_values(dataset, at)
        classes = module_classes(self.facts)
        for value in values:
            if not isinstance(value, cst.Call):
                continue
            if isinstance(argument(value, None, "streaming"), cst.Name):
                return True
            cls = classes.get(dotted(value.func) or "") or self._local_class(dotted(value.func))
            if cls is not None and any("Iterable" in (dotted(base.value) or "") for base in cls.bases):
                return True
        return False

    def _local_class(self, name: str | None) -> cst.ClassDef | None:
        for node in self.facts.module.body:
            if isinstance(node, cst.ClassDef) and node.name.value == name:
                return node
        return None

    def _shuffle(self, call: cst.Call, shuffle: cst.BaseExpression | None) -> PendingFix | None:
        message = "Pass `shuffle=True`"
        if shuffle is not None:
            return self.replace(shuffle, "True", message)
        last = call.args[-1].value
        code = self.context.code_for(last)
        return None if "\n" in code else self.replace(last, f"{code}, shuffle=True", message)


def _none(expr: cst.BaseExpression | None) -> bool:
    return expr is None or isinstance(expr, cst.Name) and expr.value == "None"
