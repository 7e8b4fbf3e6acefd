"""NN703: a classifier head ending in ReLU; points at the final activation."""

import pytest

from tests.rules.helpers import findings, messages


def test_sequential_head_ending_in_relu_after_the_class_layer():
    source = """
        from torch import nn

        def make_head(num_features, num_classes):
            return nn.Sequential(nn.Linear(num_features, num_classes), nn.ReLU())
    """
    assert findings(source, "NN703") == [(5, 64)]
    assert "cannot be negative" in messages(source, "NN703")[0]


def test_classifier_attribute_with_dropout_after_the_relu():
    source = """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, n_classes=10):
                super().__init__()
                self.classifier = nn.Sequential(
                    nn.Linear(512, 256),
                    nn.ReLU(),
                    nn.Linear(256, n_classes),
                    nn.ReLU(inplace=True),
                    nn.Dropout(0.2),
                )
    """
    assert findings(source, "NN703") == [(11, 13)]


def test_forward_returns_relu_of_the_class_layer():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self, classes):
                super().__init__()
                self.hidden = nn.Linear(128, 64)
                self.fc = nn.Linear(64, len(classes))

            def forward(self, x):
                x = F.relu(self.hidden(x))
                x = self.fc(x)
                return F.relu(x)
    """
    assert findings(source, "NN703") == [(14, 16)]


def test_forward_applies_the_relu_to_the_class_scores_then_returns_them():
    source = """
        import torch
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self, num_classes):
                super().__init__()
                self.fc = nn.Linear(64, num_classes)

            def forward(self, x):
                x = self.fc(x)
                x = torch.relu(x)
                return x
    """
    assert findings(source, "NN703") == [(12, 13)]


def test_relu_model_output_fed_to_cross_entropy_in_a_training_loop():
    source = """
        from torch import nn

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.ReLU())
        criterion = nn.CrossEntropyLoss()

        def train(loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
    """
    assert findings(source, "NN703") == [(4, 89)]


def test_relu_layer_attribute_on_the_output_in_lightning_forward():
    source = """
        import pytorch_lightning as pl
        from torch import nn

        class Lit(pl.LightningModule):
            def __init__(self, num_labels):
                super().__init__()
                self.out = nn.Linear(768, num_labels)
                self.act = nn.ReLU()

            def forward(self, h):
                return self.act(self.out(h))
    """
    assert findings(source, "NN703") == [(12, 16)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            from torch import nn

            def make_head(num_features, num_classes):
                return nn.Sequential(nn.Linear(num_features, 256), nn.ReLU(), nn.Linear(256, num_classes))
            """,
            id="head-ends-in-linear",
        ),
        pytest.param(
            """
            from torch import nn

            projector = nn.Sequential(nn.Linear(2048, 512), nn.ReLU())
            expand = nn.Sequential(nn.Linear(2048, num_classes * 4), nn.ReLU())
            """,
            id="hidden-blocks-not-sized-as-the-classes",
        ),
        pytest.param(
            """
            import torch.nn.functional as F
            from torch import nn

            class DepthNet(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(64, 1)

                def forward(self, x):
                    return F.relu(self.fc(x))
            """,
            id="non-negative-regression-output",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            def loss_of(model, x, y):
                features = F.relu(model.backbone(x))
                return F.cross_entropy(model.head(features), y)
            """,
            id="relu-on-features-before-the-head",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self, num_classes):
                    super().__init__()
                    self.fc = nn.Linear(64, num_classes)

                def forward(self, x):
                    return self.fc(torch.relu(x))

            @torch.no_grad()
            def predict(model, x):
                return torch.relu(model(x)).argmax(1)
            """,
            id="relu-before-the-class-layer",
        ),
        pytest.param(
            """
            from torch import nn

            criterion = nn.MSELoss()
            model = nn.Sequential(nn.Linear(8, 1), nn.ReLU())

            def step(x, y):
                return criterion(model(x), y)
            """,
            id="relu-output-into-a-regression-loss",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN703") == []
