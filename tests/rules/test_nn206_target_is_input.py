"""NN206: an autoregressive loss whose target is the model's own input, unshifted; points at the loss call."""

import pytest

from tests.rules.helpers import findings, messages


def test_cross_entropy_of_model_output_against_its_own_input():
    source = """
        import torch.nn.functional as F

        def lm_loss(model, x):
            return F.cross_entropy(model(x), x)
    """
    assert findings(source, "NN206") == [(5, 12)]
    assert "x[:, 1:]" in messages(source, "NN206")[0]


def test_flattened_logits_against_the_flattened_input_in_a_training_loop():
    source = """
        from torch.nn import functional

        def train(model, loader, optimizer):
            for tokens in loader:
                optimizer.zero_grad()
                logits = model(tokens)
                loss = functional.cross_entropy(logits.view(-1, logits.size(-1)), tokens.view(-1))
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN206") == [(8, 16)]


def test_same_slice_for_input_and_target_with_criterion_attribute():
    source = """
        from torch import nn

        class LitGPT:
            def __init__(self, gpt):
                self.gpt = gpt
                self.criterion = nn.CrossEntropyLoss()

            def training_step(self, batch, batch_idx):
                logits = self.gpt(batch[:, :-1])
                return self.criterion(logits.transpose(1, 2), batch[:, :-1])
    """
    assert findings(source, "NN206") == [(11, 16)]


def test_hugging_face_style_logits_attribute_with_amp_and_accumulation():
    source = """
        import torch
        import torch.nn.functional as F

        def train(model, loader, optimizer, scaler, k=4):
            for step, input_ids in enumerate(loader):
                with torch.autocast("cuda"):
                    out = model(input_ids)
                    loss = F.cross_entropy(out.logits.flatten(0, 1), input_ids.flatten()) / k
                scaler.scale(loss).backward()
                if (step + 1) % k == 0:
                    scaler.step(optimizer)
                    scaler.update()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN206") == [(9, 20)]


def test_nll_loss_on_log_softmax_of_the_model_with_inputs_aliased_from_the_same_slice():
    source = """
        import torch.nn.functional as F

        def step(model, batch):
            inputs = batch[:, :-1]
            targets = batch[:, :-1]
            log_probs = F.log_softmax(model(inputs), dim=-1)
            return F.nll_loss(log_probs.transpose(1, 2), targets)
    """
    assert findings(source, "NN206") == [(8, 12)]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import torch.nn.functional as F

            def lm_loss(model, tokens):
                logits = model(tokens[:, :-1])
                return F.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())
            """,
            id="shifted-by-one",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def train(model, loader):
                for inputs, targets in loader:
                    loss = F.cross_entropy(model(inputs), targets)
            """,
            id="separate-inputs-and-targets",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def reconstruction_loss(autoencoder, x):
                return F.cross_entropy(autoencoder(x), x)
            """,
            id="autoencoder-reconstructs-its-input",
        ),
        pytest.param(
            """
            from torch import nn

            class ArcFaceTrainer:
                def __init__(self):
                    self.criterion = nn.CrossEntropyLoss()

                def training_step(self, batch, batch_idx):
                    images, labels = batch
                    logits = self.model(images, labels)
                    return self.criterion(logits, labels)
            """,
            id="margin-head-takes-the-labels-as-second-argument",
        ),
        pytest.param(
            """
            import torch
            import torch.nn.functional as F

            @torch.no_grad()
            def evaluate(model, tokens):
                logits = model(tokens)
                return F.mse_loss(logits, tokens.float())
            """,
            id="not-a-classification-loss",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def lm_loss(model, x):
                logits = model(x)
                x = x.roll(-1, dims=1)
                return F.cross_entropy(logits.transpose(1, 2), x)
            """,
            id="same-name-rebound-to-the-shifted-tokens",
        ),
        pytest.param(
            """
            import torch.nn.functional as F

            def train(model, x):
                x_in, x_out = x[:, :-1], x[:, 1:]
                with torch.inference_mode():
                    logits = model(x_in)
                return F.cross_entropy(logits.transpose(1, 2), x_out)
            """,
            id="tuple-assigned-shift",
        ),
    ],
)
def test_look_alikes_stay_clean(source):
    assert findings(source, "NN206") == []
