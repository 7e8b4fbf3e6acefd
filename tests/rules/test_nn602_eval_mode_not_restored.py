"""NN602: `model.eval()` inside the training loop and `model.train()` never restored; points at `eval()`."""

from tests.rules.helpers import findings, messages


def test_eval_at_the_end_of_each_epoch_without_train_is_flagged():
    source = """
        import torch
        import torch.nn.functional as F

        def fit(model, train_loader, val_loader, epochs):
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
            model.train()
            for epoch in range(epochs):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    F.cross_entropy(model(x), y).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        model(x)
    """
    assert findings(source, "NN602") == [(13, 9)]
    assert "`model.train()`" in messages(source, "NN602")[0]


def test_eval_in_a_validate_helper_of_the_same_file():
    source = """
        import torch

        @torch.no_grad()
        def validate(model, val_loader):
            model.eval()
            return sum(model(x).sum().item() for x in val_loader)

        def fit(model, train_loader, val_loader, optimizer, epochs):
            for epoch in range(epochs):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
                validate(model, val_loader)
    """
    assert findings(source, "NN602") == [(6, 5)]


def test_periodic_evaluation_inside_the_batch_loop_at_module_level():
    source = """
        import torch

        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
        for step, (x, y) in enumerate(train_loader):
            optimizer.zero_grad()
            criterion(net(x), y).backward()
            optimizer.step()
            if step % 1000 == 0:
                net.eval()
                print(evaluate(net, val_loader))
    """
    assert findings(source, "NN602") == [(10, 9)]


def test_train_false_in_a_trainer_class_amp_loop():
    source = """
        import torch

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.optimizer = torch.optim.AdamW(model.parameters())
                self.scaler = torch.cuda.amp.GradScaler()

            def fit(self, loader, epochs):
                for epoch in range(epochs):
                    for batch in loader:
                        self.optimizer.zero_grad()
                        self.scaler.scale(self.model(batch)).backward()
                        self.scaler.step(self.optimizer)
                        self.scaler.update()
                    self.model.train(False)
                    self.log_metrics()
    """
    assert findings(source, "NN602") == [(17, 13)]


def test_gradient_accumulation_loop_with_eval_and_no_train():
    source = """
        def fit(model, loader, optimizer, k, epochs):
            model.train()
            for epoch in range(epochs):
                for i, batch in enumerate(loader):
                    (model(**batch).loss / k).backward()
                    if (i + 1) % k == 0:
                        optimizer.step()
                        optimizer.zero_grad()
                model.eval()
    """
    assert findings(source, "NN602") == [(10, 9)]


def test_train_at_the_top_of_each_epoch_is_clean():
    source = """
        import torch

        def fit(model, train_loader, val_loader, optimizer, epochs):
            for epoch in range(epochs):
                model.train()
                for x, y in train_loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    for x in val_loader:
                        model(x)
    """
    assert findings(source, "NN602") == []


def test_train_restored_inside_a_helper_is_clean():
    source = """
        def train_one_epoch(model, loader, optimizer):
            model.train()
            for x, y in loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()

        def fit(model, train_loader, optimizer, epochs):
            for epoch in range(epochs):
                model.eval()
                for x, y in train_loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
                train_one_epoch(model, train_loader, optimizer)
    """
    assert findings(source, "NN602") == []


def test_frozen_teacher_put_in_eval_mode_is_clean():
    source = """
        import torch

        def distill(student, teacher, loader, epochs):
            optimizer = torch.optim.AdamW(student.parameters())
            student.train()
            for epoch in range(epochs):
                teacher.eval()
                for x in loader:
                    optimizer.zero_grad()
                    with torch.no_grad():
                        target = teacher(x)
                    (student(x) - target).pow(2).mean().backward()
                    optimizer.step()
    """
    assert findings(source, "NN602") == []


def test_eval_outside_the_training_loop_is_clean():
    source = """
        import torch

        def fit(model, loader, optimizer, epochs):
            model.train()
            for epoch in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
            model.eval()
            return model
    """
    assert findings(source, "NN602") == []


def test_restoring_through_an_imported_training_helper_is_clean():
    source = """
        from engine import train_one_epoch

        def fit(model, loader, optimizer, epochs):
            for epoch in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    model(x, y).backward()
                    optimizer.step()
                model.eval()
                train_one_epoch(model, loader, optimizer)
    """
    assert findings(source, "NN602") == []


def test_lightning_training_step_without_a_loop_is_clean():
    source = """
        import pytorch_lightning as pl

        class Model(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                self.teacher.eval()
                return self.model(batch).mean()
    """
    assert findings(source, "NN602") == []
