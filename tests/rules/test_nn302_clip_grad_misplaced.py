"""NN302: gradient clipping before `backward()` or after `optimizer.step()`; points at the clip call."""

from tests.rules.helpers import findings, messages


def test_clip_after_step_is_flagged():
    source = """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    """
    assert findings(source, "NN302") == [(9, 9)]
    assert "after `optimizer.step()`" in messages(source, "NN302")[0]


def test_clip_before_backward_is_flagged():
    source = """
        from torch.nn.utils import clip_grad_value_

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                clip_grad_value_(model.parameters(), 0.5)
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN302") == [(8, 9)]
    assert "before `backward()`" in messages(source, "NN302")[0]


def test_alias_nn_utils_at_module_level():
    source = """
        from torch import nn

        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    """
    assert findings(source, "NN302") == [(9, 5)]


def test_clip_after_the_accumulated_step_inside_the_if():
    source = """
        import torch

        def train(model, loader, optimizer, k=4):
            for i, batch in enumerate(loader):
                model(**batch).loss.backward()
                if (i + 1) % k == 0:
                    optimizer.step()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.zero_grad()
    """
    assert findings(source, "NN302") == [(9, 13)]


def test_clip_after_scaler_step_in_a_helper_method():
    source = """
        import torch

        class Trainer:
            def update(self):
                self.scaler.step(self.optimizer)
                self.scaler.update()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.zero_grad()

            def fit(self, loader):
                for batch in loader:
                    self.scaler.scale(self.model(batch)).backward()
                    self.update()
    """
    assert findings(source, "NN302") == [(8, 9)]


def test_clip_between_backward_and_step_is_clean():
    source = """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
    """
    assert findings(source, "NN302") == []


def test_amp_clip_after_unscale_is_clean():
    source = """
        import torch
        from torch.cuda.amp import GradScaler

        scaler = GradScaler()
        for x, y in train_loader:
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(criterion(model(x), y)).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
    """
    assert findings(source, "NN302") == []


def test_gan_clip_of_the_generator_after_the_discriminator_step_is_clean():
    source = """
        import torch

        def train(G, D, loader, opt_g, opt_d):
            for real in loader:
                opt_d.zero_grad()
                D.loss(real, G.sample()).backward()
                opt_d.step()
                opt_g.zero_grad()
                G.loss(D).backward()
                torch.nn.utils.clip_grad_norm_(G.parameters(), 1.0)
                opt_g.step()
    """
    assert findings(source, "NN302") == []


def test_accumulation_clip_inside_the_if_before_step_is_clean():
    source = """
        import torch

        def train(model, loader, optimizer, k):
            for i, batch in enumerate(loader):
                (model(**batch).loss / k).backward()
                if (i + 1) % k == 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN302") == []


def test_clip_outside_any_training_loop_is_clean():
    source = """
        import torch

        def apply_update(model, optimizer, loss):
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()

        for name, p in model.named_parameters():
            torch.nn.utils.clip_grad_norm_(p, 1.0)
    """
    assert findings(source, "NN302") == []


def test_exclusive_branches_are_not_ordered():
    source = """
        import torch

        def train(model, loader, optimizer, use_clip):
            for batch in loader:
                optimizer.zero_grad()
                model(batch).backward()
                if use_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                else:
                    optimizer.step()
    """
    assert findings(source, "NN302") == []
