"""`# noqa` on a line (flake8/Ruff compatible) and `# nnlint: noqa` for a whole file."""

from __future__ import annotations

import textwrap

import pytest

from nnlint.engine import Selection, lint_source
from nnlint.rules import catalogue


def codes_and_rows(source: str) -> list[tuple[str, int]]:
    # every rule but NN003, which would report the comments that silence nothing (tests/rules/test_nn003...)
    selection = Selection(frozenset(catalogue()) - {"NN003"})
    diagnostics = lint_source("t.py", textwrap.dedent(source).lstrip("\n"), selection)
    return [(d.code, d.location.row) for d in diagnostics]


BODY = """
import torch
import torch.nn.functional as F


def step(model, x, y):
    b, c, h, w = x.shape
    y2 = x.view(b, h, w, c){noqa}
    loss = torch.clamp(F.cross_entropy(model(x), y), max=5.0)
"""


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("", [("NN101", 7), ("NN205", 8)]),
        ("  # noqa: NN101", [("NN205", 8)]),
        ("  # noqa", [("NN205", 8)]),
        ("  # NOQA:NN101", [("NN205", 8)]),
        ("  # noqa: E501, NN101", [("NN205", 8)]),  # flake8 and Ruff codes side by side
        ("  # noqa: NN205", [("NN101", 7), ("NN205", 8)]),  # another rule's code silences nothing here
        ("  # noqa: E501", [("NN101", 7), ("NN205", 8)]),
        ("  # type: ignore  # noqa: NN101", [("NN205", 8)]),
    ],
)
def test_line_noqa(comment, expected):
    assert codes_and_rows(BODY.format(noqa=comment)) == expected


def test_noqa_on_any_line_of_a_multi_line_statement():
    source = """
        import torch
        import torch.nn.functional as F

        def step(model, x, y):
            loss = torch.clamp(
                F.cross_entropy(model(x), y),
                max=5.0,
            )  # noqa: NN205
    """
    assert codes_and_rows(source) == []


def test_noqa_inside_a_string_is_not_a_comment():
    source = """
        import torch

        def f(x):
            b, c = x.shape
            return x.view(c, b), "# noqa"
    """
    assert codes_and_rows(source) == [("NN101", 5)]


def test_file_level_noqa():
    assert codes_and_rows("# nnlint: noqa\n" + BODY.format(noqa="")) == []


def test_file_level_noqa_for_some_codes():
    source = "#!/usr/bin/env python\n# nnlint: noqa: NN205\n" + BODY.format(noqa="")
    assert codes_and_rows(source) == [("NN101", 10)]


def test_file_level_comment_after_code_counts_only_as_a_line_comment():
    source = BODY.format(noqa="") + "# nnlint: noqa\n"
    assert codes_and_rows(source) == [("NN101", 7), ("NN205", 8)]
