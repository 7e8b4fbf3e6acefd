"""The source ranges of a few nodes, without generating positions for the whole module.

libcst's PositionProvider generates the module's code and records a range for every node: about nine times
the cost of generating the code alone, paid for every file with a finding. Here only the top-level
statements that hold the nodes asked about are generated with positions; the code before them just moves
the line and column along, token by token as the provider itself does, so the ranges are the provider's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import (
    PositionProvidingCodegenState,
    WhitespaceInclusivePositionProvidingCodegenState,
)


class _Advance(WhitespaceInclusivePositionProvidingCodegenState):
    """Follows the line and column over the generated tokens; records no node."""

    def before_codegen(self, node: cst.CSTNode) -> None:
        pass

    def after_codegen(self, node: cst.CSTNode) -> None:
        pass


def node_ranges(module: cst.Module, statements: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """PositionProvider's ranges for every node inside `statements` (top-level statements of `module`)."""
    wanted = {id(statement) for statement in statements}
    provider = PositionProvider()
    provider._computed = {}
    indent, newline = module.default_indent, module.default_newline
    advance = _Advance(default_indent=indent, default_newline=newline, provider=None)
    for line in module.header:
        line._codegen(advance)
    for statement in module.body:
        if not wanted:
            break
        if id(statement) not in wanted:
            statement._codegen(advance)
            continue
        wanted.discard(id(statement))
        state = PositionProvidingCodegenState(
            default_indent=indent, default_newline=newline, provider=provider, line=advance.line,
            column=advance.column,
        )
        statement._codegen(state)
        advance.line, advance.column = state.line, state.column
    return provider._computed


class StatementRanges:
    """Ranges asked for one node at a time: each top-level statement generated with positions when first
    asked about, from line and column starts found by one pass of plain code generation."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._starts: dict[int, tuple[int, int]] | None = None  # by id() of the statement
        self._provider = PositionProvider()
        self._provider._computed = {}
        self._generated: set[int] = set()

    def range_of(self, node: cst.CSTNode, statement: cst.CSTNode) -> CodeRange | None:
        """`node`'s range, `statement` being the top-level statement that holds it; None if it does not."""
        if id(statement) not in self._generated:
            start = self._statement_starts().get(id(statement))
            if start is None:
                return None
            state = PositionProvidingCodegenState(
                default_indent=self.module.default_indent, default_newline=self.module.default_newline,
                provider=self._provider, line=start[0], column=start[1],
            )
            statement._codegen(state)
            self._generated.add(id(statement))
        return self._provider._computed.get(node)

    def _statement_starts(self) -> dict[int, tuple[int, int]]:
        if self._starts is None:
            module = self.module
            advance = _Advance(default_indent=module.default_indent, default_newline=module.default_newline,
                               provider=None)
            for line in module.header:
                line._codegen(advance)
            self._starts = {}
            for statement in module.body:
                self._starts[id(statement)] = (advance.line, advance.column)
                statement._codegen(advance)
        return self._starts


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
