"""Everything a rule may look at for one file: its path, text, parsed module and shared facts."""

from __future__ import annotations

from functools import cached_property

import libcst as cst

from nnlint.facts import Facts


class FileContext:
    def __init__(self, path: str, source: str, module: cst.Module, project=None) -> None:
        self.path = path
        self.source = source
        self.module = module
        self.project = project  # a nnlint.project.view.ProjectView, or None: this file's own functions only

    @cached_property
    def facts(self) -> Facts:
        facts = Facts(self.module)
        facts.project = self.project
        if self.project is not None:
            self.project.source = self.source
        return facts

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)
