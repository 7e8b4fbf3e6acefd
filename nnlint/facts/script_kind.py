"""What kind of file trains: a script that builds its model, a pasted fragment, or a demo on random tensors."""

from __future__ import annotations

import re

import libcst as cst

from nnlint.facts.collector import Facts
from nnlint.facts.imports import dotted
from nnlint.facts.loops import Loop, training_loops
from nnlint.facts.modules import module_classes, nn_class

_MODEL_BUILDER = re.compile(
    r"^(torchvision\.models|timm\.|transformers\.)|from_pretrained$|(build|make|create|get)_?(model|net|optim)", re.I
)
_RANDOM_DATA = frozenset(f"torch.{name}" for name in ("rand", "randn", "randint", "rand_like", "randn_like"))


def builds_model_or_optimizer(facts: Facts) -> bool:
    """A torch optimizer, a layer (not a loss), a module class of the file or a model-zoo builder is called."""
    if _optimizes_tensors_only(facts):
        return False  # style transfer, adversarial inputs: the optimizer updates an image, not a network
    classes = module_classes(facts)
    for node in facts.nodes():
        if not isinstance(node, cst.Call):
            continue
        qualified = facts.call_name(node) or ""
        layer = nn_class(facts, node)
        if qualified.startswith("torch.optim.") and ".lr_scheduler." not in qualified:
            return True
        if layer is not None and not layer.endswith("Loss") or dotted(node.func) in classes:
            return True
        if _MODEL_BUILDER.search(qualified or dotted(node.func) or ""):
            return True
    return False


def _optimizes_tensors_only(facts: Facts) -> bool:
    """Every torch optimizer of the file is built on a list of tensors (`Adam([target])`), none on `.parameters()`."""
    optimizers = [
        node for node in facts.nodes()
        if isinstance(node, cst.Call) and (facts.call_name(node) or "").startswith("torch.optim.")
        and ".lr_scheduler." not in (facts.call_name(node) or "")
    ]
    if not optimizers or training_loops(facts).trained_modules:
        return False
    return all(node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)) for node in optimizers)


def trains_on_random_tensors(facts: Facts) -> bool:
    """Every training loop only counts steps (no loader is iterated) and draws its data with `torch.randn(...)`."""
    trainers = [loop for loop in training_loops(facts).loops if loop.trains]
    if not trainers or not all(_counts_steps(loop) and all(map(_counts_steps, loop.ancestors())) for loop in trainers):
        return False
    loops = training_loops(facts)
    return any(
        isinstance(node, cst.Call) and facts.call_name(node) in _RANDOM_DATA and loops.loop_of(node) in trainers
        for node in facts.nodes()
    )  # drawn inside a training loop: fresh noise every step, not negatives sampled once from real data


def _counts_steps(loop: Loop) -> bool:
    """`while step < n` or `for i in range(n)`: no data is iterated."""
    if isinstance(loop.node, cst.While):
        return True
    iterable = loop.iterable
    return isinstance(iterable, cst.Call) and dotted(iterable.func) == "range"
