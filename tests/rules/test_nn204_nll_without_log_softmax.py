"""NN204: nll_loss / NLLLoss on something provably not log-probabilities; points at the loss call."""

import pytest

from tests.rules.helpers import findings, messages


def test_nll_loss_on_a_sequential_that_ends_in_linear():
    source = """
        import torch.nn.functional as F
        from torch import nn

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(images), labels)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN204") == [(8, 12)]
    assert "raw layer outputs (logits)" in messages(source, "NN204")[0]


def test_nll_loss_module_attribute_on_a_model_whose_forward_returns_a_linear():
    source = """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = torch.relu(self.fc1(x))
                return self.fc2(x)

        class Trainer:
            def __init__(self):
                self.model = Net()
                self.criterion = nn.NLLLoss()

            def step(self, x, y):
                return self.criterion(self.model(x), y)
    """
    assert findings(source, "NN204") == [(21, 16)]


def test_nll_loss_on_softmax_probabilities_with_functional_import():
    source = """
        from torch.nn import functional

        def loss_of(logits, y):
            probs = functional.softmax(logits, dim=-1)
            return functional.nll_loss(probs, y)
    """
    assert findings(source, "NN204") == [(6, 12)]
    assert "softmax probabilities" in messages(source, "NN204")[0]


def test_lightning_training_step_calling_self_whose_forward_returns_logits():
    source = """
        import torch.nn.functional as F
        import pytorch_lightning as pl
        from torch import nn

        class LitClassifier(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(512, 10)

            def forward(self, x):
                return self.head(x)

            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.nll_loss(self(x), y)
    """
    assert findings(source, "NN204") == [(16, 16)]


def test_amp_loop_with_nll_on_sigmoid_output_of_a_layer_attribute():
    source = """
        import torch
        from torch import nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.out = nn.Linear(64, 5)
                self.loss = nn.NLLLoss()

            def compute(self, h, y, scaler):
                with torch.autocast("cuda"):
                    loss = self.loss(torch.sigmoid(self.out(h)), y)
                scaler.scale(loss).backward()
    """
    assert findings(source, "NN204") == [(13, 20)]
    assert "sigmoid output" in messages(source, "NN204")[0]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import torch.nn.functional as F

            def loss_of(model, x, y):
                return F.nll_loss(F.log_softmax(model(x), dim=1), y)
            """,
            id="log-softmax-inline",
        ),
        pytest.param(
            """
            import torch.nn.functional as F
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(784, 10)

                def forward(self, x):
                    return F.log_softmax(self.fc(x), dim=1)

            model = Net()

            def train(loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    F.nll_loss(model(x), y).backward()
                    optimizer.step()
            """,
            id="model-whose-forward-returns-log-softmax",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def train(model, loader):
                for x, y in loader:
                    loss = F.nll_loss(model(x), y)
            """,
            id="model-passed-in-origin-unknown",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            criterion = nn.NLLLoss()

            def loss_of(logits, y):
                probs = torch.softmax(logits, dim=-1)
                return criterion(torch.log(probs + 1e-8), y)
            """,
            id="log-of-probabilities",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F
            from torch import nn

            model = nn.Sequential(nn.Linear(784, 10), nn.LogSoftmax(dim=1), nn.Dropout(0.0))

            @torch.no_grad()
            def evaluate(loader):
                return sum(F.nll_loss(model(x), y).item() for x, y in loader)
            """,
            id="sequential-ending-in-log-softmax-then-dropout",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def loss_of(model, x, y):
                out = model(x)
                out = F.log_softmax(out, dim=-1)
                return F.nll_loss(out, y)
            """,
            id="name-rebound-to-log-softmax",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN204") == []
