"""Pasted snippets: torch's usual short names read as torch even when the `import` lines were left out.

Code posted in a question often starts at `class Net(nn.Module):`. When a file uses `torch.` or `nn.` as
names it never binds, it can only mean torch, and then `nn`, `F` and `optim` (also never bound) stand for
`torch.nn`, `torch.nn.functional` and `torch.optim` as in every tutorial. A name the file binds itself (an
import from elsewhere, an assignment, a parameter such as MXNet's `F`) keeps its own meaning.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts.imports import ImportTable

CONVENTIONAL = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "optim": "torch.optim"}
# Only these two say "torch" on their own; `F.` and `optim.` alone could be anything.
_EVIDENCE = frozenset({"torch", "nn"})


def assume_torch_names(imports: ImportTable, nodes: list[cst.CSTNode]) -> None:
    """Add the conventional aliases that a file uses unbound, when it plainly uses torch's vocabulary."""
    missing = {name for name in CONVENTIONAL if name not in imports.aliases}
    if not missing:
        return
    attribute, name = cst.Attribute, cst.Name
    used = {
        node.value.value for node in nodes
        if type(node) is attribute and type(node.value) is name and node.value.value in missing
    }
    if not used:
        return  # the common case: every short name the file uses is imported
    bound: set[str] = set()
    for node in nodes:
        kind = type(node)  # exact classes: `isinstance` on libcst's ABCs runs Python code for every node
        if kind in _NAMED:
            bound.add(node.name.value)
        elif kind in _BINDING:
            target = getattr(node, "target", None) or getattr(node, "name", None)
            bound.update(_names(target))
    unbound = used - bound
    imports_torch = any(full == "torch" or full.startswith("torch.") for full in imports.aliases.values())
    if not (unbound & _EVIDENCE or imports_torch):
        return
    for name in unbound:
        imports.aliases[name] = CONVENTIONAL[name]


_NAMED = frozenset({cst.Param, cst.FunctionDef, cst.ClassDef})
_BINDING = frozenset({cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.AsName, cst.NamedExpr})


def _names(target: cst.CSTNode | None) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {name for element in target.elements for name in _names(element.value)}
    return set()
