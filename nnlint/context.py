"""Everything a rule may look at for one file: its path, text, parsed module and shared facts."""

from __future__ import annotations

from functools import cached_property

import libcst as cst

from nnlint.facts import Facts


class FileContext:
    def __init__(self, path: str, source: str, module: cst.Module) -> None:
        self.path = path
        self.source = source
        self.module = module

    @cached_property
    def facts(self) -> Facts:
        return Facts(self.module)

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)
