"""A batch of files runs with fewer garbage collections; the interpreter's settings come back afterwards."""

from __future__ import annotations

import gc

import pytest

from nnlint.batch_gc import tuned_for_batch


def test_collections_are_rarer_inside_and_settings_restored_after():
    before = gc.get_threshold()
    with tuned_for_batch():
        assert gc.get_threshold()[0] > before[0]
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_settings_restored_when_the_batch_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), tuned_for_batch():
        raise RuntimeError("a worker died")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
