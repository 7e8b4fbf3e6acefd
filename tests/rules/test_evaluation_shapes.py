"""Evaluation as real repositories write it (NN601, NN602, NN603): any loader, helpers split by phase."""

import pytest

from tests.rules.helpers import findings

FLAGGED = {
    "NN603 eval_fn over a generic loader calls eval() but keeps autograd on": ("NN603", """
        def eval_fn(data_loader, model, device):
            model.eval()
            preds = []
            for batch in data_loader:
                preds.append(model(batch.to(device)))
            return preds
    """),
    "NN603 val(dl) called by the epoch loop": ("NN603", """
        def val(dl):
            model.eval()
            for x, y in dl:
                out = model(x)

        for epoch in range(10):
            val(valid_dl)
    """),
    "NN601 test() under no_grad without eval()": ("NN601", """
        import torch

        def test(epoch):
            correct = 0
            with torch.no_grad():
                for data, target in test_loader:
                    output = model(data)
                    correct += (output.argmax(1) == target).sum().item()
    """),
    "NN602 train() never switches back after val() switched to eval": ("NN602", """
        import torch

        def train(epoch):
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()

        def val():
            model.eval()
            with torch.no_grad():
                for x, y in val_loader:
                    model(x)

        for epoch in range(10):
            train(epoch)
            val()
    """),
}

CLEAN = {
    "NN603 eval_fn with eval() and no_grad": ("NN603", """
        import torch

        @torch.no_grad()
        def eval_fn(data_loader, model, device):
            model.eval()
            for batch in data_loader:
                model(batch.to(device))
    """),
    "NN603 calibration pass over a generic loader, no eval() and nobody here calls it": ("NN603", """
        def calibrate_fn(model, calib_loader):
            for data in calib_loader:
                model(data)
    """),
    "NN601 test() with eval() and no_grad": ("NN601", """
        import torch

        def test(epoch):
            model.eval()
            with torch.no_grad():
                for data, target in test_loader:
                    model(data)
    """),
    "NN602 train() switches back itself": ("NN602", """
        import torch

        def train(epoch):
            model.train()
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()

        def val():
            model.eval()
            with torch.no_grad():
                for x, y in val_loader:
                    model(x)

        for epoch in range(10):
            train(epoch)
            val()
    """),
}


@pytest.mark.parametrize("case", FLAGGED.values(), ids=FLAGGED.keys())
def test_flagged(case):
    code, source = case
    assert len(findings(source, code)) == 1


@pytest.mark.parametrize("case", CLEAN.values(), ids=CLEAN.keys())
def test_clean(case):
    code, source = case
    assert findings(source, code) == []


def test_nn602_points_at_the_eval_call_inside_the_helper():
    code, source = FLAGGED["NN602 train() never switches back after val() switched to eval"]
    assert findings(source, code) == [(12, 5)]


def test_nn603_loader_behind_a_progress_bar_name_and_a_list_of_loaders():
    source = """
        model.eval()
        for ind in range(len(valid_loader_list)):
            valid_loader = valid_loader_list[ind]
            valid_pbar = tqdm(iter(valid_loader), total=len(valid_loader))
            for i, data in enumerate(valid_pbar):
                pred = model(data)
    """
    assert findings(source, "NN603") == [(6, 5)]


def test_nn603_progress_bar_name_over_the_train_loader_is_not_evaluation():
    source = """
        model.eval()
        pbar = tqdm(iter(train_loader))
        for i, data in enumerate(pbar):
            pred = model(data)
    """
    assert findings(source, "NN603") == []
