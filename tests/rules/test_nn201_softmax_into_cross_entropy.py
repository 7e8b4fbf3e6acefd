"""NN201: softmax / log_softmax output fed to a cross-entropy loss; points at the loss call."""

import textwrap

import pytest

from tests.rules.helpers import findings, fixed, messages


def test_softmax_variable_into_functional_cross_entropy():
    source = """
        import torch.nn.functional as F

        def training_step(model, x, y):
            logits = model(x)
            probs = F.softmax(logits, dim=1)
            return F.cross_entropy(probs, y)
    """
    assert findings(source, "NN201") == [(7, 12)]
    assert "pass the logits" in messages(source, "NN201")[0]


def test_inline_softmax_into_criterion_built_in_init():
    source = """
        import torch
        from torch import nn

        class Classifier:
            def __init__(self, net):
                self.net = net
                self.criterion = nn.CrossEntropyLoss()

            def training_step(self, batch, batch_idx):
                x, y = batch
                loss = self.criterion(torch.softmax(self.net(x), -1), y)
                return loss
    """
    assert findings(source, "NN201") == [(12, 16)]


def test_model_ending_in_softmax_fed_to_cross_entropy_in_a_module_level_loop():
    source = """
        from torch import nn

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.Softmax(dim=1))
        criterion = nn.CrossEntropyLoss()
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN201") == [(8, 12)]
    assert "remove the final `nn.Softmax`" in messages(source, "NN201")[0]


def test_module_whose_forward_returns_log_softmax_with_amp_loop():
    source = """
        import torch
        from torch.nn import functional

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(32, 4)

            def forward(self, x):
                return functional.log_softmax(self.fc(x), dim=1)

        def train(loader, optimizer):
            model = Net()
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                with torch.autocast("cuda"):
                    loss = functional.cross_entropy(model(x), y)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN201") == [(18, 20)]
    assert "log_softmax output" in messages(source, "NN201")[0]


def test_tensor_method_softmax_reshaped_for_a_sequence_loss_with_accumulation():
    source = """
        import torch.nn.functional as F

        def train(model, loader, optimizer, accumulation=4):
            for step, (tokens, targets) in enumerate(loader):
                scores = model(tokens).softmax(-1)
                loss = F.cross_entropy(scores.view(-1, scores.size(-1)), targets.view(-1)) / accumulation
                loss.backward()
                if (step + 1) % accumulation == 0:
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN201") == [(7, 16)]


def test_softmax_layer_attribute_applied_before_the_loss():
    source = """
        from torch import nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.softmax = nn.Softmax(dim=1)
                self.loss = nn.CrossEntropyLoss()

            def compute_loss(self, logits, y):
                return self.loss(self.softmax(logits), y)
    """
    assert findings(source, "NN201") == [(11, 16)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import torch.nn.functional as F

            def step(model, x, y):
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                accuracy = (F.softmax(logits, dim=1).argmax(1) == y).float().mean()
                return loss, accuracy
            """,
            id="softmax-only-for-a-metric",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def distill(student_logits, teacher_logits):
                soft_targets = F.softmax(teacher_logits / 2.0, dim=-1)
                return F.cross_entropy(student_logits, soft_targets)
            """,
            id="softmax-as-the-soft-target",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def nll(model, x, y):
                return F.nll_loss(F.log_softmax(model(x), dim=1), y)
            """,
            id="log-softmax-into-nll-loss",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class LitModel:
                def __init__(self, net):
                    self.net = net
                    self.criterion = nn.CrossEntropyLoss()

                @torch.no_grad()
                def validation_step(self, batch, batch_idx):
                    x, y = batch
                    logits = self.net(x)
                    probs = torch.softmax(logits, dim=-1)
                    self.log("val_loss", self.criterion(logits, y))
                    return probs
            """,
            id="lightning-validation-step-logs-loss-on-logits",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            def evaluate(model, loader):
                with torch.inference_mode():
                    for x, y in loader:
                        probs = F.softmax(model(x), dim=1)
                        probs = model(x)
                        print(F.cross_entropy(probs, y))
            """,
            id="name-rebound-to-logits-before-the-loss",
        ),
        pytest.param(
            """
            from torch import nn

            model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1))

            def loss_fn(pred, y):
                return nn.CrossEntropyLoss()(pred, y)
            """,
            id="softmax-model-but-the-loss-input-is-a-parameter",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN201") == []


def test_fix_drops_an_inline_softmax_and_keeps_comments():
    source = """
        import torch.nn.functional as F

        def loss_of(logits, y):
            return F.cross_entropy(F.softmax(logits, dim=1), y)  # the classification loss
    """
    after = fixed(source, "NN201")
    assert "return F.cross_entropy(logits, y)  # the classification loss" in after
    assert fixed(after, "NN201") == after


def test_fix_passes_the_logits_variable_instead_of_the_probabilities():
    source = """
        import torch.nn.functional as F

        def loss_of(model, x, y):
            logits = model(x)
            probs = F.softmax(logits, dim=1)
            return F.cross_entropy(probs, y), probs
    """
    after = fixed(source, "NN201")
    assert "return F.cross_entropy(logits, y), probs" in after
    assert "probs = F.softmax(logits, dim=1)" in after


def test_fix_parenthesises_an_expression_that_a_method_is_called_on():
    source = """
        import torch.nn.functional as F

        def loss_of(a, b, y):
            return F.cross_entropy(F.softmax(a + b, dim=-1).flatten(0, 1), y.flatten())
    """
    assert "F.cross_entropy((a + b).flatten(0, 1), y.flatten())" in fixed(source, "NN201")


def test_no_fix_for_a_model_that_ends_in_softmax():
    source = """
        from torch import nn

        model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
        loss = nn.CrossEntropyLoss()(model(x), y)
    """
    assert fixed(source, "NN201") == textwrap.dedent(source)


def test_sequential_moved_to_the_device_still_ends_in_softmax():
    source = """
        import torch
        from torch import nn

        device = torch.device("cuda")
        model = nn.Sequential(nn.Linear(784, 10), nn.Softmax(dim=1)).to(device)
        criterion = nn.CrossEntropyLoss()

        def step(x, y):
            return criterion(model(x.to(device)), y.to(device))
    """
    assert findings(source, "NN201") == [(10, 12)]
