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


def full_ranges(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
