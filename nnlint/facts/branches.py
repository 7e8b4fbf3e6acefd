"""Which assignments of a name may reach a place when they sit in the arms of an `if`/`else`.

Real scripts pick their model by a flag and call it under the same flag:

    if args.model == "Transformer":
        model = TransformerModel(...)          # forward ends in log_softmax
    else:
        model = RNNModel(...)                  # returns (logits, hidden)
    ...
    if args.model == "Transformer":
        output = model(data)                   # this `model` is the TransformerModel
    else:
        output, hidden = model(data, hidden)
    loss = criterion(output.view(-1, n), targets)   # either output may arrive here

The nearest assignment above a read is not the only one that reaches it: each arm's last assignment does,
unless the read sits under the same test in the other arm.
"""

from __future__ import annotations

import libcst as cst

from nnlint.facts.collector import Binding, Facts
from nnlint.facts.modules import latest_binding


def same_arm(facts: Facts, bindings: list[Binding], at: cst.CSTNode) -> list[Binding]:
    """`bindings` without those in the other arm of an `if` whose test reads exactly like one `at` is under."""
    arms = _arms(facts, at)
    if not arms:
        return bindings
    kept = [
        b for b in bindings
        if all(arms.get(test, taken) == taken for test, taken in _arms(facts, b.statement).items())
    ]
    return kept or bindings


def reaching(facts: Facts, name: cst.Name, at: cst.CSTNode) -> list[Binding]:
    """The assignments of a local name that may reach `at`: the nearest one, or the last one of each arm of
    the `if`/`else` it ends (when every arm assigns the name), those in arms `at` cannot be in left out."""
    nearest = latest_binding(facts, name, at)
    if nearest is None:
        return []
    branch = _innermost_if(facts, nearest.statement, at)
    if branch is None or branch.orelse is None:  # no else: the value from before the `if` reaches too
        return [nearest]
    found = []
    for arm in (branch.body, branch.orelse):  # an `elif` chain counts as one arm
        inside = [
            b for b in facts.bindings(name.value, at)
            if facts.order(b.statement) < facts.order(at) and _within(facts, b.statement, arm)
            and facts.scope_of(b.statement) is facts.scope_of(at)
        ]
        if not inside:
            return [nearest]  # an arm that leaves the name alone: the value from before the `if` reaches
        found.append(max(inside, key=lambda b: facts.order(b.statement)))
    return same_arm(facts, found, at)


def _innermost_if(facts: Facts, statement: cst.CSTNode, at: cst.CSTNode) -> cst.If | None:
    """The innermost `if` around `statement` (in its function) that does not also hold `at`."""
    around_at = set(facts.ancestors(at))
    for ancestor in facts.ancestors(statement):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or ancestor in around_at:
            return None
        if isinstance(ancestor, cst.If):
            return ancestor
    return None


def _within(facts: Facts, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return any(ancestor is container for ancestor in facts.ancestors(node))


def _arms(facts: Facts, node: cst.CSTNode) -> dict[str, bool]:
    """For each `if` around `node`: its test as written (spaces dropped) -> whether `node` is in its body."""
    found = {}
    child = node
    for ancestor in facts.ancestors(node):
        if isinstance(ancestor, cst.If) and child is not ancestor.test:
            test = "".join(facts.module.code_for_node(ancestor.test).split())
            found.setdefault(test, child is ancestor.body)
        child = ancestor
    return found
