"""The read-only walk and its replay call rules exactly as libcst's own batched visitor would."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from nnlint.facts import Facts
from nnlint.walk import TRIVIA, replay_batched, visit_batched, walk

REPO = Path(__file__).parent.parent
SOURCES = sorted((REPO / "examples").glob("*.py")) + sorted((REPO / "nnlint" / "facts").glob("*.py"))


class Recorder(cst.BatchableCSTVisitor):
    """Logs the calls a typical rule relies on: nested calls, functions, classes, loops, the module."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, int]] = []

    def visit_Call(self, node): self.log.append(("visit Call", id(node)))  # noqa: E704
    def leave_Call(self, node): self.log.append(("leave Call", id(node)))  # noqa: E704
    def visit_FunctionDef(self, node): self.log.append(("visit def", id(node)))  # noqa: E704
    def leave_FunctionDef(self, node): self.log.append(("leave def", id(node)))  # noqa: E704
    def visit_ClassDef(self, node): self.log.append(("visit class", id(node)))  # noqa: E704
    def visit_For(self, node): self.log.append(("visit for", id(node)))  # noqa: E704
    def leave_For(self, node): self.log.append(("leave for", id(node)))  # noqa: E704
    def visit_Name(self, node): self.log.append(("visit Name", id(node)))  # noqa: E704
    def leave_Module(self, node): self.log.append(("leave Module", id(node)))  # noqa: E704


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_same_calls_in_the_same_order_as_libcst(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    reference, walked, replayed = Recorder(), Recorder(), Recorder()
    cst.visit_batched(module, [reference])
    visit_batched(module, [walked])
    facts = Facts(module)
    replay_batched(facts.nodes(), facts.parent, [replayed])
    by_position = Recorder()  # the engine's replay: leave hooks closed by subtree positions
    replay_batched(facts.nodes(), facts.parent, [by_position], facts.order)
    assert walked.log == reference.log
    assert replayed.log == reference.log
    assert by_position.log == reference.log


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_facts_see_every_node_but_trivia_in_source_order_with_its_parent(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    expected: list[cst.CSTNode] = []
    parents: dict[int, cst.CSTNode] = {}
    open_nodes: list[cst.CSTNode] = []
    inside_trivia = [0]

    def on_visit(node):
        if inside_trivia[0] or type(node) in TRIVIA:
            inside_trivia[0] += 1
            return
        if open_nodes:
            parents[id(node)] = open_nodes[-1]
        expected.append(node)
        open_nodes.append(node)

    def on_leave(node):
        if inside_trivia[0]:
            inside_trivia[0] -= 1
        else:
            open_nodes.pop()

    walk(module, on_visit, on_leave)
    facts = Facts(module)
    seen = list(facts.nodes())
    assert [id(node) for node in seen] == [id(node) for node in expected]
    assert all(facts.parent(node) is parents.get(id(node)) for node in seen)
    assert [facts.order(node) for node in seen] == list(range(len(seen)))


def test_attribute_hooks_are_refused_rather_than_ignored():
    class AttributeHook(cst.BatchableCSTVisitor):
        def visit_Call_func(self, node):
            pass

    with pytest.raises(TypeError, match="attribute hooks"):
        visit_batched(cst.parse_module("f()\n"), [AttributeHook()])
