"""Ranges from the reported nodes' statements alone must be libcst's own ranges for the whole module."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from nnlint.chunked_parse import parse_module
from nnlint.positions import StatementRanges, full_ranges, node_ranges
from nnlint.walk import children, walk

REPO = Path(__file__).resolve().parents[1]

AWKWARD = '''#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Docstring."""

import torch ; import torch.nn as nn
x = 1 + \\
    2


@torch.no_grad()
def f(a,
      b=(1,
         2)):  # comment
    s = """multi
line"""
    if a: return b
    # indented comment after the body

# a comment between statements
class M(nn.Module):
    def forward(self, x):
        return x.view(-1)
y = [
    1,
]'''


def _every_node(module: cst.Module) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    walk(module, found.append)
    return found


def _statement_of(module: cst.Module) -> dict[int, cst.CSTNode]:
    """id of each node -> the top-level statement holding it."""
    owner = {}
    for statement in module.body:
        walk(statement, lambda node, statement=statement: owner.setdefault(id(node), statement))
    return owner


SOURCES = [
    AWKWARD,
    AWKWARD.replace("\n", "\r\n"),
    AWKWARD.replace("\n", "\r"),
    AWKWARD + "\n",
    "if True:\n\tx = 1\n\ty = 2\n",  # tab indents
    (REPO / "examples" / "train.py").read_text(encoding="utf-8"),
    (REPO / "nnlint" / "engine.py").read_text(encoding="utf-8"),
]


@pytest.mark.parametrize("source", SOURCES, ids=range(len(SOURCES)))
def test_each_statement_alone_gives_the_full_ranges(source):
    module = parse_module(source)
    full = full_ranges(module)
    owner = _statement_of(module)
    for statement in module.body:
        ranges = node_ranges(module, [statement])
        for node in _every_node(statement):
            assert ranges[node] == full[node]
    # several statements at once, out of order: the last two and the first
    chosen = [*module.body[-2:], module.body[0]]
    ranges = node_ranges(module, chosen)
    for node in _every_node(module):
        if id(node) in owner and any(owner[id(node)] is statement for statement in chosen):
            assert ranges[node] == full[node]


def test_nodes_outside_the_statements_asked_for_have_no_range():
    module = parse_module("a = 1\nb = 2\n")
    ranges = node_ranges(module, [module.body[1]])
    assert module.body[0] not in ranges and module.body[1] in ranges
    assert list(children(module.body[1]))[0] in ranges


@pytest.mark.parametrize("source", SOURCES, ids=range(len(SOURCES)))
def test_statement_ranges_one_node_at_a_time_give_the_full_ranges(source):
    module = parse_module(source)
    full = full_ranges(module)
    ranges = StatementRanges(module)
    for statement in reversed(module.body):  # any order: each statement starts where plain codegen says
        for node in _every_node(statement):
            assert ranges.range_of(node, statement) == full[node]
    assert ranges.range_of(module.body[0], module) is None  # not a statement of the body
