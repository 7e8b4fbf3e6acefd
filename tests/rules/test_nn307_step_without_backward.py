"""NN307: the optimizer steps in a loop where no backward runs; points at the step."""

from tests.rules.helpers import findings, messages


def test_forgotten_backward_in_a_forum_training_loop():
    source = """
        import torch.nn as nn
        import torch.optim as optim

        model = Net()
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.SGD(model.parameters(), lr=0.01)
        for epoch in range(10):
            for inputs, labels in trainloader:
                optimizer.zero_grad()
                loss = criterion(model(inputs), labels)
                optimizer.step()
    """
    assert findings(source, "NN307") == [(12, 9)]
    assert "`loss.backward()`" in messages(source, "NN307")[0]


def test_backward_without_parentheses_is_named():
    source = """
        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward
                optimizer.step()
    """
    assert findings(source, "NN307") == [(7, 9)]
    assert "`loss.backward` is never called" in messages(source, "NN307")[0]


def test_amp_loop_that_scales_the_loss_but_never_backpropagates():
    source = """
        import torch

        def train(model, loader, optimizer):
            scaler = torch.cuda.amp.GradScaler()
            for x, y in loader:
                optimizer.zero_grad()
                with torch.autocast("cuda"):
                    loss = model(x, y)
                scaler.scale(loss)
                scaler.step(optimizer)
                scaler.update()
    """
    assert findings(source, "NN307") == [(11, 9)]


def test_step_in_a_helper_method_of_a_trainer_without_backward():
    source = """
        class Trainer:
            def _optimizer_step(self):
                self.optimizer.step()
                self.optimizer.zero_grad()

            def fit(self, loader):
                for batch in loader:
                    loss = self.model(**batch).loss
                    self._optimizer_step()
    """
    assert findings(source, "NN307") == [(4, 9)]


def test_while_loop_over_steps_at_module_level():
    source = """
        import torch

        opt = torch.optim.Adam(model.parameters(), lr=3e-4)
        step = 0
        while step < 1000:
            x, y = next(batches)
            loss = (model(x) - y).pow(2).mean()
            opt.step()
            opt.zero_grad()
            step += 1
    """
    assert findings(source, "NN307") == [(9, 5)]


def test_backward_before_the_step_is_clean():
    source = """
        def train(model, loader, optimizer, criterion):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN307") == []


def test_lbfgs_step_with_a_closure_is_clean():
    source = """
        import torch

        optimizer = torch.optim.LBFGS(model.parameters(), lr=1)
        for i in range(20):
            def closure():
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                return loss
            optimizer.step(closure)
    """
    assert findings(source, "NN307") == []


def test_backward_in_a_helper_called_before_the_step_is_clean():
    source = """
        def compute_and_backprop(model, batch):
            loss = model(batch).mean()
            loss.backward()
            return loss

        def train(model, loader, optimizer):
            for batch in loader:
                optimizer.zero_grad()
                compute_and_backprop(model, batch)
                optimizer.step()
    """
    assert findings(source, "NN307") == []


def test_accelerate_backward_and_an_rl_agent_update_are_clean():
    source = """
        for batch in train_dataloader:
            outputs = model(**batch)
            accelerator.backward(outputs.loss)
            optimizer.step()
            optimizer.zero_grad()

        for episode in range(500):
            state = env.reset()
            agent.learn(state)
            optimizer.step()
    """
    assert findings(source, "NN307") == []


def test_step_over_optimizers_after_the_backward_in_the_caller_is_clean():
    source = """
        def step_all(optimizers):
            for opt in optimizers:
                opt.step()

        def train(model, loader, optimizers):
            for x in loader:
                model(x).sum().backward()
                step_all(optimizers)
    """
    assert findings(source, "NN307") == []


def test_manual_gradients_are_clean():
    source = """
        import torch

        for x, y in loader:
            grads = torch.autograd.grad(loss_fn(model(x), y), model.parameters())
            for p, g in zip(model.parameters(), grads):
                p.grad = g
            optimizer.step()
    """
    assert findings(source, "NN307") == []


def test_train_step_function_without_a_loop_and_without_backward():
    source = """
        import torch.nn.functional as F

        def train_step(model, optimizer, batch):
            x, y = batch
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            optimizer.step()
            return loss.item()
    """
    assert findings(source, "NN307") == [(8, 5)]


def test_step_only_helpers_and_complete_step_functions_are_clean():
    source = """
        import torch.nn.functional as F

        class Trainer:
            def optimizer_step(self):
                self.optimizer.step()
                self.optimizer.zero_grad()

        def train_step(model, optimizer, batch):
            x, y = batch
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.item()
    """
    assert findings(source, "NN307") == []


def test_module_level_snippet_without_a_loop():
    source = """
        import torch.nn as nn
        import torch.optim as optim

        criterion = nn.CrossEntropyLoss()
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        optimizer.step()
    """
    assert findings(source, "NN307") == [(10, 1)]


def test_module_level_snippet_with_backward_is_clean():
    source = """
        import torch.nn as nn

        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    """
    assert findings(source, "NN307") == []
