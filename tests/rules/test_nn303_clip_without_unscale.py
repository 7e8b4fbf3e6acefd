"""NN303: clipping AMP-scaled gradients without `scaler.unscale_(optimizer)` first; points at the clip call."""

from tests.rules.helpers import findings, messages


def test_amp_loop_clipping_scaled_gradients_is_flagged():
    source = """
        import torch
        from torch.cuda.amp import GradScaler, autocast

        def train(model, loader, optimizer, criterion):
            scaler = GradScaler()
            for x, y in loader:
                optimizer.zero_grad()
                with autocast():
                    loss = criterion(model(x), y)
                scaler.scale(loss).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN303") == [(12, 9)]
    assert "scaler.unscale_(optimizer)" in messages(source, "NN303")[0]


def test_torch_amp_grad_scaler_at_module_level():
    source = """
        import torch
        from torch import nn

        amp_scaler = torch.amp.GradScaler("cuda")
        for batch in train_loader:
            opt.zero_grad()
            amp_scaler.scale(model(**batch).loss).backward()
            nn.utils.clip_grad_value_(model.parameters(), 0.1)
            amp_scaler.step(opt)
            amp_scaler.update()
    """
    assert findings(source, "NN303") == [(9, 5)]


def test_gradient_accumulation_with_clip_in_the_if_but_no_unscale():
    source = """
        import torch

        def train(model, loader, optimizer, scaler, k=8):
            for i, batch in enumerate(loader):
                scaler.scale(model(**batch).loss / k).backward()
                if (i + 1) % k == 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    scaler.step(optimizer)
                    scaler.update()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN303") == [(8, 13)]


def test_self_scaler_in_a_trainer_class():
    source = """
        import torch

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
                self.scaler = torch.cuda.amp.GradScaler()

            def fit(self, loader):
                for batch in loader:
                    self.optimizer.zero_grad()
                    self.scaler.scale(self.model(batch)).backward()
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                    self.scaler.step(self.optimizer)
                    self.scaler.update()
    """
    assert findings(source, "NN303") == [(14, 13)]


def test_unscale_only_on_one_branch_does_not_cover_the_other():
    source = """
        import torch

        def train(model, loader, optimizer, scaler, fast):
            for batch in loader:
                optimizer.zero_grad()
                scaler.scale(model(batch)).backward()
                if fast:
                    scaler.unscale_(optimizer)
                else:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN303") == [(11, 13)]


def test_unscale_before_clip_is_clean():
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
    assert findings(source, "NN303") == []


def test_accumulation_with_unscale_in_the_if_is_clean():
    source = """
        import torch

        def train(model, loader, optimizer, scaler, k=8):
            for i, batch in enumerate(loader):
                scaler.scale(model(**batch).loss / k).backward()
                if (i + 1) % k == 0:
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    scaler.step(optimizer)
                    scaler.update()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN303") == []


def test_clipping_without_amp_is_clean():
    source = """
        import torch

        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
    """
    assert findings(source, "NN303") == []


def test_unscale_in_a_helper_of_the_same_file_is_clean():
    source = """
        import torch

        def clip(scaler, optimizer, model):
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)

        def train(model, loader, optimizer, scaler):
            for batch in loader:
                optimizer.zero_grad()
                scaler.scale(model(batch)).backward()
                clip(scaler, optimizer, model)
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN303") == []


def test_accelerate_clip_which_unscales_itself_is_clean():
    source = """
        def train(model, loader, optimizer, accelerator):
            for batch in loader:
                with accelerator.accumulate(model):
                    accelerator.backward(model(**batch).loss)
                    accelerator.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN303") == []


def test_non_amp_branch_of_a_helper_called_twice_per_epoch_is_clean():
    # minGPT-ddp's trainer: the same step helper runs for the train and the eval loader in one epoch; the
    # AMP branch clips scaled gradients (flagged), the plain branch clips real ones (clean).
    source = """
        import torch

        class Trainer:
            def _run_batch(self, source, targets, train=True):
                _, loss = self.model(source, targets)
                if train:
                    self.optimizer.zero_grad(set_to_none=True)
                    if self.config.use_amp:
                        self.scaler.scale(loss).backward()
                        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                        self.scaler.step(self.optimizer)
                        self.scaler.update()
                    else:
                        loss.backward()
                        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                        self.optimizer.step()
                return loss.item()

            def _run_epoch(self, dataloader, train):
                for source, targets in dataloader:
                    self._run_batch(source, targets, train)

            def train(self):
                for epoch in range(10):
                    self._run_epoch(self.train_loader, train=True)
                    self._run_epoch(self.test_loader, train=False)
    """
    assert findings(source, "NN303") == [(11, 17)]


def test_clip_in_the_else_branch_of_scaler_is_not_none_is_clean():
    source = """
        import torch

        def train(model, loader, optimizer, scaler, clip):
            for x, y in loader:
                optimizer.zero_grad(set_to_none=True)
                loss = model(x, y)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
                    optimizer.step()
    """
    assert findings(source, "NN303") == []
