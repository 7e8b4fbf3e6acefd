"""Ordering rules (NN302-NN305) check a function that runs one training step, with or without a loop."""

import pytest

from tests.rules.helpers import findings

FLAGGED = {
    "NN302 clip inside backward(self, loss), before loss.backward()": ("NN302", """
        import torch

        class Trainer:
            def backward(self, loss):
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                loss.backward()
    """),
    "NN302 train_step clips after optimizer.step()": ("NN302", """
        from torch.nn.utils import clip_grad_norm_

        def train_step(model, optimizer, batch):
            loss = model(batch).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            clip_grad_norm_(model.parameters(), 5.0)
            return loss.item()
    """),
    "NN303 AMP step function clips scaled grads": ("NN303", """
        import torch

        def train_step(model, optimizer, scaler, batch):
            with torch.autocast("cuda"):
                loss = model(batch)
            scaler.scale(loss).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
    """),
    "NN304 optimizer_step hook steps the scheduler first": ("NN304", """
        class Runner:
            def update(self, loss):
                self.optimizer.zero_grad()
                loss.backward()
                self.lr_scheduler.step()
                self.optimizer.step()
    """),
    "NN305 step method zeroes between backward and step": ("NN305", """
        class Agent:
            def learn(self, loss):
                loss.backward()
                self.optimizer.zero_grad()
                self.optimizer.step()
    """),
}

CLEAN = {
    "NN302 clip between backward and step": ("NN302", """
        import torch

        class Trainer:
            def backward(self, loss):
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
    """),
    "NN302 clip before a step that the caller's loop backpropagates for": ("NN302", """
        import torch

        def apply_update(model, optimizer):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()

        for batch in loader:
            model(batch).mean().backward()
            apply_update(model, optimizer)
    """),
    "NN303 AMP step function unscales first": ("NN303", """
        import torch

        def train_step(model, optimizer, scaler, batch):
            scaler.scale(model(batch)).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
    """),
    "NN304 scheduler after the optimizer": ("NN304", """
        class Runner:
            def update(self, loss):
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.lr_scheduler.step()
    """),
    "NN305 zero before backward": ("NN305", """
        class Agent:
            def learn(self, loss):
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
    """),
    "NN301 is not asked of a step function (the trainer zeroes)": ("NN301", """
        def train_step(model, optimizer, batch):
            model(batch).mean().backward()
            optimizer.step()
    """),
}


@pytest.mark.parametrize("case", FLAGGED.values(), ids=FLAGGED.keys())
def test_step_function_flagged(case):
    code, source = case
    assert len(findings(source, code)) == 1


@pytest.mark.parametrize("case", CLEAN.values(), ids=CLEAN.keys())
def test_step_function_look_alike_clean(case):
    code, source = case
    assert findings(source, code) == []


def test_a_helper_called_in_a_loop_is_reported_once():
    source = """
        import torch

        def finish(model, optimizer):
            optimizer.step()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)

        def train_step(model, optimizer, batch):
            model(batch).mean().backward()
            finish(model, optimizer)

        for batch in loader:
            train_step(model, optimizer, batch)
    """
    assert findings(source, "NN302") == [(6, 5)]


def test_nn304_scheduler_and_optimizer_under_the_same_accumulation_guard():
    source = """
        scheduler = WarmupLinearSchedule(optimizer, warmup_steps=100, t_total=1000)
        for step, batch in enumerate(loader):
            loss = model(batch)
            loss.backward()
            if (step + 1) % accum == 0:
                scheduler.step()
                optimizer.step()
                model.zero_grad()
    """
    assert findings(source, "NN304") == [(7, 9)]


def test_nn304_scheduler_guarded_apart_from_the_step_is_not_claimed():
    source = """
        for step, batch in enumerate(loader):
            loss = model(batch)
            loss.backward()
            if step > warmup:
                scheduler.step()
            optimizer.step()
            optimizer.zero_grad()
    """
    assert findings(source, "NN304") == []


def test_objects_held_in_a_dict_by_role():
    source = """
        def train_epoch(models, loader):
            for x, y in loader:
                loss = models["criterion"](models["net"](x), y)
                loss.backward()
                models["optimizer"].zero_grad()
                models["optimizer"].step()
    """
    assert findings(source, "NN305") == [(6, 9)]


def test_objects_held_in_a_dict_in_order_are_clean():
    source = """
        def train_epoch(models, loader):
            for x, y in loader:
                models["optimizer"].zero_grad()
                loss = models["criterion"](models["net"](x), y)
                loss.backward()
                models["optimizer"].step()
                models["scheduler"].step()
    """
    assert findings(source, "NN305") == [] and findings(source, "NN304") == []


def test_scheduler_in_a_dict_stepped_first():
    source = """
        def train_epoch(models, loader):
            for x, y in loader:
                models["optimizer"].zero_grad()
                models["net"](x).mean().backward()
                models["scheduler"].step()
                models["optimizer"].step()
    """
    assert findings(source, "NN304") == [(6, 9)]
