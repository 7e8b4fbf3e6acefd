"""NN206: a next-token loss whose target is the model's own input, not shifted by one."""

from __future__ import annotations

import libcst as cst

from nnlint.facts import elsewhere
from nnlint.facts.calls import argument, positional_args, same_code
from nnlint.facts.fed_back import AUTOENCODER
from nnlint.facts.imports import dotted
from nnlint.facts.modules import latest_value
from nnlint.facts.values import loss_call, model_call, paired_sources, returned_elements, unpacked_from
from nnlint.rules.base import Rule

MESSAGE = (
    "the target is the model's own input, unshifted: each position can copy its answer instead of predicting "
    "the next token — predict `x[:, 1:]` from `x[:, :-1]`"
)
SHIFTED_TWICE = (
    "the target is already shifted by one, and a model given `labels=` shifts them again, so each position "
    "learns the token after next — pass the unshifted tokens as both `input_ids` and `labels`"
)
_RESHAPES = frozenset({"view", "reshape", "flatten", "contiguous", "long"})
# What scores go through on their way to the loss without becoming other values.
_LAYOUT = _RESHAPES | {"transpose", "permute", "float"}


class TargetIsInput(Rule):
    code = "NN206"
    name = "target-is-input"
    summary = "Autoregressive loss whose target is the model's own input, unshifted"
    triggers = ("cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss", "labels=")

    def visit_Call(self, node: cst.Call) -> None:
        labels = argument(node, None, "labels")
        if labels is not None:
            self._check_labels(node, labels)
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind not in ("cross_entropy", "nll") or loss.target is None:
            return
        if self._leaks(loss.input, loss.target, node, 0):
            self.report(node, MESSAGE)

    def _check_labels(self, model: cst.Call, labels: cst.BaseExpression) -> None:
        """`model(X, labels=Y)` with `X, Y = data[:, :-1], data[:, 1:]`: a model given `labels` shifts them
        itself (Hugging Face causal LMs), so a pair shifted beforehand trains on the token after next."""
        inputs = argument(model, 0, "input_ids")
        if inputs is None:
            return
        pairs = [(inputs, labels, model)]
        if isinstance(inputs, cst.Name) and isinstance(labels, cst.Name):
            pairs = paired_sources(self.facts, inputs, labels, model) or []
        if pairs and all(self._shifted_pair(x, y, at) for x, y, at in pairs):
            self.report(model, SHIFTED_TWICE)

    def _shifted_pair(self, fed: cst.BaseExpression, target: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """`data[:, :-1]` and `data[:, 1:]` (names followed where they were assigned)."""
        fed, _ = self._value(fed, at)
        target, _ = self._value(target, at)
        if not isinstance(fed, cst.Subscript) or not isinstance(target, cst.Subscript):
            return False
        if not same_code(self.context.module, fed.value, target.value) or len(fed.slice) != len(target.slice):
            return False
        code = self.context.module.code_for_node
        fed_last = "".join(code(fed.slice[-1]).split()).rstrip(",")
        target_last = "".join(code(target.slice[-1]).split()).rstrip(",")
        heads_match = all(same_code(self.context.module, a, b) for a, b in zip(fed.slice[:-1], target.slice[:-1]))
        return heads_match and fed_last == ":-1" and target_last == "1:"

    def _leaks(self, scores: cst.BaseExpression, target: cst.BaseExpression, at: cst.CSTNode, depth: int) -> bool:
        """Whether `target` is the very input of the model call that produced `scores`."""
        model = model_call(self.facts, scores, at)
        if model is None:
            # `logits, target = wrapper(x)`: a wrapper of this file returning the scores and the target
            bare = _unreshaped(scores, _LAYOUT)
            if depth < 2 and self._both_returned(bare, _unreshaped(target), at, self._leaks, depth):
                return True
            return self._fed_back(bare, _unreshaped(target), at)
        if AUTOENCODER.search(dotted(model.func) or ""):
            return False
        inputs = positional_args(model)
        if not inputs:
            return False
        if self._both_returned(inputs[0], _unreshaped(target), at, self._same_tensor, depth):
            return True  # `data, targets = get_batch(source, i)` returning the same slice twice
        return self._same_tensor(inputs[0], _unreshaped(target), at, depth, model)

    def _fed_back(self, scores: cst.BaseExpression, target: cst.BaseExpression, at: cst.CSTNode) -> bool:
        """`logits, target, _ = inferer(images, vqvae, transformer)` where calling `inferer` (a class of the
        project, maybe in another module) returns the transformer's scores and the very tokens it fed it."""
        scores, at_scores = _before_layout(self.facts, scores, at)
        a, b = unpacked_from(self.facts, scores, at_scores), unpacked_from(self.facts, target, at)
        if a is None or b is None or a[0] is not b[0] or not isinstance(a[0].func, (cst.Name, cst.Attribute)):
            return False
        callee = elsewhere.value_of(self.facts, a[0].func, a[0])
        return callee is not None and callee.kind == "model" and callee.fed_back == (a[1], b[1])

    def _same_tensor(self, fed, target, at, depth=0, fed_at=None) -> bool:
        fed, fed_opaque = self._value(fed, fed_at or at)
        target, target_opaque = self._value(_unreshaped(target), at)
        if fed_opaque or target_opaque:
            return fed is target
        return same_code(self.context.module, fed, target)

    def _both_returned(self, first, second, at, compare, depth) -> bool:
        """`first` and `second` unpacked from one call of a helper whose every `return` makes `compare` true."""
        a, b = unpacked_from(self.facts, first, at), unpacked_from(self.facts, second, at)
        if a is None or b is None or a[0] is not b[0] or a[1] == b[1]:
            return False
        firsts, seconds = returned_elements(self.facts, *a), returned_elements(self.facts, *b)
        if not firsts or not seconds:
            return False
        return all(compare(x, y, ret, depth + 1) for (x, ret), (y, _) in zip(firsts, seconds))

    def _value(self, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[cst.BaseExpression, bool]:
        """What a local name holds where it is read, and whether only its identity can be compared.

        `inp = batch[:, :-1]` -> (`batch[:, :-1]`, False); `y = x.roll(-1, 1)` -> (that call, True): the same
        name bound to a computed value in between is another tensor.
        """
        value = latest_value(self.facts, expr, at)
        if value is None:
            return expr, False
        value = _unreshaped(value)
        return value, not isinstance(value, (cst.Name, cst.Subscript, cst.Attribute))


def _before_layout(facts, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[cst.BaseExpression, cst.CSTNode]:
    """`logits = logits.transpose(1, 2)` above `at`: the `logits` it was made from, and where it is read."""
    for _ in range(3):
        value = latest_value(facts, expr, at)
        if value is None or _unreshaped(value, _LAYOUT) is value:
            break
        expr, at = _unreshaped(value, _LAYOUT), value
    return expr, at


def _unreshaped(expr: cst.BaseExpression, methods: frozenset[str] = _RESHAPES) -> cst.BaseExpression:
    """`x.view(-1)` / `x.reshape(-1).long()` -> `x`."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in methods:
        expr = expr.func.value
    return expr
