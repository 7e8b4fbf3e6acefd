"""Which data split a name refers to: `train_loader` -> train, `val_ds`/`test_loader`/`dev_set` -> eval."""

from __future__ import annotations

import re

# Forum spellings glue the split to the data word: `trainloader`, `testset`, `valloader`, `evaldata`.
_DATA_WORD = r"loader|dataloader|set|dataset|data|dl|ds|iter|batches|samples"
_EVAL = re.compile(
    rf"(^|_)(val|valid|validation|eval|evaluation|test|testing|dev|holdout|heldout)(_|$|\d|{_DATA_WORD})", re.I
)
_TRAIN = re.compile(rf"(^|_)(train|training|trn)(_|$|\d|{_DATA_WORD})", re.I)


def split_of(identifier: str) -> str | None:
    """"train", "eval" or None for names that say neither (`loader`, `batches`)."""
    last = identifier.rsplit(".", 1)[-1]
    if _EVAL.search(last):
        return "eval"
    if _TRAIN.search(last):
        return "train"
    return None
