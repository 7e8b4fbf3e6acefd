"""Which data split a name refers to: `train_loader` -> train, `val_ds`/`test_loader`/`dev_set` -> eval."""

from __future__ import annotations

import re

_EVAL = re.compile(r"(^|_)(val|valid|validation|eval|evaluation|test|testing|dev|holdout|heldout)(_|$|\d)", re.I)
_TRAIN = re.compile(r"(^|_)(train|training|trn)(_|$|\d)", re.I)


def split_of(identifier: str) -> str | None:
    """"train", "eval" or None for names that say neither (`loader`, `batches`)."""
    last = identifier.rsplit(".", 1)[-1]
    if _EVAL.search(last):
        return "eval"
    if _TRAIN.search(last):
        return "train"
    return None
