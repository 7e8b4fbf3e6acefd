"""NN502: an epoch-based LR scheduler stepped in the per-batch loop; points at that `scheduler.step()`."""

from tests.rules.helpers import findings, messages


def test_step_lr_stepped_every_batch_is_flagged():
    source = """
        import torch
        from torch.optim.lr_scheduler import StepLR

        def train(model, loader, criterion, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
            for epoch in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                    scheduler.step()
    """
    assert findings(source, "NN502") == [(13, 13)]
    assert "`StepLR`" in messages(source, "NN502")[0]


def test_cosine_with_t_max_in_epochs_at_module_level():
    source = """
        import torch
        from torch.optim import lr_scheduler

        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
        scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
        for epoch in range(args.epochs):
            for batch in train_loader:
                optimizer.zero_grad()
                model(**batch).loss.backward()
                optimizer.step()
                scheduler.step()
    """
    assert findings(source, "NN502") == [(12, 9)]


def test_multistep_milestones_in_a_trainer_class():
    source = """
        import torch

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
                self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, milestones=[100, 150])

            def train_epoch(self, train_loader):
                for x, y in train_loader:
                    self.optimizer.zero_grad()
                    self.model.loss(x, y).backward()
                    self.optimizer.step()
                    self.scheduler.step()
    """
    assert findings(source, "NN502") == [(15, 13)]


def test_exponential_decay_per_batch_in_an_amp_loop():
    source = """
        import torch

        def train(model, loader, epochs):
            optimizer = torch.optim.Adam(model.parameters())
            scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
            scaler = torch.cuda.amp.GradScaler()
            for epoch in range(epochs):
                for batch in loader:
                    optimizer.zero_grad()
                    scaler.scale(model(batch)).backward()
                    scaler.step(optimizer)
                    scaler.update()
                    scheduler.step()
    """
    assert findings(source, "NN502") == [(14, 13)]


def test_plateau_scheduler_fed_the_batch_loss():
    source = """
        import torch

        def train(model, train_loader, optimizer, criterion):
            scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=5)
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                scheduler.step(loss)
    """
    assert findings(source, "NN502") == [(11, 9)]


def test_epoch_scheduler_after_the_batch_loop_is_clean():
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
    assert findings(source, "NN502") == []


def test_one_cycle_per_batch_is_clean():
    source = """
        import torch

        def train(model, loader, epochs):
            optimizer = torch.optim.AdamW(model.parameters())
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=1e-3, epochs=epochs, steps_per_epoch=len(loader)
            )
            for epoch in range(epochs):
                for batch in loader:
                    optimizer.zero_grad()
                    model(batch).backward()
                    optimizer.step()
                    scheduler.step()
    """
    assert findings(source, "NN502") == []


def test_cosine_with_t_max_in_steps_is_clean():
    for t_max in ("epochs * len(loader)", "total_steps", "args.epochs * steps_per_epoch", "100_000"):
        source = f"""
            import torch

            def train(model, loader, epochs, total_steps, steps_per_epoch, args):
                optimizer = torch.optim.AdamW(model.parameters())
                scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max={t_max})
                for epoch in range(epochs):
                    for batch in loader:
                        optimizer.zero_grad()
                        model(batch).backward()
                        optimizer.step()
                        scheduler.step()
        """
        assert findings(source, "NN502") == [], t_max


def test_step_lr_with_a_step_sized_period_is_clean():
    source = """
        import torch

        def train(model, loader, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2000, gamma=0.5)
            for epoch in range(epochs):
                for batch in loader:
                    optimizer.zero_grad()
                    model(batch).backward()
                    optimizer.step()
                    scheduler.step()
    """
    assert findings(source, "NN502") == []


def test_scheduler_stepped_every_n_batches_is_deliberate_and_clean():
    source = """
        import torch

        def train(model, loader, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
            for epoch in range(epochs):
                for i, batch in enumerate(loader):
                    optimizer.zero_grad()
                    model(batch).backward()
                    optimizer.step()
                    if (i + 1) % 1000 == 0:
                        scheduler.step()
    """
    assert findings(source, "NN502") == []


def test_scheduler_we_cannot_see_built_is_clean():
    source = """
        def train_one_epoch(model, loader, optimizer, lr_scheduler):
            for batch in loader:
                optimizer.zero_grad()
                model(batch).backward()
                optimizer.step()
                lr_scheduler.step()
    """
    assert findings(source, "NN502") == []
