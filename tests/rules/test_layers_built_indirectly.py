"""NN701-NN703 see layers built the way real models build them: lists, loops, helpers."""

import pytest

from tests.rules.helpers import findings, fixed

FLAGGED = {
    "NN701 VGG-style loop appending conv, bn, relu": ("NN701", """
        from torch import nn

        def make_layers(cfg):
            layers = []
            in_channels = 3
            for v in cfg:
                layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
                layers.append(nn.BatchNorm2d(v))
                layers += [nn.ReLU(inplace=True)]
                in_channels = v
            return nn.Sequential(*layers)
    """),
    "NN701 helper returning a biased conv, then BatchNorm": ("NN701", """
        from torch import nn

        def conv3x3(in_planes, out_planes):
            return nn.Conv2d(in_planes, out_planes, 3, padding=1)

        def conv_bn(inp, oup):
            return nn.Sequential(conv3x3(inp, oup), nn.BatchNorm2d(oup), nn.ReLU6(inplace=True))
    """),
    "NN702 list extended with dropout between convs": ("NN702", """
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                blocks = [nn.Conv2d(3, 32, 3), nn.ReLU()]
                blocks.extend([nn.Dropout(0.3), nn.Conv2d(32, 64, 3)])
                self.blocks = nn.Sequential(*blocks)
    """),
    "NN703 head list ending in ReLU": ("NN703", """
        from torch import nn

        class Classifier(nn.Module):
            def __init__(self, num_classes):
                super().__init__()
                head = [nn.Linear(512, 256), nn.ReLU()]
                head.append(nn.Linear(256, num_classes))
                head.append(nn.ReLU())
                self.head = nn.Sequential(*head)
    """),
}

CLEAN = {
    "NN701 loop appending conv without bias": ("NN701", """
        from torch import nn

        def make_layers(cfg):
            layers = []
            in_channels = 3
            for v in cfg:
                layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1, bias=False))
                layers.append(nn.BatchNorm2d(v))
                in_channels = v
            return nn.Sequential(*layers)
    """),
    "NN701 exclusive branches: conv+bn or conv alone": ("NN701", """
        from torch import nn

        def make_layers(cfg, batch_norm):
            layers = []
            for v in cfg:
                conv = nn.Conv2d(3, v, 3, bias=not batch_norm)
                if batch_norm:
                    layers += [conv, nn.BatchNorm2d(v)]
                else:
                    layers += [conv, nn.ReLU()]
            return nn.Sequential(*layers)
    """),
    "NN701 list handed to a function before the Sequential": ("NN701", """
        from torch import nn

        def build(width):
            layers = [nn.Conv2d(3, width, 3)]
            add_norm(layers, width)
            return nn.Sequential(*layers)
    """),
    "NN701 helper returning a conv without bias": ("NN701", """
        from torch import nn

        def conv3x3(in_planes, out_planes):
            return nn.Conv2d(in_planes, out_planes, 3, padding=1, bias=False)

        def conv_bn(inp, oup):
            return nn.Sequential(conv3x3(inp, oup), nn.BatchNorm2d(oup))
    """),
    "NN702 list with Dropout2d": ("NN702", """
        from torch import nn

        blocks = [nn.Conv2d(3, 32, 3), nn.ReLU()]
        blocks.extend([nn.Dropout2d(0.3), nn.Conv2d(32, 64, 3)])
        model = nn.Sequential(*blocks)
    """),
    "NN703 head list ending in the Linear": ("NN703", """
        from torch import nn

        def head(num_classes):
            layers = [nn.Linear(512, 256), nn.ReLU()]
            layers.append(nn.Linear(256, num_classes))
            return nn.Sequential(*layers)
    """),
}


@pytest.mark.parametrize("case", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(case):
    code, source = case
    assert len(findings(source, code)) == 1


@pytest.mark.parametrize("case", CLEAN.values(), ids=CLEAN.keys())
def test_clean(case):
    code, source = case
    assert findings(source, code) == []


def test_a_helpers_layer_is_reported_once_and_not_fixed_for_every_caller():
    source = """
        from torch import nn

        def conv3x3(a, b):
            return nn.Conv2d(a, b, 3, padding=1)

        stem = nn.Sequential(conv3x3(3, 16), nn.BatchNorm2d(16))
        body = nn.Sequential(conv3x3(16, 16), nn.BatchNorm2d(16))
        plain = nn.Sequential(conv3x3(16, 16), nn.ReLU())
    """
    assert findings(source, "NN701") == [(5, 12)]
    assert "bias=False" not in fixed(source, "NN701")


def test_a_loop_built_list_is_fixed_at_its_constructor():
    _, source = FLAGGED["NN701 VGG-style loop appending conv, bn, relu"]
    assert "nn.Conv2d(in_channels, v, kernel_size=3, padding=1, bias=False)" in fixed(source, "NN701")


def test_nn703_forward_applying_relu_to_the_last_linear_before_log_softmax():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 50)
                self.fc2 = nn.Linear(50, 10)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                return F.log_softmax(x, dim=1)
    """
    assert findings(source, "NN703") == [(13, 13)]


def test_nn703_forward_with_log_softmax_straight_on_the_last_linear_is_clean():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 50)
                self.fc2 = nn.Linear(50, 10)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = self.fc2(x)
                return F.log_softmax(x, dim=1)
    """
    assert findings(source, "NN703") == []


def test_nn701_bn_attribute_built_from_a_norm_layer_parameter():
    source = """
        from torch import nn

        class SPBlock(nn.Module):
            def __init__(self, inplanes, outplanes, norm_layer=None):
                super().__init__()
                self.conv1 = nn.Conv2d(inplanes, outplanes, (3, 1), padding=(1, 0), bias=True)
                self.bn1 = norm_layer(outplanes)

            def forward(self, x):
                return self.bn1(self.conv1(x))
    """
    assert findings(source, "NN701") == [(7, 22)]


def test_nn701_norm_attribute_of_unknown_kind_from_a_norm_layer_parameter_is_clean():
    source = """
        from torch import nn

        class Block(nn.Module):
            def __init__(self, inplanes, outplanes, norm_layer=None):
                super().__init__()
                self.conv1 = nn.Conv2d(inplanes, outplanes, 3, padding=1)
                self.norm1 = norm_layer(outplanes)

            def forward(self, x):
                return self.norm1(self.conv1(x))
    """
    assert findings(source, "NN701") == []
