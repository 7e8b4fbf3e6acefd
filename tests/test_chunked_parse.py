"""Large files are parsed in pieces (bounded memory); the tree must be the one a single parse gives."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from nnlint.chunked_parse import _pieces, parse_module

REPO = Path(__file__).resolve().parents[1]

AWKWARD = '''"""Module docstring."""
# a header comment

import torch


def first(x):
    return x.view(-1)
    # an indented comment after the body

# a comment between functions
@torch.no_grad()
@staticmethod
def decorated(x):
    return x


TEXT = """
def not_a_function():
    pass
class NotAClass:
"""
value = 1 + \\
    2


class Model(torch.nn.Module):
    def forward(self, x):
        b, c, h, w = x.shape
        return x.view(b, h, w, c)
async def later():
    await something()
# a trailing comment
'''


def _same_as_one_parse(source: str, piece_chars: int) -> None:
    whole = cst.parse_module(source)
    pieced = parse_module(source, piece_chars=piece_chars)
    assert pieced.code == source
    assert pieced.deep_equals(whole)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("indent", ["    ", "\t", "  "])
def test_awkward_module_in_tiny_pieces(newline, indent):
    source = AWKWARD.replace("    ", indent).replace("\n", newline)
    assert len(_pieces(source, 40)) > 3  # it really is split
    for piece_chars in (10, 40, 120):
        _same_as_one_parse(source, piece_chars)


def test_a_boundary_inside_a_string_falls_back_to_one_parse():
    source = 'x = """\n' + "def inside_the_string():\n    pass\n" * 20 + '"""\n' + "def f():\n    pass\n" * 20
    assert len(_pieces(source, 30)) > 1
    _same_as_one_parse(source, 30)


def test_the_project_sources_in_small_pieces():
    for path in sorted([*REPO.joinpath("nnlint").rglob("*.py"), *REPO.joinpath("examples").rglob("*.py")]):
        _same_as_one_parse(path.read_text(encoding="utf-8"), 300)


def test_small_files_are_parsed_whole():
    assert _pieces("def f():\n    pass\n" * 100, 24_000) == ["def f():\n    pass\n" * 100]
