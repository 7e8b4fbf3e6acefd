"""Shapes of the short scripts people post when a model does not learn: loader names without separators,
evaluation without a loop, module-level code, a model class linked to a criterion only by `criterion(net(x), y)`."""

import pytest

from tests.rules.helpers import findings

_MODEL = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.fc1(x))))

net = Net()
"""


@pytest.mark.parametrize("loader", ["testloader", "valloader", "dl_test", "val_iter", "eval_data", "testset"])
def test_evaluation_loop_over_a_loader_named_without_separators(loader):
    source = _MODEL + f"""
correct = 0
for images, labels in {loader}:
    outputs = net(images)
    correct += (outputs.argmax(1) == labels).sum().item()
"""
    assert findings(source, "NN603") == [(18, 1)]
    assert findings(source, "NN601") == [(18, 1)]


@pytest.mark.parametrize("loader", ["trainloader", "dataloader", "batches", "train_iter"])
def test_training_side_loaders_are_not_evaluation(loader):
    source = _MODEL + f"""
for images, labels in {loader}:
    outputs = net(images)
"""
    assert findings(source, "NN603") == []


def test_evaluate_function_without_a_loop():
    source = _MODEL + """
def evaluate(x, y):
    out = net(x)
    return (out.argmax(1) == y).float().mean().item()
"""
    assert findings(source, "NN603") == [(18, 11)]
    assert findings(source, "NN601") == [(18, 11)]


def test_module_level_prediction_on_held_out_data():
    source = _MODEL + """
net.eval()
predictions = net(X_test).argmax(1)
"""
    assert findings(source, "NN603") == [(18, 15)]
    assert findings(source, "NN601") == []


def test_loopless_evaluation_under_no_grad_and_eval_is_clean():
    source = _MODEL + """
@torch.no_grad()
def evaluate(x, y):
    net.eval()
    out = net(x)
    return (out.argmax(1) == y).float().mean().item()

net.eval()
with torch.no_grad():
    predictions = net(X_test)
"""
    assert findings(source, "NN603") == []
    assert findings(source, "NN601") == []


def test_step_function_and_shape_smoke_test_are_not_evaluation():
    source = _MODEL + """
def train_step(x, y, optimizer):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    optimizer.step()

def test():
    model = Net()
    y = model(torch.randn(2, 784))
    print(y.size())

def test_shapes():
    print(net(torch.randn(2, 784)).shape)
"""
    assert findings(source, "NN603") == []
    assert findings(source, "NN601") == []


def test_saliency_function_that_needs_gradients_is_clean():
    source = _MODEL + """
def evaluate_saliency(x, y):
    x.requires_grad_()
    score = net(x)[0, y]
    score.backward()
    return x.grad.abs()
"""
    assert findings(source, "NN603") == []


def test_model_class_ending_in_softmax_linked_through_outputs_of_net():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(784, 10)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)

        net = Net()
        criterion = nn.CrossEntropyLoss()

        def train(trainloader, optimizer):
            for inputs, labels in trainloader:
                optimizer.zero_grad()
                outputs = net(inputs)
                loss = criterion(outputs, labels)
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN201") == [(20, 16)]


_TWO_HEADS = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(10, 3)
            self.aux = nn.Linear(10, 3)

        def forward(self, x):
            return {first}, self.aux(x)

    model = Net()
    criterion = nn.CrossEntropyLoss()
    out, _ = model(x)
    loss = criterion(out, y)
"""


def test_output_unpacked_from_a_tuple_the_model_returns():
    source = _TWO_HEADS.format(first="F.softmax(self.fc(x), dim=1)")
    assert findings(source, "NN201") == [(18, 8)]


def test_raw_logits_unpacked_from_the_tuple_are_clean():
    source = _TWO_HEADS.format(first="self.fc(x)")
    assert findings(source, "NN201") == []


def test_activation_on_the_prediction_passed_in_the_target_position():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        criterion = nn.CrossEntropyLoss()
        for images, labels in trainloader:
            outputs = net(images)
            loss = criterion(labels, F.softmax(outputs, dim=1))
            sig_loss = F.cross_entropy(labels, torch.sigmoid(outputs))
    """
    assert findings(source, "NN201") == [(8, 12)]
    assert findings(source, "NN207") == [(9, 16)]


def test_soft_targets_from_a_teacher_in_the_target_position_are_clean():
    source = """
        import torch.nn.functional as F

        def distill(student_logits, teacher_logits, labels, T=2.0):
            soft = F.cross_entropy(student_logits / T, F.softmax(teacher_logits / T, dim=1))
            hard = F.cross_entropy(student_logits, labels)
            return soft + hard
    """
    assert findings(source, "NN201") == []


def test_exp_of_the_output_into_nll_loss():
    source = """
        import torch
        import torch.nn as nn

        criterion = nn.NLLLoss()
        for x, y in trainloader:
            loss = criterion(torch.exp(model(x)), y)
            loss2 = criterion(model(x).exp(), y)
    """
    assert findings(source, "NN204") == [(7, 12), (8, 13)]


def test_exp_used_only_for_reported_probabilities_is_clean():
    source = """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        for x, y in trainloader:
            log_probs = F.log_softmax(model(x), dim=1)
            loss = nn.NLLLoss()(log_probs, y)
            confidence = torch.exp(log_probs).max(1).values
    """
    assert findings(source, "NN204") == []
