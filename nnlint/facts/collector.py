"""One walk over the module that records parents, scopes, imports and assignments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from nnlint.facts.imports import ImportTable, dotted
from nnlint.facts.vocabulary import assume_torch_names
from nnlint.walk import walk

Scope = cst.Module | cst.FunctionDef | cst.Lambda


@dataclass(frozen=True)
class Binding:
    """`target = value`; for `a, b = value`, `index` is the target's position in the tuple."""

    target: str
    value: cst.BaseExpression
    index: int | None
    statement: cst.CSTNode


class _Collector:
    """Fills a Facts object in one walk: parents, source order, scopes, imports, assignments."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.stack: list[cst.CSTNode] = []
        self.scopes: list[Scope] = []
        self.classes: list[cst.ClassDef] = []

    def on_visit(self, node: cst.CSTNode) -> None:
        facts = self.facts
        facts._order[node] = len(facts._order)
        if self.stack:
            facts._parents[node] = self.stack[-1]
        self.stack.append(node)
        if isinstance(node, (cst.Module, cst.FunctionDef, cst.Lambda)):
            self.scopes.append(node)
        elif isinstance(node, cst.ClassDef):
            self.classes.append(node)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                self._bind(target.target, node.value, node)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self._bind(node.target, node.value, node)
        elif isinstance(node, cst.Import):
            facts.imports.add_import(node)
        elif isinstance(node, cst.ImportFrom):
            facts.imports.add_import_from(node)

    def on_leave(self, node: cst.CSTNode) -> None:
        self.stack.pop()
        if isinstance(node, (cst.Module, cst.FunctionDef, cst.Lambda)):
            self.scopes.pop()
        elif isinstance(node, cst.ClassDef):
            self.classes.pop()

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, statement: cst.CSTNode) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for index, element in enumerate(target.elements):
                self._record(element.value, value, index, statement)
        else:
            self._record(target, value, None, statement)

    def _record(self, target, value, index, statement) -> None:
        name = dotted(target)
        if name is None:
            return
        binding = Binding(name, value, index, statement)
        self.facts._bindings[self.scopes[-1]][name].append(binding)
        if name.startswith("self.") and self.classes:
            self.facts._attributes[self.classes[-1]][name[5:]].append(binding)


class Facts:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.project = None  # the file's ProjectView (nnlint.project): answers for names made elsewhere
        self.imports = ImportTable()
        self._parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._order: dict[cst.CSTNode, int] = {}
        self._bindings: dict[Scope, dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))
        self._attributes: dict[cst.ClassDef, dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))
        collector = _Collector(self)
        walk(module, collector.on_visit, collector.on_leave)
        assume_torch_names(self.imports, list(self._order))

    # names -----------------------------------------------------------------
    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        return self.imports.qualify(expr)

    def call_name(self, call: cst.Call) -> str | None:
        return self.imports.qualify(call.func)

    # tree ------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def nodes(self) -> Iterator[cst.CSTNode]:
        """Every node of the module in pre-order (source order), as the one walk met them."""
        return iter(self._order)

    def order(self, node: cst.CSTNode) -> int:
        """Position of `node` in source order (pre-order), to tell what happened before what."""
        return self._order[node]

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parent = self._parents.get(node)
        while parent is not None:
            yield parent
            parent = self._parents.get(parent)

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.ClassDef):
                return ancestor
        return None

    def scope_of(self, node: cst.CSTNode) -> Scope:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return ancestor
        return self.module

    # assignments -----------------------------------------------------------
    def bindings(self, name: str, at: cst.CSTNode) -> list[Binding]:
        """Assignments to `name` in the scope of `at`; names not bound there are looked up at module level.

        `self.x` also finds assignments in any method of the enclosing class (`__init__` usually).
        """
        if name.startswith("self."):
            cls = self.enclosing_class(at)
            return list(self._attributes[cls][name[5:]]) if cls is not None else []
        scope = self.scope_of(at)
        found = self._bindings.get(scope, {}).get(name)
        if found:
            return list(found)
        return list(self._bindings.get(self.module, {}).get(name, []))

    def assigned_values(self, expr: cst.BaseExpression, at: cst.CSTNode) -> list[cst.BaseExpression]:
        """The expressions a Name or `self.attr` was assigned from (whole right-hand sides only)."""
        name = dotted(expr)
        if name is None:
            return []
        return [b.value for b in self.bindings(name, at) if b.index is None]
