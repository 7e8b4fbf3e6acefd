"""Where a value held elsewhere comes from: through parameters, call sites and helpers' returns.

Real training code builds an object in one function and uses it in another: `prepare_model()` returns
`optimizer, scheduler`, `main()` unpacks them and passes them on to `train(..., scheduler, ...)`, whose
batch loop steps it; `demo()` builds `train_set` with an augmenting transform and hands it to `train()`,
which draws its validation loader from it. `sources()` follows a name back through local assignments,
tuple unpacking of a helper's `return`, and the arguments every call site in this file passes for a
parameter, to the expressions that produced it (usually constructor calls). Only this file is read.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import libcst as cst

from nnlint.facts.calls import argument
from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import training_loops

_MAX_DEPTH = 6


@dataclass(frozen=True)
class Source:
    """An expression a value came from, and the node to read its names at."""

    value: cst.BaseExpression
    at: cst.CSTNode


def sources(facts: Facts, expr: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> list[Source]:
    """The expressions `expr` (a name, `self.attr` or anything else) was produced by, as far as this file says.

    A name assigned in its scope yields its right-hand sides (the matching element of a local helper's
    returned tuple for `a, b = helper()`, the call itself when it is not a helper of this file); a parameter
    with no local assignment yields what the file's call sites pass for it (its default, for a call site that
    leaves it out). Anything else, a name with no assignment in view included (`args.lr`), is its own source.
    """
    if depth > _MAX_DEPTH:
        return []
    name = dotted(expr)
    if name is None or not isinstance(expr, (cst.Name, cst.Attribute)):
        return [Source(expr, at)]
    function = facts.enclosing_function(at)
    local = [b for b in facts.bindings(name, at) if function is None or facts.scope_of(b.statement) is function]
    if not local and function is not None and "." not in name and _parameter(function, name) is not None:
        found = []
        passed = passed_arguments(facts, function, name)
        for value, call in passed:
            found += sources(facts, value, call, depth + 1)
        default = _default(function, name)
        if default is not None and len(passed) < len(call_sites(facts, function)):
            found += sources(facts, default, function, depth + 1)  # a call site leaves it at its default
        return found
    bindings = facts.bindings(name, at)
    if not bindings:
        return [Source(expr, at)]
    found = []
    for binding in bindings:
        if binding.index is None:
            found += sources(facts, binding.value, binding.statement, depth + 1)
        else:
            elements = _returned_elements(facts, binding.value, binding.index)
            if not elements:
                # `train_ds, val_ds = random_split(ds, ...)`: the call that made the pair is what is known.
                found.append(Source(binding.value, binding.statement))
            for element, where in elements:
                found += sources(facts, element, where, depth + 1)
    return found


def passed_arguments(facts: Facts, function: cst.FunctionDef, name: str) -> list[tuple[cst.BaseExpression, cst.Call]]:
    """(argument, call) for every call of `function` in this file that passes parameter `name`."""
    position = _parameter(function, name)
    if position is None:
        return []
    found = []
    for call in call_sites(facts, function):
        index = None if position == _KEYWORD_ONLY else position - (1 if _is_method_call(call) else 0)
        passed = argument(call, index if index is not None and index >= 0 else None, name)
        if passed is not None:
            found.append((passed, call))
    return found


def call_sites(facts: Facts, function: cst.FunctionDef) -> list[cst.Call]:
    """The calls in this file that run `function` (`train(...)`, `self.train_epoch(...)`)."""
    index = _CALL_SITES.get(facts)
    if index is None:
        loops = training_loops(facts)
        index = {}
        for node in facts.nodes():
            if isinstance(node, cst.Call):
                target = loops.resolve(node)
                if target is not None:
                    index.setdefault(target, []).append(node)
        _CALL_SITES[facts] = index
    return index.get(function, [])


_CALL_SITES: weakref.WeakKeyDictionary[Facts, dict[cst.FunctionDef, list[cst.Call]]] = weakref.WeakKeyDictionary()
_KEYWORD_ONLY = -1


def _parameter(function: cst.FunctionDef, name: str) -> int | None:
    """Position of parameter `name` (`self` counted), `_KEYWORD_ONLY` for keyword-only ones, else None."""
    params = function.params
    for index, param in enumerate([*params.posonly_params, *params.params]):
        if param.name.value == name:
            return index
    if any(param.name.value == name for param in params.kwonly_params):
        return _KEYWORD_ONLY
    return None


def _default(function: cst.FunctionDef, name: str) -> cst.BaseExpression | None:
    params = function.params
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        if param.name.value == name:
            return param.default
    return None


def _is_method_call(call: cst.Call) -> bool:
    """`self.train(...)` binds `self` itself: positional arguments start at the second parameter."""
    func = call.func
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self"


def _returned_elements(
    facts: Facts, value: cst.BaseExpression, index: int
) -> list[tuple[cst.BaseExpression, cst.CSTNode]]:
    """Element `index` of what a local helper returns, for `a, b = helper(...)`; a literal tuple's element."""
    if isinstance(value, (cst.Tuple, cst.List)):
        elements = value.elements
        return [(elements[index].value, value)] if index < len(elements) else []
    if not isinstance(value, cst.Call):
        return []
    loops = training_loops(facts)
    helper = loops.resolve(value)
    if helper is None:
        return []
    found = []
    for returned in loops.returned_values(helper):
        if isinstance(returned, cst.Tuple) and index < len(returned.elements):
            found.append((returned.elements[index].value, returned))
    return found
