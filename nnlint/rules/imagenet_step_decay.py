"""NN501: the ImageNet step schedule (÷10 every 30 epochs) copied into a project that does not train on ImageNet."""

from __future__ import annotations

import io
import tokenize
from functools import cached_property

import libcst as cst

from nnlint.facts.calls import argument, number
from nnlint.facts.cli_defaults import option_default
from nnlint.facts.collector import Facts
from nnlint.rules.base import Rule

_STEP_LR = "torch.optim.lr_scheduler.StepLR"
_MULTI_STEP_LR = "torch.optim.lr_scheduler.MultiStepLR"

MESSAGE = (
    "{what} is ImageNet's schedule (÷10 every 30 epochs): on another dataset size it drives the LR to ~0 "
    "too early or never decays — keep a constant LR while tuning, or define the schedule in total steps"
)


class ImagenetStepDecay(Rule):
    code = "NN501"
    name = "imagenet-step-decay"
    summary = "ImageNet's step decay (÷10 every 30 epochs) copied into a project that is not ImageNet"
    triggers = ("StepLR", "// 30", "//30")

    def visit_Call(self, node: cst.Call) -> None:
        name = self.facts.call_name(node)
        if name == _STEP_LR and _is_imagenet_step(self.facts, node):
            self._report(node, "`StepLR(step_size=30, gamma=0.1)`")
        elif name == _MULTI_STEP_LR and _is_imagenet_milestones(self.facts, node):
            self._report(node, "`MultiStepLR` with milestones every 30 epochs")

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        # lr * 0.1 ** (epoch // 30)
        if not isinstance(node.operator, cst.Power) or number(node.left) != 0.1:
            return
        exponent = node.right
        if (
            isinstance(exponent, cst.BinaryOperation)
            and isinstance(exponent.operator, cst.FloorDivide)
            and number(exponent.right) == 30
        ):
            self._report(node, "`0.1 ** (epoch // 30)`")

    def _report(self, node: cst.CSTNode, what: str) -> None:
        if not self._trains_on_imagenet:
            self.report(node, MESSAGE.format(what=what))

    @cached_property
    def _trains_on_imagenet(self) -> bool:
        """ImageNet named in code (a dataset class, a path, an argument), not merely in a comment."""
        return _mentions_imagenet(self.context.source)


def _is_imagenet_step(facts: Facts, call: cst.Call) -> bool:
    gamma = _value(facts, argument(call, 2, "gamma"))
    return number(_value(facts, argument(call, 1, "step_size"))) == 30 and (gamma is None or number(gamma) == 0.1)


def _is_imagenet_milestones(facts: Facts, call: cst.Call) -> bool:
    milestones = _value(facts, argument(call, 1, "milestones"))
    gamma = _value(facts, argument(call, 2, "gamma"))
    if not isinstance(milestones, (cst.List, cst.Tuple)) or (gamma is not None and number(gamma) != 0.1):
        return False
    values = [number(element.value) for element in milestones.elements]
    # [30, 60], [30, 60, 90], [30, 60, 80]: decays every 30 epochs from epoch 30 on
    return len(values) >= 2 and values[0] == 30 and values[1] == 60


def _value(facts: Facts, expr: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """A command-line option stands for its default: `args.lr_step` with `default=30` reads as `30`."""
    default = option_default(facts, expr) if expr is not None else None
    return default if default is not None else expr


def _mentions_imagenet(source: str) -> bool:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        return any(
            token.type in (tokenize.NAME, tokenize.STRING) and "imagenet" in token.string.lower() for token in tokens
        )
    except (tokenize.TokenError, SyntaxError):
        return "imagenet" in source.lower()
