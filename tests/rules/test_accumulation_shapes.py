"""NN306 on accumulation as real loops write it: dicts of losses, helpers' results, `x = x + loss`."""

import pytest

from tests.rules.helpers import findings, messages

FLAGGED = {
    "dict of losses summed per key": """
        class Trainer:
            def fit(self, loader):
                for batch in loader:
                    loss = self.model(batch)
                    self.optimizer.zero_grad()
                    loss["total"].backward()
                    self.optimizer.step()
                    for key in loss:
                        self.losses[key] += loss[key]
    """,
    "item of the model's output dict": """
        total = 0
        for x in loader:
            out = model(x)
            optimizer.zero_grad()
            out["loss"].backward()
            optimizer.step()
            total += out["loss"]
    """,
    "tensor returned by a step helper": """
        def train_step(model, batch):
            loss = model(batch).mean()
            loss.backward()
            return loss

        running = 0.0
        for batch in loader:
            optimizer.zero_grad()
            l = train_step(model, batch)
            optimizer.step()
            running += l
    """,
    "running_loss = running_loss + loss": """
        running_loss = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss = running_loss + loss
    """,
    "whole output dict appended after its loss was backpropagated": """
        outputs = []
        for i, batch in enumerate(loader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            outputs.append(output)
    """,
    "negative mean log-likelihood (a number times a torch result) summed in the model's own fit loop": """
        import torch


        class LabelModel(torch.nn.Module):
            def fit(self, batches, epochs):
                optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
                for epoch in range(epochs):
                    running_loss = 0.0
                    for inputs in batches:
                        optimizer.zero_grad()
                        loss = -1 * torch.mean(self(*inputs))
                        loss += self.regularisation()
                        loss.backward()
                        optimizer.step()
                        running_loss += loss
    """,
}

CLEAN = {
    "negative mean log-likelihood read with item()": """
        import torch


        class LabelModel(torch.nn.Module):
            def fit(self, batches, epochs):
                optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
                for epoch in range(epochs):
                    running_loss = 0.0
                    for inputs in batches:
                        optimizer.zero_grad()
                        loss = -1 * torch.mean(self(*inputs))
                        loss.backward()
                        optimizer.step()
                        running_loss += loss.item()
    """,
    "a count of devices times a number is a number": """
        import torch

        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            scaled_loss = loss.item() * torch.cuda.device_count()
            total += scaled_loss
    """,
    "dict of losses read with item()": """
        class Trainer:
            def fit(self, loader):
                for batch in loader:
                    loss = self.model(batch)
                    self.optimizer.zero_grad()
                    loss["total"].backward()
                    self.optimizer.step()
                    for key in loss:
                        self.losses[key] += loss[key].item()
    """,
    "item of the output dict detached": """
        total = 0
        for x in loader:
            out = model(x)
            optimizer.zero_grad()
            out["loss"].backward()
            optimizer.step()
            total += out["loss"].detach()
    """,
    "step helper returning a number": """
        def train_step(model, batch):
            loss = model(batch).mean()
            loss.backward()
            return loss.item()

        running = 0.0
        for batch in loader:
            optimizer.zero_grad()
            l = train_step(model, batch)
            optimizer.step()
            running += l
    """,
    "running_loss = running_loss + loss.item()": """
        running_loss = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            running_loss = running_loss + loss.item()
    """,
    "sum of losses built for this step's backward": """
        for x, y in loader:
            optimizer.zero_grad()
            total = 0
            for head in heads:
                total = total + criterion(head(x), y)
            total.backward()
            optimizer.step()
    """,
    "output dict detached before it is kept": """
        outputs = []
        for i, batch in enumerate(loader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            outputs.append({"loss": output["loss"].item()})
    """,
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(source):
    assert len(findings(source, "NN306")) == 1


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean(source):
    assert findings(source, "NN306") == []


def test_message_names_the_dict_and_the_item():
    assert messages(FLAGGED["dict of losses summed per key"], "NN306") == [
        "`self.losses` accumulates the loss tensor itself, which keeps every iteration's autograd graph in "
        "memory — accumulate `loss[key].item()` (or `.detach()`) instead"
    ]


def test_output_dict_whose_loss_item_was_detached_in_place_is_clean():
    source = """
        outputs = []
        for i, batch in enumerate(loader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            output["loss"] = output["loss"].detach()
            outputs.append(output)
    """
    assert findings(source, "NN306") == []
