"""NN604: `torch.save(model)` of a module; points at the save, unsafe fix saves the state_dict."""

from tests.rules.helpers import findings, fixed, messages


def test_model_class_of_the_file_saved_whole_is_flagged_and_fixed():
    source = """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 2)

        model = Net().to(device)
        torch.save(model, "model.pth")
    """
    assert findings(source, "NN604") == [(11, 1)]
    assert "`model.state_dict()`" in messages(source, "NN604")[0]
    assert 'torch.save(model.state_dict(), "model.pth")' in fixed(source, "NN604")


def test_torchvision_model_saved_with_keyword_obj():
    source = """
        import torch
        import torchvision

        resnet = torchvision.models.resnet18(weights=None)
        torch.save(obj=resnet, f="resnet.pt")
    """
    assert findings(source, "NN604") == [(6, 1)]


def test_model_passed_in_and_trained_by_an_optimizer_of_the_file():
    source = """
        import torch

        def train(model, loader, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    model(x).sum().backward()
                    optimizer.step()
                torch.save(model, f"ckpt_{epoch}.pt")
    """
    assert findings(source, "NN604") == [(11, 9)]


def test_sequential_and_hub_model_on_self():
    source = """
        import torch
        from torch import nn
        from transformers import AutoModel

        class Runner:
            def __init__(self):
                self.net = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
                self.encoder = AutoModel.from_pretrained("bert-base-uncased")

            def save(self, path):
                torch.save(self.net, path + "/net.pt")
                torch.save(self.encoder, path + "/encoder.pt")
    """
    assert findings(source, "NN604") == [(12, 9), (13, 9)]


def test_timm_model_in_a_module_level_script():
    source = """
        import timm
        import torch

        model = timm.create_model("resnet50", pretrained=True, num_classes=10)
        torch.save(model, "best.pth")
    """
    assert findings(source, "NN604") == [(6, 1)]


def test_state_dict_and_checkpoint_dicts_are_clean():
    source = """
        import torch
        import torch.nn as nn

        model = nn.Linear(10, 2)
        torch.save(model.state_dict(), "weights.pt")
        torch.save({"model": model.state_dict(), "epoch": 3}, "ckpt.pt")
        state = {"net": model.state_dict(), "acc": 0.9}
        torch.save(state, "ckpt.pth")
    """
    assert findings(source, "NN604") == []


def test_torchscript_save_is_clean():
    source = """
        import torch
        import torch.nn as nn

        model = nn.Linear(10, 2)
        scripted = torch.jit.script(model)
        torch.jit.save(scripted, "model.pt")
        torch.save(scripted, "other.pt")
    """
    assert findings(source, "NN604") == []


def test_saving_tensors_and_datasets_is_clean():
    source = """
        import torch

        training_set = (images, labels)
        torch.save(training_set, "train.pt")
        embeddings = torch.randn(100, 16)
        torch.save(embeddings, "emb.pt")
    """
    assert findings(source, "NN604") == []


def test_unknown_object_from_a_parameter_is_clean():
    source = """
        import torch

        def save_checkpoint(state, filename):
            torch.save(state, filename)
    """
    assert findings(source, "NN604") == []


def test_loss_module_and_a_name_rebound_to_a_dict_are_clean():
    source = """
        import torch
        import torch.nn as nn

        criterion = nn.CrossEntropyLoss()
        torch.save(criterion, "crit.pt")
        model = nn.Linear(2, 2)
        model = {"weights": model.state_dict()}
        torch.save(model, "m.pt")
    """
    assert findings(source, "NN604") == []


# Seen in the wild (krisrs1128/glacier_mapping#29): a framework class builds its U-Net from a class imported from
# another file of the project, hands its parameters to the optimizer, and its `save` method pickles `self.model`.
def test_imported_model_class_on_self_trained_by_the_optimizer_of_the_class():
    source = """
        import torch
        from .unet import Unet

        class Framework:
            def __init__(self, model_opts, optimizer_opts):
                self.model = Unet(**model_opts)
                self.optimizer = torch.optim.Adam(self.model.parameters(), **optimizer_opts)

            def save(self, path):
                torch.save(self.model, path)
    """
    assert findings(source, "NN604") == [(11, 9)]


def test_imported_class_not_trained_and_torchscript_of_a_trained_model_are_clean():
    source = """
        import torch
        from .unet import Unet
        from .config import Settings

        class Framework:
            def __init__(self, model_opts):
                self.model = Unet(**model_opts)
                self.settings = Settings()
                self.optimizer = torch.optim.Adam(self.model.parameters())

            def save(self, path):
                torch.save(self.settings, path + ".cfg")
                self.model = torch.jit.script(self.model)
                torch.save(self.model, path)
    """
    assert findings(source, "NN604") == []
