"""NN604: a model built in one arm of an `if` and loaded with `torch.load` in the other is still a model."""

from tests.rules.helpers import findings

BUILT_OR_LOADED = """
    import torch
    from torch import optim
    from detector import Detector

    if resume_epoch == 0:
        net = Detector()
    else:
        net = torch.load(f"states/epoch_{resume_epoch}.pt")
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    for epoch in range(epochs):
        for images, targets in loader:
            optimizer.zero_grad()
            net(images, targets).backward()
            optimizer.step()
        torch.save(SAVED, f"states/epoch_{epoch}.pt")
"""


def test_built_in_one_arm_loaded_in_the_other_is_flagged():
    assert findings(BUILT_OR_LOADED.replace("SAVED", "net"), "NN604") == [(16, 5)]


def test_saving_its_state_dict_is_clean():
    assert findings(BUILT_OR_LOADED.replace("SAVED", "net.state_dict()"), "NN604") == []


def test_loaded_in_every_arm_is_not_known_to_be_a_model():
    source = """
        import torch

        if fresh:
            stats = torch.load("init.pt")
        else:
            stats = torch.load("resume.pt")
        torch.save(stats, "stats.pt")
    """
    assert findings(source, "NN604") == []


def test_other_arm_builds_something_else_is_clean():
    source = """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            pass

        if fresh:
            state = Net()
        else:
            state = dict(step=0)
        torch.save(state, "state.pt")
    """
    assert findings(source, "NN604") == []
