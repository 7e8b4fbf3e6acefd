"""NN302: a `backward(loss)` method that clips first, called on an instance inside the training loop: the call
is itself a backward event, so the method's own body is still checked as a step function."""

from tests.rules.helpers import findings

SOURCE = """
    import torch

    class Weighting:
        def __init__(self, params, max_norm):
            self.params, self.max_norm = params, max_norm

        def backward(self, loss):
            ORDER

    def fit(model, loader, epochs):
        weighting = Weighting(list(model.parameters()), 1.0)
        opt = torch.optim.Adam(model.parameters())
        for x, y in loader:
            opt.zero_grad()
            weighting.backward((model(x) - y).pow(2).mean())
            opt.step()
"""

CLIP = "torch.nn.utils.clip_grad_norm_(self.params, self.max_norm)"


def test_clip_before_backward_in_the_method_is_flagged():
    source = SOURCE.replace("ORDER", f"{CLIP}\n            loss.backward()")
    assert findings(source, "NN302") == [(9, 9)]


def test_clip_after_backward_in_the_method_is_clean():
    source = SOURCE.replace("ORDER", f"loss.backward()\n            {CLIP}")
    assert findings(source, "NN302") == []
