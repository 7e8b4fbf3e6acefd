"""The contract every rule follows.

A rule is a libcst batchable visitor: the engine parses a file once and runs every selected rule in one
traversal. A rule reports nodes; the engine turns them into ranges only when something was reported, so a
clean file never pays for position metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from nnlint.diagnostic import Applicability
from nnlint.rule_info import GROUPS, RuleInfo  # noqa: F401 - re-exported: their old home

if TYPE_CHECKING:
    from nnlint.context import FileContext
    from nnlint.facts import Facts


@dataclass(frozen=True)
class NodeEdit:
    """Replace `node`'s source text with `replacement`, resolved to rows and columns by the engine."""

    node: cst.CSTNode
    replacement: str


@dataclass(frozen=True)
class PendingFix:
    applicability: Applicability
    message: str
    edits: tuple[NodeEdit, ...]


@dataclass(frozen=True)
class Report:
    node: cst.CSTNode
    message: str
    fix: PendingFix | None
    related: object = None  # a project `Where` in another function or file that the message names


class Rule(cst.BatchableCSTVisitor):
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, stable: "view-as-permute"
    summary: ClassVar[str]  # one line for tables and SARIF
    triggers: ClassVar[tuple[str, ...]]  # substrings; a file containing none is never parsed
    fix: ClassVar[Applicability | None] = None
    default_enabled: ClassVar[bool] = True

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self.reports: list[Report] = []

    @cached_property  # read on every hook call: after the first, a plain attribute
    def facts(self) -> Facts:
        """The file's shared facts, built on the first rule's first question (not for every parsed file)."""
        return self.context.facts

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(cls.code, cls.name, cls.summary, cls.fix, cls.default_enabled)

    def report(self, node: cst.CSTNode, message: str, fix: PendingFix | None = None, related=None) -> None:
        self.reports.append(Report(node, message, fix, related))

    def replace(self, node: cst.CSTNode, replacement: cst.CSTNode | str, message: str) -> PendingFix:
        """A one-edit fix that replaces `node`; `fix` (the class attribute) gives its applicability."""
        assert self.fix is not None, f"{self.code} declares no fix"
        text = replacement if isinstance(replacement, str) else self.context.code_for(replacement)
        return PendingFix(self.fix, message, (NodeEdit(node, text),))
