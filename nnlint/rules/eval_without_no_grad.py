"""NN603: evaluating with autograd on records a graph nobody will backpropagate: memory and time wasted."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.evaluation import established, evaluation_loops, runs_without_grad
from nnlint.facts.loopless_evaluation import loopless_evaluations
from nnlint.rules.base import Rule

MESSAGE = (
    "this loop evaluates on `{loader}` with autograd on, recording a graph for every batch — wrap it in "
    "`with torch.no_grad():` (or `torch.inference_mode()`)"
)

CALL_MESSAGE = (
    "`{call}(...)` evaluates with autograd on, recording a graph nobody will backpropagate — wrap it in "
    "`with torch.no_grad():` (or `torch.inference_mode()`)"
)


class EvalWithoutNoGrad(Rule):
    code = "NN603"
    name = "eval-without-no-grad"
    summary = "Evaluation over a val/test loader without `torch.no_grad()` / `torch.inference_mode()`"
    triggers = ("val", "test", "dev", "holdout", "heldout")

    def visit_Module(self, node: cst.Module) -> None:
        def without_grad(at: cst.CSTNode) -> bool:
            return runs_without_grad(self.facts, at)

        for loop in evaluation_loops(self.facts):
            if not loop.no_grad and not established(self.facts, loop.node, without_grad):
                self.report(loop.node, MESSAGE.format(loader=loop.iterable_name))
        for call in loopless_evaluations(self.facts):
            if not established(self.facts, call, without_grad):
                self.report(call, CALL_MESSAGE.format(call=self.context.code_for(call.func)))
