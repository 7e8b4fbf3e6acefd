"""NN603: evaluation without `torch.no_grad()` / `inference_mode()`; points at the evaluation loop."""

from tests.rules.helpers import findings, messages


def test_validate_function_without_no_grad_is_flagged_at_the_for():
    source = """
        import torch.nn.functional as F

        def validate(model, val_loader):
            model.eval()
            total = 0.0
            for x, y in val_loader:
                total += F.cross_entropy(model(x), y).item()
            return total / len(val_loader)
    """
    assert findings(source, "NN603") == [(7, 5)]
    assert "torch.no_grad()" in messages(source, "NN603")[0]


def test_validation_inside_the_epoch_loop_after_training():
    source = """
        from torch.nn import functional

        def fit(model, train_loader, val_loader, optimizer, epochs):
            for epoch in range(epochs):
                model.train()
                for x, y in train_loader:
                    optimizer.zero_grad()
                    functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                model.eval()
                for x, y in val_loader:
                    val_loss = functional.cross_entropy(model(x), y).item()
    """
    assert findings(source, "NN603") == [(12, 9)]


def test_module_level_test_loop():
    source = """
        net.eval()
        predictions = []
        for images, _ in test_loader:
            predictions.append(net(images).argmax(1))
    """
    assert findings(source, "NN603") == [(4, 1)]


def test_evaluate_method_with_a_generic_loader():
    source = """
        class Trainer:
            def evaluate(self, loader):
                self.model.eval()
                for batch in loader:
                    self.metric.update(self.model(batch["x"]), batch["y"])
                return self.metric.compute()

            def fit(self, val_loader):
                return self.evaluate(val_loader)
    """
    assert findings(source, "NN603") == [(5, 9)]


def test_enable_grad_decorator_marks_gradients_as_deliberate():
    source = """
        import torch

        @torch.enable_grad()
        def test_epoch(model, holdout_loader):
            model.eval()
            for x in holdout_loader:
                model(x)
    """
    assert findings(source, "NN603") == []


def test_caller_without_no_grad_keeps_the_finding():
    source = """
        import torch

        def evaluate(model, val_dl):
            model.eval()
            for x in val_dl:
                model(x)

        def main(model, val_dl):
            with torch.no_grad():
                evaluate(model, val_dl)
            evaluate(model, val_dl)
    """
    assert findings(source, "NN603") == [(6, 5)]


def test_no_grad_block_is_clean():
    source = """
        import torch

        def validate(model, val_loader):
            model.eval()
            with torch.no_grad():
                for x, y in val_loader:
                    model(x)
    """
    assert findings(source, "NN603") == []


def test_decorators_and_inference_mode_are_clean():
    for decorator in ("@torch.no_grad()", "@torch.inference_mode()", "@torch.no_grad", "@inference_mode()"):
        source = f"""
            import torch
            from torch import inference_mode

            {decorator}
            def validate(model, val_loader):
                model.eval()
                for x, y in val_loader:
                    model(x)
        """
        assert findings(source, "NN603") == [], decorator


def test_no_grad_inside_the_loop_or_set_grad_enabled_is_clean():
    source = """
        import torch

        def validate(model, val_loader):
            model.eval()
            for x, y in val_loader:
                with torch.no_grad():
                    model(x)

        def test(model, test_loader):
            model.eval()
            torch.set_grad_enabled(False)
            for x, y in test_loader:
                model(x)
    """
    assert findings(source, "NN603") == []


def test_caller_in_the_same_file_under_no_grad_is_clean():
    source = """
        import torch

        def evaluate(model, val_dl):
            model.eval()
            for x in val_dl:
                model(x)

        def main(model, val_dl):
            with torch.inference_mode():
                evaluate(model, val_dl)
    """
    assert findings(source, "NN603") == []


def test_lightning_validation_hooks_are_clean():
    source = """
        import pytorch_lightning as pl

        class Model(pl.LightningModule):
            def validation_step(self, batch, batch_idx):
                for x in batch["val_crops"]:
                    self.model(x)

            def on_test_epoch_end(self):
                for x in self.test_loader:
                    self.model(x)
    """
    assert findings(source, "NN603") == []


def test_autocast_is_not_no_grad():
    source = """
        import torch

        def validate(model, val_loader):
            model.eval()
            for x, y in val_loader:
                with torch.autocast("cuda", dtype=torch.float16):
                    logits = model(x)
    """
    assert findings(source, "NN603") == [(6, 5)]
