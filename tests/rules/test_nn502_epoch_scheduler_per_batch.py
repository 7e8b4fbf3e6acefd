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


# Seen in the wild (hazdzz/stgcn#18): the scheduler is built by a helper, returned, and handed to `train()`,
# its period read from the command line.
STGCN_SHAPE = """
    import argparse
    from torch import optim

    def get_parameters():
        parser = argparse.ArgumentParser()
        parser.add_argument("--epochs", type=int, default=1000)
        parser.add_argument("--step_size", type=int, default={step_size})
        return parser.parse_args()

    def prepare_model(args, model):
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=args.step_size, gamma=0.95)
        return optimizer, scheduler

    def train(args, optimizer, scheduler, model, train_iter):
        for epoch in range(args.epochs):
            for x, y in train_iter:
                optimizer.zero_grad()
                model.loss(x, y).backward()
                optimizer.step()
                {in_batch}
            {after_batch}

    args = get_parameters()
    optimizer, scheduler = prepare_model(args, model)
    train(args, optimizer, scheduler, model, train_iter)
"""


def test_scheduler_returned_by_a_helper_and_passed_to_train_is_followed_to_its_constructor():
    source = STGCN_SHAPE.format(step_size=10, in_batch="scheduler.step()", after_batch="pass")
    assert findings(source, "NN502") == [(22, 13)]
    assert "`StepLR`" in messages(source, "NN502")[0]


def test_period_read_from_the_command_line_counts_by_its_default():
    """`--step_size` defaulting to 2000 is a period in steps: stepping per batch is what it is for."""
    source = STGCN_SHAPE.format(step_size=2000, in_batch="scheduler.step()", after_batch="pass")
    assert findings(source, "NN502") == []


def test_same_shape_stepped_once_per_epoch_is_clean():
    source = STGCN_SHAPE.format(step_size=10, in_batch="pass", after_batch="scheduler.step()")
    assert findings(source, "NN502") == []


def test_scheduler_passed_in_from_two_call_sites_that_disagree_is_left_alone():
    source = """
        from torch import optim

        def train(optimizer, scheduler, loader):
            for epoch in range(10):
                for x, y in loader:
                    optimizer.step()
                    scheduler.step()

        opt = optim.SGD(params, lr=0.1)
        train(opt, optim.lr_scheduler.StepLR(opt, step_size=10), loader)
        train(opt, optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10000), loader)
    """
    assert findings(source, "NN502") == []


def test_scheduler_passed_by_keyword_to_a_method():
    source = """
        import torch

        class Trainer:
            def fit(self, model, loader, epochs):
                optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
                sched = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60])
                for epoch in range(epochs):
                    self.run_epoch(model, loader, optimizer=optimizer, scheduler=sched)

            def run_epoch(self, model, loader, optimizer, scheduler):
                for x, y in loader:
                    optimizer.zero_grad()
                    model.loss(x, y).backward()
                    optimizer.step()
                    scheduler.step()
    """
    assert findings(source, "NN502") == [(16, 13)]
