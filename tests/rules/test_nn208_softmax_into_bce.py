"""NN208: a softmax over classes fed to binary cross-entropy; points at the loss call."""

from tests.rules.helpers import findings, messages


def test_multi_label_tagger_with_softmax_into_bce_loss():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        criterion = nn.BCELoss()
        for images, tags in trainloader:
            probs = F.softmax(model(images), dim=1)
            loss = criterion(probs, tags.float())
            loss.backward()
    """
    assert findings(source, "NN208") == [(8, 12)]
    assert "BCEWithLogitsLoss" in messages(source, "NN208")[0]


def test_softmax_method_into_functional_bce():
    source = """
        import torch.nn.functional as F

        def loss_fn(logits, targets):
            return F.binary_cross_entropy(logits.softmax(-1), targets)
    """
    assert findings(source, "NN208") == [(5, 12)]


def test_softmax_into_bce_with_logits_criterion_on_self():
    source = """
        import torch
        from torch import nn

        class Tagger:
            def __init__(self, backbone):
                self.backbone = backbone
                self.loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.ones(20))

            def training_step(self, batch, batch_idx):
                x, y = batch
                return self.loss_fn(torch.softmax(self.backbone(x), 1), y)
    """
    assert findings(source, "NN208") == [(12, 16)]


def test_model_class_ending_in_softmax_linked_through_outputs():
    source = """
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Sequential(nn.Linear(512, 20), nn.Softmax(dim=1))

            def forward(self, x):
                return self.head(x)

        net = Tagger()
        criterion = nn.BCELoss()

        def step(x, y):
            outputs = net(x)
            return criterion(outputs, y)
    """
    assert findings(source, "NN208") == [(17, 12)]
    assert "ends in `nn.Softmax`" in messages(source, "NN208")[0]


def test_log_softmax_into_bce_with_logits():
    source = """
        import torch.nn.functional as F

        loss = F.binary_cross_entropy_with_logits(F.log_softmax(out, dim=1), labels)
    """
    assert findings(source, "NN208") == [(4, 8)]


def test_selected_positive_class_column_is_clean():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        criterion = nn.BCELoss()
        p_positive = F.softmax(model(x), 1)[:, 1]
        loss = criterion(p_positive, y.float())
        direct = criterion(F.softmax(model(x), dim=1)[:, 1], y.float())
    """
    assert findings(source, "NN208") == []


def test_sigmoid_into_bce_is_not_this_rule():
    source = """
        import torch
        import torch.nn as nn

        loss = nn.BCELoss()(torch.sigmoid(model(x)), y)
    """
    assert findings(source, "NN208") == []


def test_logits_into_bce_with_logits_are_clean():
    source = """
        import torch.nn as nn

        loss = nn.BCEWithLogitsLoss()(model(x), y)
    """
    assert findings(source, "NN208") == []


def test_softmax_into_cross_entropy_is_not_this_rule():
    source = """
        import torch.nn.functional as F

        loss = F.cross_entropy(F.softmax(out, 1), y)
    """
    assert findings(source, "NN208") == []


def test_attention_softmax_inside_the_model_before_the_head_is_clean():
    source = """
        import torch
        from torch import nn

        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.score = nn.Linear(64, 1)
                self.head = nn.Linear(64, 20)

            def forward(self, x):
                weights = torch.softmax(self.score(x), dim=1)
                return self.head((weights * x).sum(1))

        loss = nn.BCEWithLogitsLoss()(Tagger()(x), y)
    """
    assert findings(source, "NN208") == []


# Seen in the wild (carla-recourse/CARLA#117): the reference classifier ends in `nn.Softmax` and reaches the
# training function as a parameter annotated with its class; the loss is `nn.BCELoss`.
def test_model_parameter_annotated_with_a_class_of_the_file_ending_in_softmax():
    source = """
        import torch
        from torch import nn

        class AnnModel(nn.Module):
            def __init__(self, dim_input, num_classes):
                super().__init__()
                self.layers = nn.Sequential(nn.Linear(dim_input, num_classes), nn.Softmax(dim=1))

            def forward(self, x):
                return self.layers(x)

        def train(model: AnnModel, loader):
            criterion = nn.BCELoss()
            for features, labels in loader:
                loss = criterion(model(features), labels)

        def train_quoted(model: "AnnModel", features, labels):
            return nn.BCELoss()(model(features), labels)
    """
    assert findings(source, "NN208") == [(16, 16), (19, 12)]


def test_annotation_of_a_logits_model_an_unknown_class_or_a_reassigned_parameter_is_clean():
    source = """
        import torch
        from torch import nn
        from models import Classifier

        class LogitModel(nn.Module):
            def __init__(self, dim_input, num_classes):
                super().__init__()
                self.fc = nn.Linear(dim_input, num_classes)

            def forward(self, x):
                return self.fc(x)

        class SoftmaxModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=1))

            def forward(self, x):
                return self.layers(x)

        def train(model: LogitModel, other: Classifier, features, labels):
            criterion = nn.BCEWithLogitsLoss()
            return criterion(model(features), labels) + nn.BCELoss()(other(features), labels)

        def rebuilt(model: SoftmaxModel, features, labels):
            model = LogitModel(4, 2)
            return nn.BCEWithLogitsLoss()(model(features), labels)
    """
    assert findings(source, "NN208") == []
