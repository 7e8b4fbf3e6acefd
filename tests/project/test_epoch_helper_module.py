"""An epoch loop that ticks its scheduler, then hands the optimizer to `helpers.train(...)`, a function of a
module imported whole, which runs the batches and the optimizer steps.

The shape of a prototype-network training script (its maintainers moved `scheduler.step()` after the call);
written here, not copied. `helpers.train(model=..., optimizer=...)` is a call of the project's own function,
not `nn.Module.train(mode)`, whatever the method is called.
"""

from __future__ import annotations

from tests.project.helpers import codes_by_file, lint, write_project

HELPERS = """
    def _run(model, dataloader, optimizer=None):
        is_train = optimizer is not None
        for x, y in dataloader:
            loss = model(x, y)
            if is_train:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()


    def train(model, dataloader, optimizer, log=print):
        log("train")
        model.train()
        return _run(model=model, dataloader=dataloader, optimizer=optimizer)
"""

MAIN = """
    import torch

    import helpers as tnt


    def main(net, train_loader, epochs):
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.2)
        for epoch in range(epochs):
            {before}
            _ = tnt.train(model=net, dataloader=train_loader, optimizer=optimizer)
            {after}
"""


def project(root, before, after):
    write_project(root, {"helpers.py": HELPERS, "main.py": MAIN.format(before=before, after=after)})
    return codes_by_file(lint(root, codes=("NN304",)))


def test_scheduler_ticked_before_the_helper_module_runs_the_epochs_steps(tmp_path):
    assert project(tmp_path, before="scheduler.step()", after="") == {("main.py", 11, "NN304")}


def test_scheduler_ticked_after_the_helper_module_ran_the_epoch_is_clean(tmp_path):
    assert project(tmp_path, before="", after="scheduler.step()") == set()
