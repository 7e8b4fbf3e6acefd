"""Import aliases: which dotted name a local name stands for."""

from __future__ import annotations

import builtins

import libcst as cst

_BUILTINS = frozenset(dir(builtins))


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while type(expr) is cst.Attribute:  # exact classes: `isinstance` on libcst's ABCs runs Python code
        parts.append(expr.attr.value)
        expr = expr.value
    if type(expr) is not cst.Name:
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


class ImportTable:
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        # `from .net import Net` -> {"Net": ".net.Net"}; resolved against the project by nnlint.project only
        self.relative: dict[str, str] = {}
        self.star: list[str] = []  # `from .layers import *` -> ".layers"

    def add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = full
            else:
                # `import torch.nn.functional` binds only `torch`.
                head = full.split(".")[0]
                self.aliases[head] = head

    def add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or isinstance(node.names, cst.ImportStar):
            self._add_project_import(node)
            return
        if node.module is None:
            return
        module = dotted(node.module)
        if module is None:
            return
        for local, name in _imported_names(node):
            self.aliases[local] = f"{module}.{name}"

    def _add_project_import(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        if module is None:
            return
        base = "." * len(node.relative) + module
        if isinstance(node.names, cst.ImportStar):
            self.star.append(base)
            return
        if not node.relative:
            return
        for local, name in _imported_names(node):
            self.relative[local] = f"{base}.{name}" if module else f"{base}{name}"

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """The dotted name `expr` refers to: `F.softmax` -> `torch.nn.functional.softmax`.

        Names that were not imported resolve only when they are builtins (`min` -> `builtins.min`).
        """
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head in self.aliases:
            base = self.aliases[head]
            return f"{base}.{rest}" if rest else base
        if not rest and head in _BUILTINS:
            return f"builtins.{head}"
        return None


def _imported_names(node: cst.ImportFrom) -> list[tuple[str, str]]:
    """(the name bound here, the imported name) for each name of `from m import a as b, c`."""
    found = []
    for alias in node.names:
        name = dotted(alias.name)
        if name is None:
            continue
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        found.append((local, name))
    return found
