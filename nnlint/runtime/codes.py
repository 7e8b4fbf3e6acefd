"""The runtime codes (NN9xx) as data, so `nnlint rules` can list them without importing torch."""

from __future__ import annotations

from nnlint.rule_info import RuleInfo

RUNTIME_RULES: tuple[RuleInfo, ...] = (
    RuleInfo("NN901", "batch-mixing", "An output row depends on other samples of the batch", None, True),
    RuleInfo("NN902", "causality-leak", "A sequence output depends on inputs from later time steps", None, True),
    RuleInfo("NN903", "loss-at-init", "The loss at initialisation is far from -log(1/n_classes)", None, True),
    RuleInfo("NN904", "dead-parameter", "A parameter never receives a gradient (or an all-zero one)", None, True),
    RuleInfo("NN905", "grad-not-zeroed", "Gradients accumulate across optimizer steps: never zeroed", None, True),
    RuleInfo("NN906", "eval-in-train-mode", "Evaluation forward while dropout/BatchNorm are in train mode", None, True),
    RuleInfo("NN907", "lr-collapsed", "The learning rate fell below 1% of its peak in the first half", None, True),
    RuleInfo("NN908", "non-finite", "A loss, gradient or output is NaN or infinite", None, True),
    RuleInfo("NN909", "output-ignores-input", "The model's output does not depend on its input", None, True),
    RuleInfo("NN910", "cannot-overfit-one-batch", "The model cannot drive the loss to ~0 on a single batch", None, True),
    RuleInfo("NN911", "input-not-normalised", "Image inputs reach the network unnormalised (0-255 or far off)", None,
             True),
    RuleInfo("NN912", "degenerate-batch", "A training batch holds one class only, or repeated samples", None, True),
    RuleInfo("NN913", "exploding-gradients", "The loss or gradient norm grows by orders of magnitude", None, True),
)

RUNTIME_RULES_BY_CODE: dict[str, RuleInfo] = {rule.code: rule for rule in RUNTIME_RULES}


def rule_name(code: str) -> str:
    return RUNTIME_RULES_BY_CODE[code].name
