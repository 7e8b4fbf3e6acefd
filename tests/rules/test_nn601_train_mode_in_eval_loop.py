"""NN601: `model.eval()` before a validation loop, `model.train()` inside it before the forward."""

from tests.rules.helpers import findings, messages


def test_train_call_in_both_branches_before_the_forward():
    source = """
        import torch

        def run_valid(model, valid_loader, packed):
            model.eval()
            with torch.no_grad():
                for batch in valid_loader:
                    if packed:
                        model.train()
                        out = model(batch[0], batch[1])
                    else:
                        model.train()
                        out = model(batch[0])
    """
    assert findings(source, "NN601") == [(9, 17), (12, 17)]
    assert "last mode call" in messages(source, "NN601")[0]


def test_train_true_in_a_helper_called_in_the_loop():
    source = """
        import torch

        class Runner:
            def prepare(self):
                self.net.train(True)

            def validate(self, val_loader):
                self.net.eval()
                with torch.no_grad():
                    for x, y in val_loader:
                        self.prepare()
                        loss = self.net(x).sum().item()
    """
    assert findings(source, "NN601") == [(6, 9)]


def test_train_after_the_loop_is_clean():
    source = """
        import torch

        def run_valid(model, valid_loader):
            model.eval()
            with torch.no_grad():
                for x, y in valid_loader:
                    out = model(x)
            model.train()
    """
    assert findings(source, "NN601") == []


def test_train_on_another_object_is_clean():
    source = """
        import torch

        def run_valid(model, teacher, valid_loader):
            model.eval()
            with torch.no_grad():
                for x, y in valid_loader:
                    teacher.train()
                    out = model(x)
    """
    assert findings(source, "NN601") == []


def test_eval_again_after_train_inside_the_loop_is_clean():
    source = """
        import torch

        def run_valid(model, valid_loader):
            model.eval()
            with torch.no_grad():
                for x, y in valid_loader:
                    model.train()
                    model.eval()
                    out = model(x)
    """
    assert findings(source, "NN601") == []


def test_train_after_the_forward_in_the_body_is_clean():
    source = """
        import torch

        def run_valid(model, valid_loader):
            with torch.no_grad():
                for x, y in valid_loader:
                    model.eval()
                    out = model(x)
                    model.train()
    """
    assert findings(source, "NN601") == []


def test_training_loop_with_train_call_is_clean():
    source = """
        import torch.nn.functional as F

        def fit(model, train_loader, optimizer):
            model.eval()
            for x, y in train_loader:
                model.train()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
    """
    assert findings(source, "NN601") == []
