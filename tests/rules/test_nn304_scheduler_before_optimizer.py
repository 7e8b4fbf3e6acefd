"""NN304: `scheduler.step()` before `optimizer.step()` in the same iteration; points at the scheduler call."""

from tests.rules.helpers import findings, messages


def test_pre_1_1_order_at_the_top_of_the_epoch_loop_is_flagged():
    source = """
        import torch
        from torch.optim.lr_scheduler import StepLR

        def train(model, loader, criterion, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = StepLR(optimizer, step_size=10)
            for epoch in range(epochs):
                scheduler.step()
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
    """
    assert findings(source, "NN304") == [(9, 9)]
    assert "after the optimizer" in messages(source, "NN304")[0]


def test_per_batch_scheduler_before_the_step():
    source = """
        from torch.optim import lr_scheduler

        def train(model, loader, optimizer, total_steps):
            sched = lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, total_steps=total_steps)
            for batch in loader:
                optimizer.zero_grad()
                model(**batch).loss.backward()
                sched.step()
                optimizer.step()
    """
    assert findings(source, "NN304") == [(9, 9)]


def test_scheduler_before_a_training_helper_of_the_same_file():
    source = """
        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()

        def main(model, loader, optimizer, lr_scheduler, epochs):
            for epoch in range(epochs):
                lr_scheduler.step()
                train_one_epoch(model, loader, optimizer)
    """
    assert findings(source, "NN304") == [(10, 9)]


def test_module_level_amp_loop_scheduler_before_scaler_step():
    source = """
        import torch

        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
        warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=500)
        scaler = torch.cuda.amp.GradScaler()
        for batch in train_loader:
            optimizer.zero_grad()
            scaler.scale(model(batch)).backward()
            warmup.step()
            scaler.step(optimizer)
            scaler.update()
    """
    assert findings(source, "NN304") == [(10, 5)]


def test_guard_that_checks_the_scheduler_exists_still_counts():
    source = """
        class Trainer:
            def fit(self, loader, epochs):
                for epoch in range(epochs):
                    if self.scheduler is not None:
                        self.scheduler.step()
                    for batch in loader:
                        self.optimizer.zero_grad()
                        self.model(batch).backward()
                        self.optimizer.step()
    """
    assert findings(source, "NN304") == [(6, 17)]


def test_scheduler_after_the_batch_loop_is_clean():
    source = """
        import torch

        def train(model, loader, criterion, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
            for epoch in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                scheduler.step()
    """
    assert findings(source, "NN304") == []


def test_explicit_epoch_argument_sets_the_rate_and_is_clean():
    source = """
        def train(model, loader, optimizer, lr_scheduler, epochs):
            for epoch in range(epochs):
                lr_scheduler.step(epoch)
                for batch in loader:
                    optimizer.zero_grad()
                    model(batch).backward()
                    optimizer.step()
    """
    assert findings(source, "NN304") == []


def test_warmup_guard_on_the_epoch_is_clean():
    source = """
        def train(model, loader, optimizer, scheduler, epochs):
            for epoch in range(epochs):
                if epoch > 0:
                    scheduler.step()
                for batch in loader:
                    optimizer.zero_grad()
                    model(batch).backward()
                    optimizer.step()
    """
    assert findings(source, "NN304") == []


def test_gan_scheduler_of_the_discriminator_after_its_own_step_is_clean():
    source = """
        import torch

        def train(G, D, loader):
            opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
            opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
            sched_d = torch.optim.lr_scheduler.ExponentialLR(opt_d, gamma=0.999)
            for real in loader:
                opt_d.zero_grad()
                D.loss(real, G.sample()).backward()
                opt_d.step()
                sched_d.step()
                opt_g.zero_grad()
                G.loss(D).backward()
                opt_g.step()
    """
    assert findings(source, "NN304") == []


def test_diffusers_noise_scheduler_step_is_not_a_learning_rate_scheduler():
    source = """
        from diffusers import DDPMScheduler

        noise_scheduler = DDPMScheduler(num_train_timesteps=1000)
        for batch in train_loader:
            optimizer.zero_grad()
            latents = noise_scheduler.step(model(batch), 10, batch).prev_sample
            loss.backward()
            optimizer.step()
    """
    assert findings(source, "NN304") == []


def test_lightning_training_step_without_a_loop_is_checked_like_an_iteration():
    source = """
        import pytorch_lightning as pl

        class Model(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                sch = self.lr_schedulers()
                sch.step()
                opt = self.optimizers()
                self.manual_backward(self.loss(batch))
                opt.step()
    """
    assert findings(source, "NN304") == [(7, 9)]


def test_lightning_training_step_stepping_the_scheduler_last_is_clean():
    source = """
        import pytorch_lightning as pl

        class Model(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                opt = self.optimizers()
                self.manual_backward(self.loss(batch))
                opt.step()
                sch = self.lr_schedulers()
                sch.step()
    """
    assert findings(source, "NN304") == []
