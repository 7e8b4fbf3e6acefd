"""NN601: evaluating with the model still in training mode: dropout active, BatchNorm using batch stats."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.elsewhere import describe
from nnlint.facts.evaluation import MODEL_LIKE, established, evaluation_calls, evaluation_loops, sets_eval_mode
from nnlint.facts.imports import dotted
from nnlint.facts.loopless_evaluation import loopless_evaluations
from nnlint.facts.loops import Loop, training_loops
from nnlint.facts.mode_layers import switches_mode
from nnlint.facts.train_mode_in_eval import train_mode_in_eval
from nnlint.rules.base import Rule

MESSAGE = (
    "this loop evaluates on `{loader}` but the model is never put in eval mode, so dropout stays on and "
    "BatchNorm uses batch statistics — call `model.eval()` before the loop"
)

CALL_MESSAGE = (
    "this call evaluates on `{loader}` ({where}) but the model is never put in eval mode, so dropout stays "
    "on and BatchNorm uses batch statistics — call `model.eval()` before it"
)

LOOPLESS_MESSAGE = (
    "`{call}(...)` evaluates with the model in training mode, so dropout stays on and BatchNorm uses batch "
    "statistics — call `{call}.eval()` first"
)

TRAIN_INSIDE_MESSAGE = (
    "`{model}.train()` runs inside this evaluation loop over `{loader}` before the forward, so the batches "
    "are evaluated in training mode (dropout on, BatchNorm on batch statistics) despite any earlier "
    "`.eval()` — the last mode call before the forward decides; remove it or move it after the loop"
)


class EvalWithoutEvalMode(Rule):
    code = "NN601"
    name = "eval-without-eval-mode"
    summary = "Evaluation over a val/test loader without `model.eval()`"
    triggers = ("val", "test", "dev", "holdout", "heldout")

    def visit_Module(self, node: cst.Module) -> None:
        for loop in evaluation_loops(self.facts):
            if not established(self.facts, loop.node, lambda at: sets_eval_mode(self.facts, at)):
                if self._mode_matters(loop):
                    self.report(loop.node, MESSAGE.format(loader=loop.iterable_name))
        for call, loader, where in evaluation_calls(self.facts):
            self.report(call, CALL_MESSAGE.format(loader=loader, where=describe(where)), related=where)
        for call in loopless_evaluations(self.facts):
            unset = not established(self.facts, call, lambda at: sets_eval_mode(self.facts, at))
            if unset and switches_mode(self.facts, call.func, call):
                self.report(call, LOOPLESS_MESSAGE.format(call=self.context.code_for(call.func)))
        for found in train_mode_in_eval(self.facts):
            self.report(found.switch, TRAIN_INSIDE_MESSAGE.format(model=found.model, loader=found.loader))

    def _mode_matters(self, loop: Loop) -> bool:
        """Some model the loop runs may have dropout or batch statistics (or is defined out of sight)."""
        calls = training_loops(self.facts).calls_within(loop.node.body)
        models = [call.func for call in calls if MODEL_LIKE.search((dotted(call.func) or "").removeprefix("self."))]
        return not models or any(switches_mode(self.facts, model, loop.node) for model in models)
