"""NN207: sigmoid scores fed to cross-entropy, which normalises logits itself; points at the loss call."""

from tests.rules.helpers import findings, messages


def test_inline_sigmoid_into_functional_cross_entropy():
    source = """
        import torch
        import torch.nn.functional as F

        def loss_fn(model, x, y):
            return F.cross_entropy(torch.sigmoid(model(x)), y)
    """
    assert findings(source, "NN207") == [(6, 12)]
    assert "pass the logits" in messages(source, "NN207")[0]


def test_sigmoid_method_through_a_variable_into_a_criterion():
    source = """
        import torch.nn as nn

        criterion = nn.CrossEntropyLoss()
        for images, labels in trainloader:
            outputs = net(images).sigmoid()
            loss = criterion(outputs, labels)
            loss.backward()
    """
    assert findings(source, "NN207") == [(7, 12)]


def test_model_class_ending_in_sigmoid_linked_by_criterion_of_net():
    source = """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(128, 10)
                self.act = nn.Sigmoid()

            def forward(self, x):
                return self.act(self.fc(x))

        net = Net()
        criterion = nn.CrossEntropyLoss()

        def train(x, y):
            loss = criterion(net(x), y)
            loss.backward()
    """
    assert findings(source, "NN207") == [(17, 12)]


def test_sequential_ending_in_sigmoid_is_reported_as_the_model():
    source = """
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5), nn.Sigmoid())
        loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert findings(source, "NN207") == [(5, 8)]
    assert "remove the final `nn.Sigmoid`" in messages(source, "NN207")[0]


def test_self_criterion_in_a_trainer_with_functional_sigmoid():
    source = """
        import torch.nn.functional as F
        from torch import nn

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

            def step(self, x, y):
                probs = F.sigmoid(self.model(x))
                return self.criterion(probs, y)
    """
    assert findings(source, "NN207") == [(12, 16)]


def test_logits_into_cross_entropy_are_clean():
    source = """
        import torch.nn.functional as F

        def loss_fn(model, x, y):
            logits = model(x)
            return F.cross_entropy(logits, y)
    """
    assert findings(source, "NN207") == []


def test_sigmoid_used_for_metrics_next_to_the_loss_is_clean():
    source = """
        import torch
        import torch.nn as nn

        criterion = nn.CrossEntropyLoss()
        logits = model(x)
        loss = criterion(logits, y)
        confidence = torch.sigmoid(logits).max(1).values
    """
    assert findings(source, "NN207") == []


def test_sigmoid_into_bce_is_not_this_rule():
    source = """
        import torch
        import torch.nn as nn

        loss = nn.BCELoss()(torch.sigmoid(model(x)), y)
    """
    assert findings(source, "NN207") == []


def test_sigmoid_gate_inside_the_model_before_a_linear_head_is_clean():
    source = """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.gate = nn.Linear(64, 64)
                self.head = nn.Linear(64, 10)

            def forward(self, x):
                return self.head(x * torch.sigmoid(self.gate(x)))

        model = Net()
        loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert findings(source, "NN207") == []


def test_sigmoid_rebound_to_logits_before_the_loss_is_clean():
    source = """
        import torch
        import torch.nn.functional as F

        out = torch.sigmoid(model(x))
        out = model(x)
        loss = F.cross_entropy(out, y)
    """
    assert findings(source, "NN207") == []


# Seen in the wild (opendataval/opendataval#25): a logistic-regression model whose `forward` ends in a sigmoid
# picks its loss by the number of classes, and its `fit` calls the criterion on `self(x)`.
def test_criterion_picked_by_a_conditional_expression_with_a_cross_entropy_arm():
    source = """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class LogisticRegression(nn.Module):
            def __init__(self, input_dim, num_classes):
                super().__init__()
                self.num_classes = num_classes
                self.linear = nn.Linear(input_dim, num_classes)

            def forward(self, x):
                return F.sigmoid(self.linear(x))

            def fit(self, x, y):
                criterion = F.binary_cross_entropy if self.num_classes == 2 else F.cross_entropy
                return criterion(self(x), y)
    """
    assert findings(source, "NN207") == [(17, 16)]


def test_conditional_criterion_on_logits_or_with_an_unknown_arm_is_clean():
    source = """
        import torch
        import torch.nn.functional as F
        from torch import nn

        class LogisticRegression(nn.Module):
            def __init__(self, input_dim, num_classes):
                super().__init__()
                self.num_classes = num_classes
                self.linear = nn.Linear(input_dim, num_classes)

            def forward(self, x):
                return self.linear(x)

            def fit(self, x, y):
                criterion = F.binary_cross_entropy_with_logits if self.num_classes == 2 else F.cross_entropy
                return criterion(self(x), y)

        def score(probs_fn, x, y, custom):
            loss_fn = F.cross_entropy if custom is None else custom
            return loss_fn(torch.sigmoid(x), y)
    """
    assert findings(source, "NN207") == []
