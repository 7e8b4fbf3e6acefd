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


def _script(model_definition: str, model_line: str) -> str:
    """A tutorial-shaped script: a model defined here, trained, then tested at module level without eval()."""
    return f"""
import torch
import torch.nn as nn
import torch.nn.functional as F
{model_definition}
model = {model_line}
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for images, labels in train_loader:
    loss = F.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with torch.no_grad():
    for images, labels in test_loader:
        outputs = model(images)
"""


_MLP = """
class NeuralNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(NeuralNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))
"""


def test_visible_model_without_dropout_or_batchnorm_is_clean():
    assert findings(_script(_MLP, "NeuralNet(784, 500, 10).to(device)"), "NN601") == []


def test_visible_lstm_without_dropout_and_plain_sequential_are_clean():
    lstm = """
class BiRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, 2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(256, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])
"""
    assert findings(_script(lstm, "BiRNN().to(device)"), "NN601") == []
    assert findings(_script("", "nn.Sequential(nn.Flatten(), nn.Linear(784, 10))"), "NN601") == []


def test_visible_model_with_dropout_is_flagged():
    net = _MLP.replace("self.relu = nn.ReLU()", "self.relu = nn.Sequential(nn.ReLU(), nn.Dropout(0.5))")
    assert findings(_script(net, "NeuralNet(784, 500, 10)"), "NN601") == [(24, 5)]


def test_batchnorm_in_a_submodule_class_of_the_file_is_flagged():
    blocks = """
class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(Block(3), Block(3))
        self.head = nn.Linear(3, 10)

    def forward(self, x):
        return self.head(self.body(x).mean((2, 3)))
"""
    assert findings(_script(blocks, "Net()"), "NN601") == [(33, 5)]


def test_functional_dropout_and_self_training_count_as_mode_dependent():
    net = _MLP.replace(
        "return self.fc2(self.relu(self.fc1(x)))",
        "return self.fc2(F.dropout(self.relu(self.fc1(x)), 0.5, training=self.training))",
    )
    assert findings(_script(net, "NeuralNet(784, 500, 10)"), "NN601") == [(24, 5)]


def test_lstm_with_dropout_and_an_imported_model_are_flagged():
    lstm = """
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, 2, dropout=0.3)

    def forward(self, x):
        return self.lstm(x)[0]
"""
    assert findings(_script(lstm, "Tagger()"), "NN601") == [(22, 5)]
    imported = "import torchvision\n"
    assert findings(_script(imported, "torchvision.models.resnet18(num_classes=10)"), "NN601") == [(15, 5)]
