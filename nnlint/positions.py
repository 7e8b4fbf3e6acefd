"""The source ranges of a few nodes, without generating positions for the whole module.

libcst's PositionProvider generates the module's code and records a range for every node: about nine times
the cost of generating the code alone, paid for every file with a finding. Here the provider runs on a
module made of the one top-level statement that holds the nodes asked about (every top-level statement
starts at column 0), and the lines before that statement are counted in the module's plain code
(`Module.code_for_node`); each range is the provider's own, moved down by those lines. Only libcst's
public API is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

_LINE_BREAK = re.compile(r"\r\n?|\n")  # the line breaks PositionProvider counts


def _line_breaks(module: cst.Module, node: cst.CSTNode) -> int:
    return len(_LINE_BREAK.findall(module.code_for_node(node)))


def _statements_with_lines_before(module: cst.Module) -> Iterator[tuple[cst.CSTNode, int]]:
    """Each top-level statement, with the number of the module's lines before it."""
    lines = sum(_line_breaks(module, line) for line in module.header)
    for statement in module.body:
        yield statement, lines
        lines += _line_breaks(module, statement)


class _StatementAlone:
    """The ranges of the nodes of one top-level statement, and how many lines of the module come before it."""

    def __init__(self, module: cst.Module, statement: cst.CSTNode, lines_before: int) -> None:
        alone = module.with_changes(header=(), body=(statement,), footer=())
        self.ranges = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
        self.made_up = alone  # not a node of the file: it has no range here
        self.lines_before = lines_before

    def nodes(self) -> Iterator[cst.CSTNode]:
        return (node for node in self.ranges if node is not self.made_up)

    def range_of(self, node: cst.CSTNode) -> CodeRange | None:
        found = self.ranges.get(node) if node is not self.made_up else None
        if found is None or not self.lines_before:
            return found
        return CodeRange(CodePosition(found.start.line + self.lines_before, found.start.column),
                         CodePosition(found.end.line + self.lines_before, found.end.column))


class _Ranges(Mapping):
    """node -> range, for the nodes of the statements measured: a range is moved down only when read."""

    def __init__(self, statements: list[_StatementAlone]) -> None:
        self._statements = statements  # a few: those holding a finding

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        for alone in self._statements:
            found = alone.range_of(node)
            if found is not None:
                return found
        raise KeyError(node)

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return (node for alone in self._statements for node in alone.nodes())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def node_ranges(module: cst.Module, statements: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """PositionProvider's ranges for every node inside `statements` (top-level statements of `module`)."""
    wanted = {id(statement) for statement in statements}
    measured: list[_StatementAlone] = []
    for statement, lines_before in _statements_with_lines_before(module):
        if not wanted:
            break  # the code after the last statement asked about is never generated
        if id(statement) in wanted:
            wanted.discard(id(statement))
            measured.append(_StatementAlone(module, statement, lines_before))
    return _Ranges(measured)


class StatementRanges:
    """Ranges asked for one node at a time: each top-level statement measured when first asked about."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._lines_before: dict[int, int] | None = None  # by id() of the statement
        self._measured: dict[int, _StatementAlone] = {}

    def range_of(self, node: cst.CSTNode, statement: cst.CSTNode) -> CodeRange | None:
        """`node`'s range, `statement` being the top-level statement that holds it; None if it does not."""
        alone = self._measured.get(id(statement))
        if alone is None:
            lines_before = self._statement_lines().get(id(statement))
            if lines_before is None:
                return None
            alone = self._measured[id(statement)] = _StatementAlone(self.module, statement, lines_before)
        return alone.range_of(node)

    def _statement_lines(self) -> dict[int, int]:
        if self._lines_before is None:
            self._lines_before = {id(statement): lines
                                  for statement, lines in _statements_with_lines_before(self.module)}
        return self._lines_before


def top_statement(facts, node: cst.CSTNode) -> cst.CSTNode | None:
    """The statement of the module's body that holds `node` (or is it), by the facts' parents; None when
    they cannot tell (the module itself, trivia, a node from elsewhere)."""
    module = facts.module
    parent = facts.parent(node)
    while parent is not None and parent is not module:
        node, parent = parent, facts.parent(parent)
    return node if parent is module else None


def full_ranges(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
