"""One walk over the module that records parents, scopes, imports and assignments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from nnlint.facts.imports import ImportTable, dotted
from nnlint.facts.vocabulary import assume_torch_names
from nnlint.walk import SYNTAX_TYPES, syntax_fields

Scope = cst.Module | cst.FunctionDef | cst.Lambda


@dataclass(frozen=True)
class Binding:
    """`target = value`; for `a, b = value`, `index` is the target's position in the tuple."""

    target: str
    value: cst.BaseExpression
    index: int | None
    statement: cst.CSTNode


class _Collector:
    """Fills a Facts object in one walk: parents, source order, scopes, imports, assignments.

    The walk leaves out trivia (whitespace, comments, punctuation: see `nnlint.walk.TRIVIA`) and finds each
    node's handler by its exact class: libcst's node classes are ABCs, whose `isinstance` runs Python code,
    and the parser builds leaf classes only. Nodes are keyed by `id()`: `CSTNode.__hash__` is Python code
    too, and identity is what a node key means.
    """

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.scopes: list[Scope] = []
        self.classes: list[cst.ClassDef] = []

    def collect(self, root: cst.CSTNode) -> None:
        facts = self.facts
        nodes, order, parents = facts._nodes, facts._order, facts._parents
        on_visit, on_leave = _ON_VISIT, _ON_LEAVE
        fields_of, syntax = syntax_fields, SYNTAX_TYPES
        pending: list[cst.CSTNode] = [root]  # a stack, with each entry's parent (or _LEAVING) beside it
        pending_parents: list[object] = [None]
        while pending:
            node, parent = pending.pop(), pending_parents.pop()
            kind = type(node)
            if parent is _LEAVING:
                on_leave[kind](self)
                continue
            key = id(node)
            order[key] = len(nodes)
            nodes.append(node)
            if parent is not None:
                parents[key] = parent
            handler = on_visit.get(kind)
            if handler is not None:
                handler(self, node)
                if kind in on_leave:
                    pending.append(node)
                    pending_parents.append(_LEAVING)
            found = []
            for name in fields_of(kind):
                value = getattr(node, name)
                value_kind = type(value)
                if value_kind in syntax:
                    found.append(value)
                elif value_kind is tuple or value_kind is list:
                    found += [item for item in value if type(item) in syntax]
            if found:
                found.reverse()  # popped in source order
                pending += found
                pending_parents += [node] * len(found)

    def _enter_scope(self, node: Scope) -> None:
        self.scopes.append(node)

    def _leave_scope(self) -> None:
        self.scopes.pop()

    def _enter_class(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def _leave_class(self) -> None:
        self.classes.pop()

    def _assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value, node)

    def _ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value, node)

    def _import(self, node: cst.Import) -> None:
        self.facts.imports.add_import(node)

    def _import_from(self, node: cst.ImportFrom) -> None:
        self.facts.imports.add_import_from(node)

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
        self.facts._bindings[id(self.scopes[-1])][name].append(binding)
        if name.startswith("self.") and self.classes:
            self.facts._attributes[id(self.classes[-1])][name[5:]].append(binding)


_FUNCTION_SCOPES = frozenset({cst.FunctionDef, cst.Lambda})
_FUNCTION = frozenset({cst.FunctionDef})
_CLASS = frozenset({cst.ClassDef})
_LEAVING = object()  # a stack entry's mark: the node's subtree is done
_ON_VISIT = {
    cst.Module: _Collector._enter_scope, cst.FunctionDef: _Collector._enter_scope,
    cst.Lambda: _Collector._enter_scope, cst.ClassDef: _Collector._enter_class,
    cst.Assign: _Collector._assign, cst.AnnAssign: _Collector._ann_assign,
    cst.Import: _Collector._import, cst.ImportFrom: _Collector._import_from,
}
_ON_LEAVE = {
    cst.Module: _Collector._leave_scope, cst.FunctionDef: _Collector._leave_scope,
    cst.Lambda: _Collector._leave_scope, cst.ClassDef: _Collector._leave_class,
}


class Facts:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.project = None  # the file's ProjectView (nnlint.project): answers for names made elsewhere
        self.imports = ImportTable()
        self._nodes: list[cst.CSTNode] = []  # pre-order, trivia left out
        self._parents: dict[int, cst.CSTNode] = {}  # by id() of the child
        self._order: dict[int, int] = {}  # by id() of the node
        self._bindings: dict[int, dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))  # by scope id
        self._attributes: dict[int, dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))  # by class id
        self._of_kinds: dict[tuple[type, ...], list[cst.CSTNode]] = {}
        self.remembered: dict[object, dict] = {}  # answers kept by nnlint.facts.memo.per_file
        self._qualified: dict[int, tuple[cst.BaseExpression, str | None]] = {}  # by id(); holds the node
        # by the kinds asked for, then by id() of the node asked about
        self._nearest_found: dict[frozenset[type], dict[int, tuple[cst.CSTNode, cst.CSTNode | None]]] = {
            kinds: {} for kinds in (_FUNCTION, _CLASS, _FUNCTION_SCOPES)}
        _Collector(self).collect(module)
        assume_torch_names(self.imports, self._nodes)

    # names -----------------------------------------------------------------
    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        # every rule asks about the same calls: answer each expression once (the imports are complete by now)
        known = self._qualified.get(id(expr))
        if known is not None and known[0] is expr:  # the entry holds `expr`, so its id is not reused
            return known[1]
        name = self.imports.qualify(expr)
        self._qualified[id(expr)] = (expr, name)
        return name

    def call_name(self, call: cst.Call) -> str | None:
        return self.qualified_name(call.func)

    # tree ------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(id(node))

    def nodes(self) -> Iterator[cst.CSTNode]:
        """Every node of the module in pre-order (source order), as the one walk met them; whitespace,
        comments and punctuation left out."""
        return iter(self._nodes)

    def nodes_between(self, start: int, end: int) -> list[cst.CSTNode]:
        """The nodes after position `start` and before position `end` (see `order`), in source order."""
        return self._nodes[start + 1 : end]  # a node's position is its index in the walk

    def nodes_of(self, *kinds: type) -> list[cst.CSTNode]:
        """The nodes of exactly these classes (concrete libcst classes), in source order; kept per question."""
        found = self._of_kinds.get(kinds)
        if found is None:
            wanted = frozenset(kinds)
            found = self._of_kinds[kinds] = [node for node in self._nodes if type(node) in wanted]
        return found

    def order(self, node: cst.CSTNode) -> int:
        """Position of `node` in source order (pre-order), to tell what happened before what."""
        return self._order[id(node)]

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parents = self._parents
        parent = parents.get(id(node))
        while parent is not None:
            yield parent
            parent = parents.get(id(parent))

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        return self._nearest(node, _FUNCTION)

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        return self._nearest(node, _CLASS)

    def scope_of(self, node: cst.CSTNode) -> Scope:
        return self._nearest(node, _FUNCTION_SCOPES) or self.module

    def _nearest(self, node: cst.CSTNode, kinds: frozenset[type]) -> cst.CSTNode | None:
        """The closest ancestor of one of `kinds`; remembered per node, as rules ask about the same nodes."""
        table = self._nearest_found[kinds]
        known = table.get(id(node))
        if known is not None and known[0] is node:  # the entry holds `node`, so its id is not reused
            return known[1]
        found = next((ancestor for ancestor in self.ancestors(node) if type(ancestor) in kinds), None)
        table[id(node)] = (node, found)
        return found

    # assignments -----------------------------------------------------------
    def bindings(self, name: str, at: cst.CSTNode) -> list[Binding]:
        """Assignments to `name` in the scope of `at`; names not bound there are looked up at module level.

        `self.x` also finds assignments in any method of the enclosing class (`__init__` usually).
        """
        if name.startswith("self."):
            cls = self.enclosing_class(at)
            return list(self._attributes[id(cls)][name[5:]]) if cls is not None else []
        scope = self.scope_of(at)
        found = self._bindings.get(id(scope), {}).get(name)
        if found:
            return list(found)
        return list(self._bindings.get(id(self.module), {}).get(name, []))

    def assigned_values(self, expr: cst.BaseExpression, at: cst.CSTNode) -> list[cst.BaseExpression]:
        """The expressions a Name or `self.attr` was assigned from (whole right-hand sides only)."""
        name = dotted(expr)
        if name is None:
            return []
        return [b.value for b in self.bindings(name, at) if b.index is None]

    def every_value(self, expr: cst.BaseExpression, at: cst.CSTNode) -> list[cst.BaseExpression] | None:
        """Every expression a Name or `self.attr` may hold at `at`, or None when one of its bindings is not a
        whole assignment (a tuple element, a loop target, a parameter): then what it holds is not all known."""
        name = dotted(expr)
        bindings = self.bindings(name, at) if name is not None else []
        values = [b.value for b in bindings if b.index is None]
        return values if len(values) == len(bindings) else None
