"""NN601: evaluation over a val/test loader without `model.eval()`; points at the evaluation loop."""

from tests.rules.helpers import findings, messages


def test_validate_function_without_eval_is_flagged_at_the_for():
    source = """
        import torch

        @torch.no_grad()
        def validate(model, val_loader):
            correct = 0
            for x, y in val_loader:
                correct += (model(x).argmax(1) == y).sum().item()
            return correct
    """
    assert findings(source, "NN601") == [(7, 5)]
    assert "`val_loader`" in messages(source, "NN601")[0]


def test_validation_inside_the_epoch_loop_without_eval():
    source = """
        import torch
        import torch.nn.functional as F

        def fit(model, train_loader, val_loader, optimizer, epochs):
            for epoch in range(epochs):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    F.cross_entropy(model(x), y).backward()
                    optimizer.step()
                with torch.no_grad():
                    for x, y in val_loader:
                        val_loss = F.cross_entropy(model(x), y).item()
    """
    assert findings(source, "NN601") == [(12, 13)]


def test_module_level_test_loop_with_tqdm_and_enumerate():
    source = """
        import torch
        from tqdm import tqdm

        with torch.inference_mode():
            for i, (images, labels) in enumerate(tqdm(test_loader)):
                preds = net(images).argmax(1)
    """
    assert findings(source, "NN601") == [(6, 5)]


def test_generic_loader_in_an_evaluate_method_called_from_fit():
    source = """
        import torch

        class Trainer:
            @torch.no_grad()
            def evaluate(self, loader):
                scores = []
                for batch in loader:
                    scores.append(self.model(batch["x"]).sigmoid())
                return torch.cat(scores)

            def fit(self, train_loader, val_loader):
                self.train_epoch(train_loader)
                return self.evaluate(val_loader)
    """
    assert findings(source, "NN601") == [(8, 9)]


def test_generic_loader_in_a_library_function_nobody_here_calls_is_clean():
    source = """
        import torch

        @torch.no_grad()
        def default_eval_fn(model, calib_data):
            for data, target in calib_data:
                model(data)
    """
    assert findings(source, "NN601") == []


def test_a_loop_over_models_is_not_a_pass_over_data():
    source = """
        import torch

        @torch.no_grad()
        def check(models_to_test, x):
            for model in models_to_test:
                model(x)
    """
    assert findings(source, "NN601") == []


def test_every_caller_in_the_file_must_set_eval_mode():
    source = """
        import torch

        @torch.no_grad()
        def evaluate(model, val_dl):
            for x in val_dl:
                model(x)

        def main(model, val_dl):
            model.eval()
            evaluate(model, val_dl)

        def finetune(model, val_dl):
            evaluate(model, val_dl)
    """
    assert findings(source, "NN601") == [(6, 5)]


def test_eval_before_the_loop_is_clean():
    source = """
        import torch

        @torch.no_grad()
        def validate(model, val_loader):
            model.eval()
            for x, y in val_loader:
                model(x)
    """
    assert findings(source, "NN601") == []


def test_eval_set_by_the_caller_in_the_same_file_is_clean():
    source = """
        import torch

        @torch.no_grad()
        def validate(model, val_loader):
            for x, y in val_loader:
                model(x)

        def main(model, val_loader):
            model.eval()
            validate(model, val_loader)
    """
    assert findings(source, "NN601") == []


def test_train_false_and_eval_in_a_helper_are_clean():
    source = """
        import torch

        class Runner:
            def freeze(self):
                self.model.eval()

            @torch.no_grad()
            def validate(self, val_loader):
                self.freeze()
                for x in val_loader:
                    self.model(x)

            @torch.no_grad()
            def test(self, test_loader):
                self.model.train(False)
                for x in test_loader:
                    self.model(x)
    """
    assert findings(source, "NN601") == []


def test_lightning_module_loops_are_managed_by_the_trainer():
    source = """
        import torch
        import lightning as L

        class Model(L.LightningModule):
            def validation_step(self, batch, batch_idx):
                return self.model(batch).mean()

            def on_validation_epoch_end(self):
                for x in self.trainer.val_dataloaders:
                    self.model(x)
    """
    assert findings(source, "NN601") == []


def test_training_loop_and_data_only_loops_are_clean():
    source = """
        def inspect(val_loader, train_loader, model, optimizer):
            for x, y in val_loader:
                print(x.shape, y.shape)
            for x, y in train_loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()
    """
    assert findings(source, "NN601") == []


def test_adversarial_evaluation_that_needs_gradients_is_clean():
    source = """
        import torch

        def evaluate_robustness(model, test_loader, eps):
            for x, y in test_loader:
                x.requires_grad_(True)
                loss = torch.nn.functional.cross_entropy(model(x), y)
                grad, = torch.autograd.grad(loss, x)
                model(x + eps * grad.sign())
    """
    assert findings(source, "NN601") == []


def test_autocast_and_inference_mode_do_not_switch_modes():
    source = """
        import torch

        def validate(model, val_loader):
            with torch.inference_mode(), torch.autocast("cuda"):
                for x, y in val_loader:
                    model(x)
    """
    assert findings(source, "NN601") == [(6, 9)]
