"""NN203: BCELoss / F.binary_cross_entropy on sigmoid output; points at the loss call; safe fix when inline."""

import textwrap

import pytest

from tests.rules.helpers import findings, fixed, messages


def test_inline_sigmoid_into_functional_bce():
    source = """
        import torch
        import torch.nn.functional as F

        def mask_loss(logits, masks):
            return F.binary_cross_entropy(torch.sigmoid(logits), masks)
    """
    assert findings(source, "NN203") == [(6, 12)]
    assert "binary_cross_entropy_with_logits" in messages(source, "NN203")[0]


def test_sigmoid_variable_into_bce_loss_attribute_in_lightning_training_step():
    source = """
        from torch import nn

        class LitModel:
            def __init__(self, net):
                self.net = net
                self.criterion = nn.BCELoss()

            def training_step(self, batch, batch_idx):
                x, y = batch
                probs = self.net(x).sigmoid()
                loss = self.criterion(probs, y)
                return loss
    """
    assert findings(source, "NN203") == [(12, 16)]


def test_model_ending_in_sigmoid_with_bce_loss_in_a_module_level_loop():
    source = """
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), nn.Sigmoid())
        criterion = nn.BCELoss()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN203") == [(8, 12)]


def test_from_torch_nn_import_functional_with_sigmoid_layer_attribute():
    source = """
        from torch import nn
        from torch.nn import functional

        class Discriminator(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(128, 1)
                self.act = nn.Sigmoid()

            def loss(self, x, real):
                return functional.binary_cross_entropy(self.act(self.fc(x)), real)
    """
    assert findings(source, "NN203") == [(12, 16)]


def test_gradient_accumulation_with_sigmoid_then_view():
    source = """
        import torch
        import torch.nn.functional as F

        def train(model, loader, optimizer, accumulate=4):
            for step, (x, y) in enumerate(loader):
                p = torch.sigmoid(model(x)).view(-1)
                loss = F.binary_cross_entropy(p, y.view(-1)) / accumulate
                loss.backward()
                if (step + 1) % accumulate == 0:
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN203") == [(8, 16)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import torch.nn.functional as F

            def mask_loss(logits, masks):
                return F.binary_cross_entropy_with_logits(logits, masks)
            """,
            id="with-logits-on-logits",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def foreground_loss(logits, masks):
                probs = F.softmax(logits, dim=1)[:, 1]
                return F.binary_cross_entropy(probs, masks)
            """,
            id="bce-on-a-softmax-column",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def calibrated_loss(scores, y):
                return F.binary_cross_entropy(scores.clamp(0, 1), y)
            """,
            id="bce-on-probabilities-of-unknown-origin",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            criterion = nn.BCELoss()

            @torch.no_grad()
            def evaluate(model, loader):
                for x, y in loader:
                    probs = torch.sigmoid(model(x))
                    probs = probs.mean(0, keepdim=True).expand_as(y)
                    print(criterion(y, y))
            """,
            id="bce-whose-input-is-not-the-sigmoid",
        ),
        pytest.param(
            """
            import torch
            from torch import nn

            class Lit:
                def __init__(self):
                    self.criterion = nn.BCEWithLogitsLoss()

                def validation_step(self, batch, batch_idx):
                    x, y = batch
                    with torch.inference_mode():
                        logits = self.model(x)
                    return self.criterion(logits, y), torch.sigmoid(logits)
            """,
            id="with-logits-module-and-sigmoid-for-outputs",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN203") == []


def test_safe_fix_switches_to_with_logits_and_keeps_keyword_arguments_and_comments():
    source = """
        import torch
        import torch.nn.functional as F

        def mask_loss(logits, masks, weights):
            # per-pixel loss
            return F.binary_cross_entropy(torch.sigmoid(logits), masks, weight=weights, reduction="sum")  # summed
    """
    after = fixed(source, "NN203")
    assert after == textwrap.dedent(source).replace(
        "F.binary_cross_entropy(torch.sigmoid(logits), masks",
        "F.binary_cross_entropy_with_logits(logits, masks",
    )
    assert fixed(after, "NN203") == after


def test_safe_fix_for_the_sigmoid_method_and_the_functional_module_alias():
    source = """
        from torch.nn import functional

        def loss(z, y):
            return functional.binary_cross_entropy(z.sigmoid(), y)
    """
    assert "functional.binary_cross_entropy_with_logits(z, y)" in fixed(source, "NN203")


def test_no_fix_through_a_variable_or_a_bare_imported_name():
    source = """
        import torch
        from torch.nn.functional import binary_cross_entropy

        def loss(z, y):
            p = torch.sigmoid(z)
            return binary_cross_entropy(torch.sigmoid(z), y) + binary_cross_entropy(p, y)
    """
    assert len(findings(source, "NN203")) == 2
    assert fixed(source, "NN203") == textwrap.dedent(source)


def test_dcgan_discriminator_moved_to_the_device_still_ends_in_sigmoid():
    source = """
        import torch
        from torch import nn

        class Discriminator(nn.Module):
            def __init__(self):
                super().__init__()
                self.main = nn.Sequential(nn.Conv2d(3, 1, 4, 1, 0, bias=False), nn.Sigmoid())

            def forward(self, input):
                return self.main(input)

        netD = Discriminator().to(device)
        criterion = nn.BCELoss()
        for data in dataloader:
            output = netD(data[0].to(device)).view(-1)
            errD_real = criterion(output, torch.ones_like(output))
    """
    assert findings(source, "NN203") == [(17, 17)]


def test_safe_fix_with_keyword_arguments_in_any_order():
    source = """
        import torch
        import torch.nn.functional as F

        def loss(z, y):
            return F.binary_cross_entropy(target=y, input=torch.sigmoid(z))
    """
    assert "F.binary_cross_entropy_with_logits(target=y, input=z)" in fixed(source, "NN203")


# Seen in the wild (Lightning-AI/pytorch-lightning#7096): a LightningModule keeps the loss *function* on self
# (`self.loss_func = F.binary_cross_entropy`), `forward` ends in a sigmoid, and `training_step` calls `self(x)`.
def test_loss_function_held_on_self_and_forward_ending_in_sigmoid():
    source = """
        import pytorch_lightning as pl
        import torch
        import torch.nn.functional as F
        from torch import nn

        class TransferLearningModel(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2048, 1)
                self.loss_func = F.binary_cross_entropy

            def forward(self, x):
                return torch.sigmoid(self.fc(x))

            def training_step(self, batch, batch_idx):
                x, y = batch
                return self.loss_func(self(x), y)
    """
    assert findings(source, "NN203") == [(18, 16)]
    assert fixed(source, "NN203") == textwrap.dedent(source)  # the name is called: no rename to offer


def test_held_loss_function_on_logits_or_bound_to_two_losses_is_clean():
    source = """
        import pytorch_lightning as pl
        import torch
        import torch.nn.functional as F
        from torch import nn

        class TransferLearningModel(pl.LightningModule):
            def __init__(self, multi_label):
                super().__init__()
                self.fc = nn.Linear(2048, 1)
                self.loss_func = F.binary_cross_entropy_with_logits

            def forward(self, x):
                return self.fc(x)

            def training_step(self, batch, batch_idx):
                x, y = batch
                loss = self.loss_func(self(x), y)
                return loss

        def pick(probs, y, smooth):
            loss_fn = F.binary_cross_entropy
            if smooth:
                loss_fn = F.mse_loss
            return loss_fn(torch.sigmoid(probs), y)
    """
    assert findings(source, "NN203") == []
