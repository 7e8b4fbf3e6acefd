"""Code pasted without its import lines (it starts at `class Net(nn.Module):`) is still read as torch."""

from tests.rules.helpers import findings

NET = """
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(784, 10)

        def forward(self, x):
            return self.fc(x)


    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
"""


def test_no_grad_is_recognised_without_import_torch():
    source = NET + """
    model.eval()
    with torch.no_grad():
        for x, y in test_loader:
            correct = (model(x).argmax(1) == y).sum()
    """
    assert findings(source, "NN603") == []


def test_missing_no_grad_is_still_reported_in_a_snippet():
    source = NET + """
    model.eval()
    for x, y in test_loader:
        correct = (model(x).argmax(1) == y).sum()
    """
    assert findings(source, "NN603") == [(16, 1)]


def test_functional_softmax_into_the_criterion_without_imports():
    source = NET + """
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(F.softmax(model(x), dim=1), y)
        loss.backward()
        optimizer.step()
    """
    assert findings(source, "NN201") == [(17, 12)]


def test_snippet_with_import_torch_but_no_nn_import():
    source = """
        import torch

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 1)

            def forward(self, x):
                return torch.sigmoid(self.fc(x))

        loss = nn.BCELoss()(Net()(x), y)
    """
    assert findings(source, "NN203") == [(12, 8)]


def test_mxnet_style_f_parameter_keeps_its_own_meaning():
    # Gluon's `hybrid_forward(self, F, x)`: `F` is a parameter, not torch.nn.functional.
    source = """
        from mxnet.gluon import nn

        class Head(nn.HybridBlock):
            def hybrid_forward(self, F, x):
                return F.softmax(x)
    """
    assert findings(source, "NN103") == []


def test_f_alone_is_not_evidence_of_torch():
    source = """
        def score(x):
            return F.softmax(x)
    """
    assert findings(source, "NN103") == []


def test_a_name_the_file_binds_itself_keeps_its_meaning():
    source = """
        import jax.numpy as jnp
        import flax.linen as nn
        import optax as optim

        torch = None
        F = jnp
        probs = F.softmax(logits)
        loss = nn.CrossEntropyLoss()(probs, y)
    """
    assert findings(source, "NN103") == [] and findings(source, "NN201") == []
