"""NN202: sigmoid output fed to BCEWithLogitsLoss (a double sigmoid); points at the loss call."""

import pytest

from tests.rules.helpers import findings, messages


def test_inline_sigmoid_into_functional_with_logits():
    source = """
        import torch
        import torch.nn.functional as F

        def mask_loss(logits, masks):
            return F.binary_cross_entropy_with_logits(torch.sigmoid(logits), masks)
    """
    assert findings(source, "NN202") == [(6, 12)]
    assert "pass the logits" in messages(source, "NN202")[0]


def test_sigmoid_variable_into_criterion_attribute_in_lightning_training_step():
    source = """
        import torch
        from torch import nn

        class LitTagger:
            def __init__(self, backbone):
                self.backbone = backbone
                self.loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))

            def training_step(self, batch, batch_idx):
                x, y = batch
                probs = self.backbone(x).sigmoid()
                return self.loss_fn(probs, y.float())
    """
    assert findings(source, "NN202") == [(13, 16)]


def test_model_ending_in_sigmoid_in_a_module_level_loop():
    source = """
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 1), nn.Flatten(0), nn.Sigmoid())
        criterion = nn.BCEWithLogitsLoss()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN202") == [(8, 12)]
    assert "remove the final `nn.Sigmoid`" in messages(source, "NN202")[0]


def test_functional_import_and_sigmoid_squeezed_with_amp():
    source = """
        import torch
        from torch.nn import functional

        def train(model, loader, optimizer):
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                with torch.autocast("cuda"):
                    out = functional.sigmoid(model(x)).squeeze(1)
                    loss = functional.binary_cross_entropy_with_logits(out, y)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN202") == [(10, 20)]


def test_module_whose_forward_returns_sigmoid_with_accumulation():
    source = """
        import torch
        from torch import nn

        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 1)

            def forward(self, x):
                return torch.sigmoid(self.fc(x))

        net = Scorer()
        criterion = nn.BCEWithLogitsLoss()

        def fit(loader, optimizer, k=8):
            for i, (x, y) in enumerate(loader):
                (criterion(net(x), y) / k).backward()
                if (i + 1) % k == 0:
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN202") == [(18, 10)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            def step(model, x, y):
                logits = model(x)
                loss = F.binary_cross_entropy_with_logits(logits, y)
                preds = torch.sigmoid(logits) > 0.5
                return loss, preds
            """,
            id="sigmoid-only-for-predictions",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            def step(model, x, y):
                probs = torch.sigmoid(model(x))
                return F.binary_cross_entropy(probs, y)
            """,
            id="sigmoid-into-plain-bce-is-nn203-not-nn202",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class Lit:
                def __init__(self):
                    self.criterion = nn.BCEWithLogitsLoss()

                @torch.no_grad()
                def validation_step(self, batch, batch_idx):
                    x, y = batch
                    logits = self.model(x)
                    self.log("val_loss", self.criterion(logits, y))
                    return logits.sigmoid()
            """,
            id="lightning-validation-on-logits",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            def distill(student_logits, teacher_logits):
                with torch.no_grad():
                    teacher = torch.sigmoid(teacher_logits)
                return F.binary_cross_entropy_with_logits(student_logits, teacher)
            """,
            id="sigmoid-as-the-soft-target",
        ),
        pytest.param(
            """
            import torch.nn.functional as F
            from torch import nn

            model = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid(), nn.Linear(1, 1))

            def loss(x, y):
                return F.binary_cross_entropy_with_logits(model(x), y)
            """,
            id="sigmoid-inside-the-model-not-at-its-end",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            criterion = nn.BCEWithLogitsLoss()

            def evaluate(model, loader):
                with torch.inference_mode():
                    for x, y in loader:
                        out = torch.sigmoid(model(x))
                        out = model(x)
                        print(criterion(out, y).item())
            """,
            id="name-rebound-to-logits",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN202") == []
