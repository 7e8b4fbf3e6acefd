"""NN306 across files: a step helper of another module returns its losses as a tuple, the loop sums one."""

from __future__ import annotations

from tests.project.helpers import codes_by_file, lint, write_project

STEPS = """
    import torch.nn.functional as F


    def train_step(model, optimizer, x, y):
        optimizer.zero_grad()
        out = model(x)
        nll = F.cross_entropy(out, y)
        penalty = out.pow(2).mean()
        total = nll + 0.01 * penalty
        total.backward()
        optimizer.step()
        return {returned}
"""

TRAIN = """
    from steps import train_step


    def fit(model, optimizer, loader):
        running_loss = 0.0
        for x, y in loader:
            total, nll = train_step(model, optimizer, x, y)
            running_loss += total
        return running_loss
"""


def _project(root, returned):
    write_project(root, {"steps.py": STEPS.format(returned=returned), "train.py": TRAIN})
    return lint(root, codes=("NN306",))


def test_graph_attached_tuple_from_another_module(tmp_path):
    assert codes_by_file(_project(tmp_path, "total, nll")) == {("train.py", 9, "NN306")}


def test_items_returned_from_another_module_are_clean(tmp_path):
    assert _project(tmp_path, "total.item(), nll.item()") == []
