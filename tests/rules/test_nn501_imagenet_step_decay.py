"""NN501: ImageNet's ÷10-every-30-epochs schedule copied into another project."""

import pytest

from tests.rules.helpers import findings

FLAGGED = {
    "StepLR by keyword": """
        from torch.optim.lr_scheduler import StepLR
        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    """,
    "StepLR positional with default gamma": """
        import torch
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 30)
    """,
    "aliased StepLR": """
        from torch.optim.lr_scheduler import StepLR as Step
        scheduler = Step(opt, 30, 0.1)
    """,
    "optim.lr_scheduler module alias": """
        from torch import optim
        sched = optim.lr_scheduler.StepLR(optimizer=opt, gamma=1e-1, step_size=30)
    """,
    "MultiStepLR 30/60/90": """
        from torch.optim import lr_scheduler
        scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60, 90], gamma=0.1)
    """,
    "MultiStepLR 30/60/80": """
        from torch.optim.lr_scheduler import MultiStepLR
        scheduler = MultiStepLR(optimizer, [30, 60, 80])
    """,
    "hand-written decay": """
        def adjust_learning_rate(optimizer, epoch, args):
            lr = args.lr * (0.1 ** (epoch // 30))
            for group in optimizer.param_groups:
                group["lr"] = lr
    """,
}

CLEAN = {
    "other step size": """
        from torch.optim.lr_scheduler import StepLR
        scheduler = StepLR(optimizer, step_size=10, gamma=0.1)
    """,
    "other gamma": """
        from torch.optim.lr_scheduler import StepLR
        scheduler = StepLR(optimizer, step_size=30, gamma=0.5)
    """,
    "milestones from this run": """
        from torch.optim.lr_scheduler import MultiStepLR
        scheduler = MultiStepLR(optimizer, milestones=[100, 150])
    """,
    "trains on ImageNet": """
        from torchvision import datasets
        from torch.optim.lr_scheduler import StepLR
        train_set = datasets.ImageNet(root, split="train")
        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    """,
    "imagenet data path argument": """
        import argparse
        from torch.optim.lr_scheduler import StepLR
        parser = argparse.ArgumentParser()
        parser.add_argument("--data", default="/datasets/imagenet")
        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    """,
    "a StepLR of another library": """
        from mylib.schedules import StepLR
        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    """,
    "decay by another period": """
        def adjust(lr, epoch):
            return lr * (0.1 ** (epoch // 50))
    """,
}


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(source):
    assert len(findings(source, "NN501")) == 1


@pytest.mark.parametrize("source", CLEAN.values(), ids=CLEAN.keys())
def test_clean(source):
    assert findings(source, "NN501") == []


def test_a_comment_mentioning_imagenet_does_not_silence_it():
    source = """
        # schedule copied from the ImageNet example
        from torch.optim.lr_scheduler import StepLR
        scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    """
    assert findings(source, "NN501") == [(4, 13)]


def test_schedule_read_from_command_line_options_counts_by_their_defaults():
    source = """
        import argparse
        import torch

        parser = argparse.ArgumentParser()
        parser.add_argument("--lr-step", type=int, default={step})
        parser.add_argument("--milestones", type=int, nargs="+", default=[{milestones}])
        args = parser.parse_args()
        step = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.lr_step, gamma=0.1)
        multi = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=args.milestones)
    """
    assert findings(source.format(step=30, milestones="30, 60, 90"), "NN501") == [(9, 8), (10, 9)]
    assert findings(source.format(step=10, milestones="100, 150"), "NN501") == []
