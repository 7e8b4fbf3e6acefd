"""NN210: cross-entropy on one output unit (always zero loss); points at the loss call."""

from tests.rules.helpers import findings, messages


def test_binary_classifier_with_one_unit_and_cross_entropy():
    source = """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(30, 16)
                self.fc2 = nn.Linear(16, 1)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())

        net = Net()
        criterion = nn.CrossEntropyLoss()
        for x, y in trainloader:
            loss = criterion(net(x), y)
            loss.backward()
    """
    assert findings(source, "NN210") == [(16, 12)]
    assert "BCEWithLogitsLoss" in messages(source, "NN210")[0]


def test_sequential_head_with_out_features_keyword():
    source = """
        import torch.nn.functional as F
        from torch import nn

        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, out_features=1))
        loss = F.cross_entropy(model(x).squeeze(1), y)
    """
    assert findings(source, "NN210") == [(6, 8)]


def test_layer_called_directly_in_a_training_step():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        class Detector(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = nn.Conv2d(3, 8, 3)
                self.objectness = nn.Linear(8, 1)

            def loss(self, x, y):
                feats = self.backbone(x).mean((2, 3))
                logits = self.objectness(feats)
                return F.cross_entropy(logits, y)
    """
    assert findings(source, "NN210") == [(14, 16)]


def test_segmentation_head_with_one_output_channel():
    source = """
        import torch.nn as nn

        class UNetHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.out = nn.Conv2d(64, 1, kernel_size=1)

            def forward(self, x):
                return self.out(x)

        model = UNetHead().to(device)
        criterion = nn.CrossEntropyLoss()

        def step(images, masks):
            outputs = model(images)
            return criterion(outputs, masks)
    """
    assert findings(source, "NN210") == [(17, 12)]


def test_lazy_linear_with_one_output():
    source = """
        import torch
        from torch import nn

        head = nn.LazyLinear(1)
        loss = torch.nn.CrossEntropyLoss()(head(features), labels)
    """
    assert findings(source, "NN210") == [(6, 8)]


def test_bce_with_logits_on_one_unit_is_clean():
    source = """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
        loss = nn.BCEWithLogitsLoss()(model(x).squeeze(1), y.float())
    """
    assert findings(source, "NN210") == []


def test_two_class_head_with_cross_entropy_is_clean():
    source = """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 2))
        loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert findings(source, "NN210") == []


def test_one_unit_score_used_as_attention_before_the_classifier_is_clean():
    source = """
        import torch
        import torch.nn as nn

        class Pool(nn.Module):
            def __init__(self):
                super().__init__()
                self.score = nn.Linear(64, 1)
                self.cls = nn.Linear(64, 10)

            def forward(self, x):
                w = torch.softmax(self.score(x), dim=1)
                return self.cls((w * x).sum(1))

        loss = nn.CrossEntropyLoss()(Pool()(x), y)
    """
    assert findings(source, "NN210") == []


def test_number_of_classes_from_a_variable_is_clean():
    source = """
        import torch.nn as nn

        head = nn.Linear(512, num_classes)
        loss = nn.CrossEntropyLoss()(head(features), labels)
    """
    assert findings(source, "NN210") == []


def test_mse_on_a_one_unit_regressor_is_clean():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        head = nn.Linear(512, 1)
        loss = F.mse_loss(head(features), targets)
    """
    assert findings(source, "NN210") == []
