"""NN201: probabilities fed to a loss that applies log_softmax itself."""

from __future__ import annotations

import libcst as cst

from nnlint.facts.elsewhere import describe
from nnlint.facts.loss_positions import swapped_prediction
from nnlint.facts.modules import latest_value, nn_class
from nnlint.facts.values import Origin, activation_input, loss_call, origin, origin_among
from nnlint.rules.base import PendingFix, Rule

MESSAGES = {
    "softmax": (
        "cross-entropy gets softmax probabilities but applies log_softmax itself, so the softmax is applied "
        "twice and gradients shrink — pass the logits"
    ),
    "log_softmax": (
        "cross-entropy gets log_softmax output but applies log_softmax itself — pass the logits, "
        "or use `nll_loss` on log-probabilities"
    ),
}
MODEL_MESSAGE = (
    "the model ends in `nn.{layer}` but cross-entropy applies log_softmax itself, so its outputs are squashed "
    "twice — remove the final `nn.{layer}` and pass the logits"
)
ELSEWHERE_MESSAGE = (
    "the model's output goes through {where} but cross-entropy applies log_softmax itself, so its outputs are "
    "squashed twice — remove that activation and pass the logits"
)
SWAPPED_MESSAGE = (
    "the model's softmax output is passed where cross-entropy expects the target, and the target where it "
    "expects logits — call it as `loss_fn(logits, target)` with the raw logits"
)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript)


class SoftmaxIntoCrossEntropy(Rule):
    code = "NN201"
    name = "softmax-into-cross-entropy"
    summary = "Softmax or log_softmax output fed to `CrossEntropyLoss` / `F.cross_entropy`, which wants logits"
    triggers = ("cross_entropy", "CrossEntropyLoss")
    fix = "unsafe"

    def visit_Call(self, node: cst.Call) -> None:
        loss = loss_call(self.facts, node)
        if loss is None or loss.kind != "cross_entropy":
            return
        found = origin_among(self.facts, loss.input, node, MESSAGES)
        swapped = swapped_prediction(loss)
        if found is None and swapped is not None:
            found = origin(self.facts, swapped, node)
            if found is not None and found.kind in MESSAGES:
                self.report(node, SWAPPED_MESSAGE)
            return
        if found is None:
            return
        if found.elsewhere is not None:  # a model whose forward ends in the activation, defined elsewhere
            where = found.elsewhere
            self.report(node, ELSEWHERE_MESSAGE.format(layer=where.label, where=describe(where)), related=where)
            return
        if nn_class(self.facts, found.node) is not None:  # the last layer of a model defined in this file
            layer = "Softmax" if found.kind == "softmax" else "LogSoftmax"
            self.report(node, MODEL_MESSAGE.format(layer=layer))
            return
        self.report(node, MESSAGES[found.kind], self._drop_activation(node, loss.input, found))

    def _drop_activation(self, loss: cst.Call, loss_input: cst.BaseExpression, found: Origin) -> PendingFix | None:
        activation = found.node
        if not isinstance(activation, cst.Call):
            return None
        tensor = activation_input(self.facts, activation)
        if tensor is None:
            return None
        if found.inline:
            code = self.context.code_for(tensor)
            if "\n" in code:
                return None  # a multi-line expression would lose its indentation
            if not isinstance(tensor, _ATOMS) and not isinstance(self.facts.parent(activation), cst.Arg):
                code = f"({code})"
            return self.replace(activation, code, f"Drop the `{found.kind}` and pass the logits")
        # `probs = F.softmax(logits, 1)` then `loss_fn(probs, y)`: pass `logits` instead, if it still holds them.
        if not isinstance(loss_input, cst.Name) or latest_value(self.facts, loss_input, loss) is not activation:
            return None
        if not isinstance(tensor, cst.Name) or self._rebound_between(tensor, activation, loss):
            return None
        return self.replace(loss_input, tensor.value, f"Pass `{tensor.value}` (the logits) instead")

    def _rebound_between(self, name: cst.Name, start: cst.CSTNode, end: cst.CSTNode) -> bool:
        first, last = self.facts.order(start), self.facts.order(end)
        return any(first < self.facts.order(b.statement) < last for b in self.facts.bindings(name.value, end))
