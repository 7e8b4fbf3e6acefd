"""The source ranges of a few nodes, without generating positions for the whole module.

libcst's PositionProvider generates the module's code and records a range for every node: about nine times
the cost of generating the code alone, paid for every file with a finding. Here only the top-level
statements that hold the nodes asked about are generated with positions; the code before them is generated
plainly and only moves the line and column, as the provider's state moves them, so the ranges are its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _Cursor:
    """Where the module's generated code has got to, and the provider that records ranges from there."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.provider = PositionProvider()
        self.provider._computed = {}
        self.line, self.column = 1, 0  # as the provider's state starts

    def skip(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Move past the code of `nodes`, recording nothing."""
        plain = CodegenState(default_indent=self.module.default_indent, default_newline=self.module.default_newline)
        for node in nodes:
            node._codegen(plain)
        state = self._state()
        text = "".join(plain.tokens)
        if "\r" in text:  # a "\r" ending one token and a "\n" opening the next are two line breaks to it
            for token in plain.tokens:
                state._update_position(token)
        else:  # "\n" only: one pass over the joined text moves it exactly as token by token
            state._update_position(text)
        self.line, self.column = state.line, state.column

    def record(self, statement: cst.CSTNode) -> None:
        """Generate `statement` with positions, recording the range of every node in it."""
        state = self._state()
        statement._codegen(state)
        self.line, self.column = state.line, state.column

    def _state(self) -> PositionProvidingCodegenState:
        return PositionProvidingCodegenState(
            default_indent=self.module.default_indent, default_newline=self.module.default_newline,
            provider=self.provider, line=self.line, column=self.column,
        )


def node_ranges(module: cst.Module, statements: Iterable[cst.CSTNode]) -> Mapping[cst.CSTNode, CodeRange]:
    """PositionProvider's ranges for every node inside `statements` (top-level statements of `module`)."""
    wanted = {id(statement) for statement in statements}
    cursor = _Cursor(module)
    skipped: list[cst.CSTNode] = list(module.header)
    for statement in module.body:
        if not wanted:
            break
        if id(statement) not in wanted:
            skipped.append(statement)
            continue
        wanted.discard(id(statement))
        cursor.skip(skipped)
        skipped = []
        cursor.record(statement)
    return cursor.provider._computed


class StatementRanges:
    """Ranges asked for one node at a time: each top-level statement generated with positions when first
    asked about, from where one plain generation of the module says it starts."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._starts: dict[int, tuple[int, int]] | None = None  # by id() of the statement
        self._cursor = _Cursor(module)
        self._generated: set[int] = set()

    def range_of(self, node: cst.CSTNode, statement: cst.CSTNode) -> CodeRange | None:
        """`node`'s range, `statement` being the top-level statement that holds it; None if it does not."""
        if id(statement) not in self._generated:
            start = self._statement_starts().get(id(statement))
            if start is None:
                return None
            self._cursor.line, self._cursor.column = start
            self._cursor.record(statement)
            self._generated.add(id(statement))
        return self._cursor.provider._computed.get(node)

    def _statement_starts(self) -> dict[int, tuple[int, int]]:
        if self._starts is None:
            cursor = _Cursor(self.module)  # its own: recording moves the shared one
            cursor.skip(self.module.header)
            self._starts = {}
            for statement in self.module.body:
                self._starts[id(statement)] = (cursor.line, cursor.column)
                cursor.skip([statement])
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
