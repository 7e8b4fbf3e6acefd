"""NN305: gradients zeroed between `backward()` and `optimizer.step()`; points at the zeroing call."""

from tests.rules.helpers import findings, messages


def test_zero_grad_between_backward_and_step_is_flagged():
    source = """
        import torch.nn.functional as F

        def train(model, loader, optimizer):
            for x, y in loader:
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.zero_grad()
                optimizer.step()
    """
    assert findings(source, "NN305") == [(8, 9)]
    assert "nothing is learned" in messages(source, "NN305")[0]


def test_model_zero_grad_at_module_level():
    source = """
        from torch.nn import functional

        for images, labels in train_loader:
            loss = functional.nll_loss(model(images), labels)
            loss.backward()
            model.zero_grad()
            optimizer.step()
    """
    assert findings(source, "NN305") == [(7, 5)]


def test_set_grad_to_none_loop_before_scaler_step():
    source = """
        def train(model, loader, optimizer, scaler):
            for batch in loader:
                scaler.scale(model(batch)).backward()
                for p in model.parameters():
                    p.grad = None
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN305") == [(6, 13)]


def test_zero_inside_the_accumulation_if_before_the_step():
    source = """
        def train(model, loader, optimizer, k=4):
            for i, batch in enumerate(loader):
                (model(**batch).loss / k).backward()
                if (i + 1) % k == 0:
                    optimizer.zero_grad(set_to_none=True)
                    optimizer.step()
    """
    assert findings(source, "NN305") == [(6, 13)]


def test_zeroing_in_a_helper_method_called_between():
    source = """
        class Trainer:
            def reset(self):
                self.optimizer.zero_grad()

            def fit(self, loader):
                for batch in loader:
                    self.criterion(self.model(batch.x), batch.y).backward()
                    self.reset()
                    self.optimizer.step()
    """
    assert findings(source, "NN305") == [(4, 9)]


def test_zero_grad_before_backward_is_clean():
    source = """
        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
    """
    assert findings(source, "NN305") == []


def test_zero_grad_after_step_is_clean():
    source = """
        def train(model, loader, optimizer, criterion, k):
            for i, (x, y) in enumerate(loader):
                criterion(model(x), y).backward()
                if (i + 1) % k == 0:
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN305") == []


def test_gan_zeroing_the_generator_after_the_discriminator_step_is_clean():
    source = """
        def train(G, D, loader, opt_g, opt_d):
            for real in loader:
                opt_d.zero_grad()
                D.loss(real, G.sample()).backward()
                opt_d.step()
                opt_g.zero_grad()
                G.loss(D).backward()
                opt_g.step()
    """
    assert findings(source, "NN305") == []


def test_zeroing_another_optimizer_before_this_step_is_clean():
    source = """
        import torch

        def train(G, D, loader):
            opt_d = torch.optim.Adam(D.parameters())
            opt_g = torch.optim.Adam(G.parameters())
            for real in loader:
                opt_d.zero_grad()
                D.loss(real).backward()
                opt_g.zero_grad()
                opt_d.step()
    """
    assert findings(source, "NN305") == []


def test_out_of_memory_handler_that_skips_the_batch_is_clean():
    source = """
        def train(model, loader, optimizer):
            for batch in loader:
                try:
                    model(batch).backward()
                except RuntimeError:
                    optimizer.zero_grad()
                    continue
                optimizer.step()
                optimizer.zero_grad()
    """
    assert findings(source, "NN305") == []


def test_early_continue_branch_does_not_reach_the_step():
    source = """
        import math

        def train(model, loader, optimizer):
            for batch in loader:
                loss = model(batch)
                loss.backward()
                if not math.isfinite(loss.item()):
                    optimizer.zero_grad()
                    continue
                optimizer.step()
                optimizer.zero_grad()
    """
    assert findings(source, "NN305") == []
