"""NN308: the loss reaching backward was detached from the model's output; points at the cut."""

from tests.rules.helpers import findings, messages


def test_output_detached_before_the_criterion():
    source = """
        import torch.nn as nn

        criterion = nn.CrossEntropyLoss()
        for images, labels in trainloader:
            optimizer.zero_grad()
            outputs = model(images).detach()
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == [(7, 15)]
    assert "`.detach()`" in messages(source, "NN308")[0]


def test_loss_rewrapped_with_torch_tensor_and_requires_grad():
    source = """
        import torch

        def train_step(model, x, y, optimizer):
            preds = model(x)
            mse = ((preds.detach().cpu().numpy() - y) ** 2).mean()
            loss = torch.tensor(mse, requires_grad=True)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == [(7, 12)]


def test_requires_grad_set_on_a_loss_to_silence_the_error():
    source = """
        import torch.nn.functional as F

        for x, y in train_loader:
            out = model(x)
            loss = F.mse_loss(out.data, y)
            loss.requires_grad = True
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == [(6, 23), (7, 5)]


def test_forward_under_no_grad_then_backward():
    source = """
        import torch
        import torch.nn.functional as F

        def step(model, batch, optimizer):
            with torch.no_grad():
                logits = model(batch["x"])
            loss = F.cross_entropy(logits, batch["y"])
            loss.requires_grad_()
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == [(7, 18), (9, 5)]


def test_item_of_the_prediction_inside_an_amp_scaled_loss():
    source = """
        import torch
        import torch.nn as nn

        loss_fn = nn.L1Loss()
        for x, y in loader:
            pred = torch.tensor([model(x).item()])
            target = torch.tensor([y.item()])
            loss = loss_fn(pred, target)
            scaler.scale(loss).backward()
    """
    assert findings(source, "NN308") == [(7, 12)]


def test_detached_target_is_clean():
    source = """
        import torch.nn.functional as F

        for x, y in loader:
            loss = F.cross_entropy(model(x), y.detach())
            loss.backward()
    """
    assert findings(source, "NN308") == []


def test_ema_teacher_target_is_clean():
    source = """
        import torch
        import torch.nn.functional as F

        def distill(student, teacher, x, optimizer):
            with torch.no_grad():
                target = teacher(x)
            loss = F.mse_loss(student(x), target)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == []


def test_gan_discriminator_step_on_a_detached_fake_is_clean():
    source = """
        import torch
        import torch.nn as nn

        adversarial_loss = nn.BCELoss()
        for imgs, _ in dataloader:
            z = torch.randn(imgs.size(0), 100)
            gen_imgs = generator(z)
            real_loss = adversarial_loss(discriminator(imgs), valid)
            fake_loss = adversarial_loss(discriminator(gen_imgs.detach()), fake)
            d_loss = (real_loss + fake_loss) / 2
            d_loss.backward()
            optimizer_D.step()
    """
    assert findings(source, "NN308") == []


def test_frozen_backbone_under_no_grad_and_a_trained_head_is_clean():
    source = """
        import torch
        import torch.nn.functional as F

        for x, y in loader:
            with torch.no_grad():
                feats = backbone(x)
            loss = F.cross_entropy(head(feats), y)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == []


def test_loss_accumulated_in_place_from_a_zero_tensor_is_clean():
    source = """
        import torch
        import torch.nn.functional as F

        def train_step(model, chunks, optimizer):
            loss = torch.tensor(0.0)
            for x, y in chunks:
                loss += F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN308") == []


def test_detached_logging_copy_next_to_a_live_loss_is_clean():
    source = """
        import torch.nn.functional as F

        for x, y in loader:
            out = model(x)
            loss = F.cross_entropy(out, y)
            logged = F.cross_entropy(out.detach(), y).item()
            loss.backward()
            requires_grad = True
    """
    assert findings(source, "NN308") == []


def test_autograd_demo_on_fresh_leaf_tensors_is_clean():
    source = """
        import torch

        x = torch.tensor(1., requires_grad=True)
        w = torch.tensor(2., requires_grad=True)
        b = torch.tensor([3.], requires_grad=True)
        y = w * x + b
        y.backward()
    """
    assert findings(source, "NN308") == []
