"""NN701: Conv/Linear with a bias right before BatchNorm; points at the Conv/Linear constructor."""

import textwrap

import pytest

from tests.rules.helpers import findings, fixed, messages


def test_conv_with_default_bias_then_batchnorm_in_a_sequential():
    source = """
        from torch import nn

        block = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
    """
    assert findings(source, "NN701") == [(4, 23)]
    assert "bias=False" in messages(source, "NN701")[0]


def test_layers_applied_one_after_the_other_in_forward():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, padding=1)
                self.bn = nn.BatchNorm2d(c)

            def forward(self, x):
                x = self.conv(x)
                x = self.bn(x)
                return F.relu(x)
    """
    assert findings(source, "NN701") == [(8, 21)]


def test_nested_call_with_linear_and_batchnorm1d():
    source = """
        import torch
        from torch import nn

        class Projector(torch.nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = torch.nn.Linear(d, d, bias=True)
                self.norm = nn.BatchNorm1d(d)

            def forward(self, x):
                return torch.relu(self.norm(self.fc(x)))
    """
    assert findings(source, "NN701") == [(8, 19)]


def test_ordered_dict_sequential_with_conv_transpose():
    source = """
        from collections import OrderedDict
        from torch import nn

        decoder = nn.Sequential(
            OrderedDict(
                [
                    ("up", nn.ConvTranspose2d(64, 32, 2, stride=2)),
                    ("bn", nn.SyncBatchNorm(32)),
                    ("act", nn.ReLU()),
                ]
            )
        )
    """
    assert findings(source, "NN701") == [(8, 20)]


def test_conv_bound_to_a_local_name_before_the_sequential():
    source = """
        from torch import nn

        def stem(width):
            conv = nn.Conv1d(1, width, 7, stride=2)
            return nn.Sequential(conv, nn.BatchNorm1d(width), nn.ReLU())
    """
    assert findings(source, "NN701") == [(5, 12)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            from torch import nn

            block = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
            """,
            id="bias-false",
        ),
        pytest.param(
            """
            from torch import nn

            block = nn.Sequential(nn.Conv2d(3, 64, 3), nn.ReLU(), nn.BatchNorm2d(64))
            """,
            id="activation-in-between",
        ),
        pytest.param(
            """
            from torch import nn

            block = nn.Sequential(nn.Linear(64, 64), nn.LayerNorm(64), nn.GELU())
            """,
            id="layer-norm-does-not-cancel-a-per-feature-bias",
        ),
        pytest.param(
            """
            from torch import nn

            class Block(nn.Module):
                def __init__(self, c, **factory):
                    super().__init__()
                    self.conv = nn.Conv2d(c, c, 3, **factory)
                    self.bn = nn.BatchNorm2d(c)

                def forward(self, x):
                    return self.bn(self.conv(x))
            """,
            id="kwargs-may-carry-bias-false",
        ),
        pytest.param(
            """
            import torch.nn.functional as F
            from torch import nn

            class Residual(nn.Module):
                def __init__(self, c):
                    super().__init__()
                    self.conv = nn.Conv2d(c, c, 3, padding=1)
                    self.bn = nn.BatchNorm2d(c)

                def forward(self, x):
                    y = self.conv(x)
                    y = F.relu(y)
                    return self.bn(y + x)
            """,
            id="batchnorm-on-something-else",
        ),
        pytest.param(
            """
            from torch import nn

            class Head(nn.Module):
                def __init__(self, c, use_bn):
                    super().__init__()
                    self.conv = nn.Conv2d(c, c, 1, bias=not use_bn)
                    self.bn = nn.BatchNorm2d(c) if use_bn else nn.Identity()

                def forward(self, x):
                    return self.bn(self.conv(x))
            """,
            id="bias-decided-at-runtime",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN701") == []


def test_fix_adds_bias_false_and_keeps_the_comment():
    source = """
        from torch import nn

        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, padding=1)  # 3x3, same size
                self.bn = nn.BatchNorm2d(c)

            def forward(self, x):
                return self.bn(self.conv(x))
    """
    after = fixed(source, "NN701")
    assert "self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)  # 3x3, same size" in after
    assert fixed(after, "NN701") == after


def test_fix_turns_an_explicit_bias_true_off():
    source = """
        from torch import nn

        layer = nn.Sequential(nn.Linear(8, 8, bias=True), nn.BatchNorm1d(8))
    """
    assert "nn.Linear(8, 8, bias=False)" in fixed(source, "NN701")


def test_fix_keeps_a_multi_line_call_as_written():
    source = """
        from torch import nn

        block = nn.Sequential(
            nn.Conv2d(
                3,
                64,
                kernel_size=3,
            ),
            nn.BatchNorm2d(64),
        )
    """
    assert fixed(source, "NN701") == textwrap.dedent(source).replace("kernel_size=3,", "kernel_size=3, bias=False,")
