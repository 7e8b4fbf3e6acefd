"""NN702: element-wise nn.Dropout between conv layers; points at the Dropout constructor."""

import pytest

from tests.rules.helpers import findings, messages


def test_dropout_between_two_conv2d_in_a_sequential():
    source = """
        from torch import nn

        features = nn.Sequential(
            nn.Conv2d(3, 32, 3),
            nn.ReLU(),
            nn.Dropout(0.25),
            nn.Conv2d(32, 64, 3),
        )
    """
    assert findings(source, "NN702") == [(7, 5)]
    assert "nn.Dropout2d" in messages(source, "NN702")[0]


def test_dropout_after_pooling_and_batchnorm_between_conv3d():
    source = """
        import torch.nn as nn

        net = nn.Sequential(nn.Conv3d(1, 8, 3), nn.BatchNorm3d(8), nn.MaxPool3d(2), nn.Dropout(), nn.Conv3d(8, 16, 3))
    """
    assert findings(source, "NN702") == [(4, 77)]
    assert "nn.Dropout3d" in messages(source, "NN702")[0]


def test_dropout_attribute_used_between_convs_in_forward():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3)
                self.conv2 = nn.Conv2d(32, 64, 3)
                self.drop = nn.Dropout(0.3)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = self.drop(x)
                x = F.relu(self.conv2(x))
                return x
    """
    assert findings(source, "NN702") == [(10, 21)]


def test_functional_dropout_nested_in_forward():
    source = """
        from torch import nn
        from torch.nn import functional

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv1d(16, 32, 5)
                self.b = nn.Conv1d(32, 32, 5)

            def forward(self, x):
                return self.b(functional.dropout(functional.relu(self.a(x)), 0.2, self.training))
    """
    assert findings(source, "NN702") == [(12, 23)]
    assert "use `functional.dropout1d`" in messages(source, "NN702")[0]


def test_dropout_bound_to_a_name_inside_a_builder_function():
    source = """
        from torch import nn

        def block(c):
            drop = nn.Dropout(p=0.1)
            return nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(inplace=True), drop, nn.Conv2d(c, c, 1))
    """
    assert findings(source, "NN702") == [(5, 12)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            from torch import nn

            features = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.Dropout2d(0.25), nn.Conv2d(32, 64, 3))
            """,
            id="dropout2d",
        ),
        pytest.param(
            """
            from torch import nn

            net = nn.Sequential(
                nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                nn.Flatten(), nn.Linear(5408, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
            )
            """,
            id="dropout-before-the-classifier",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv1 = nn.Conv2d(1, 32, 3, 1)
                    self.conv2 = nn.Conv2d(32, 64, 3, 1)
                    self.dropout1 = nn.Dropout(0.25)
                    self.fc1 = nn.Linear(9216, 128)

                def forward(self, x):
                    x = F.relu(self.conv1(x))
                    x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                    x = self.dropout1(x)
                    return self.fc1(torch.flatten(x, 1))
            """,
            id="pytorch-mnist-example",
        ),
        pytest.param(
            """
            from torch import nn

            block = nn.Sequential(nn.Conv1d(8, 8, 3), nn.Dropout(0.1), nn.Conv2d(8, 8, 3))
            """,
            id="convolutions-of-different-dimensionality",
        ),
        pytest.param(
            """
            from torch import nn

            class Mixer(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv1 = nn.Conv2d(3, 8, 3)
                    self.conv2 = nn.Conv2d(8, 8, 3)
                    self.drop = nn.Dropout(0.1)

                def forward(self, x):
                    y = self.drop(self.conv1(x).mean((2, 3)))
                    return self.conv2(x) * y[:, :, None, None]
            """,
            id="dropout-on-pooled-channel-weights",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN702") == []
