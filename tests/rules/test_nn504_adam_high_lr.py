"""NN504: Adam or AdamW started with lr >= 1e-2; the recipe's safe default is 3e-4."""

from nnlint.engine import Selection, lint_source
from nnlint.rules import catalogue
from tests.rules.helpers import findings, messages


def test_adam_with_lr_keyword_is_flagged_at_the_constructor():
    source = """
        import torch

        def build(model):
            return torch.optim.Adam(model.parameters(), lr=0.1)
    """
    assert findings(source, "NN504") == [(5, 12)]
    assert messages(source, "NN504") == [
        "`Adam` with lr=0.1 is far above Adam's safe range and tends to diverge or stall; "
        "start from lr=3e-4 and tune from there"
    ]


def test_positional_lr_through_an_optim_alias():
    source = """
        from torch import optim

        optimizer = optim.AdamW(net.parameters(), 1e-1, weight_decay=0.05)
    """
    assert findings(source, "NN504") == [(4, 13)]


def test_scientific_notation_and_imported_class():
    source = """
        from torch.optim import AdamW as Optimizer

        opt = Optimizer(params, lr=5e-1, betas=(0.9, 0.999))
    """
    assert findings(source, "NN504") == [(4, 7)]


def test_module_level_learning_rate_constant():
    source = """
        import torch

        LR = 0.5

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=LR)
    """
    assert findings(source, "NN504") == [(7, 12)]


def test_lightning_configure_optimizers_with_submodule_path():
    source = """
        import torch.optim.adam

        class Net(LightningModule):
            def configure_optimizers(self):
                optimizer = torch.optim.adam.Adam(self.parameters(), lr=1)
                return optimizer
    """
    assert findings(source, "NN504") == [(6, 21)]


def test_recipe_learning_rate_is_clean():
    assert findings("import torch\nopt = torch.optim.Adam(model.parameters(), lr=3e-4)\n", "NN504") == []


def test_just_below_the_threshold_is_clean():
    assert findings("import torch\nopt = torch.optim.AdamW(model.parameters(), 9e-2)\n", "NN504") == []


def test_sgd_with_a_large_learning_rate_is_clean():
    source = """
        import torch

        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """
    assert findings(source, "NN504") == []


def test_learning_rate_from_arguments_is_clean():
    source = """
        import torch

        def main(args):
            optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    """
    assert findings(source, "NN504") == []


def test_default_lr_is_clean():
    assert findings("import torch\nopt = torch.optim.Adam(model.parameters())\n", "NN504") == []


def test_a_local_class_named_adam_is_clean():
    source = """
        class Adam:
            def __init__(self, params, lr):
                self.lr = lr

        opt = Adam(params, lr=0.1)
    """
    assert findings(source, "NN504") == []


def test_name_reassigned_in_a_sweep_is_clean():
    source = """
        import torch

        lr = 0.1
        lr = lr / 100
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    """
    assert findings(source, "NN504") == []


def test_off_by_default_but_runs_when_selected():
    assert catalogue()["NN504"].default_enabled is False
    source = "import torch\nopt = torch.optim.Adam(p, lr=0.1)\n"
    diagnostics = lint_source("t.py", source, Selection(frozenset({"NN504"})))
    assert [d.code for d in diagnostics] == ["NN504"]


def test_small_policy_gradient_agent_at_1e_2_is_clean():
    # pytorch/examples' REINFORCE on CartPole: Adam at 1e-2 is the tuned setting for a tiny policy net.
    source = """
        import torch.optim as optim

        policy = Policy()
        optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    """
    assert findings(source, "NN504") == []


def test_parallelism_demo_stepping_on_random_tensors_is_clean():
    source = """
        import torch

        lr = 0.25
        optimizer = torch.optim.AdamW(tp_model.parameters(), lr=lr, foreach=True)
        for i in range(10):
            inp = torch.rand(20, 10)
            tp_model(inp).sum().backward()
            optimizer.step()
    """
    assert findings(source, "NN504") == []


def test_sgd_rate_copied_into_adam_in_a_forum_script_is_flagged():
    source = """
        import torch.nn as nn
        import torch.optim as optim

        model = Net()
        criterion = nn.CrossEntropyLoss()
        optimizer = optim.Adam(model.parameters(), lr=0.1)
        for epoch in range(10):
            for inputs, labels in trainloader:
                optimizer.zero_grad()
                loss = criterion(model(inputs), labels)
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN504") == [(7, 13)]


def test_learning_rate_behind_a_command_line_option_counts_by_its_default():
    source = """
        import argparse
        import torch

        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default={default})
        args = parser.parse_args()
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    """
    assert findings(source.format(default="0.1"), "NN504") == [(8, 13)]
    assert findings(source.format(default="3e-4"), "NN504") == []


def test_learning_rate_passed_to_an_optimizer_factory_by_every_call_site():
    source = """
        import torch

        def make_optimizer(model, lr=1e-3):
            return torch.optim.AdamW(model.parameters(), lr=lr)

        generator_opt = make_optimizer(generator, {first})
        critic_opt = make_optimizer(critic, {second})
    """
    assert findings(source.format(first="0.5", second="lr=0.5"), "NN504") == [(5, 12)]
    assert findings(source.format(first="0.5", second="lr=1e-4"), "NN504") == []  # call sites disagree


def test_parameter_left_at_its_default_by_a_call_site_reads_as_the_default():
    source = """
        import torch

        def make_optimizer(model, lr={default}):
            return torch.optim.Adam(model.parameters(), lr=lr)

        optimizer = make_optimizer(model)
    """
    assert findings(source.format(default="0.1"), "NN504") == [(5, 12)]
    assert findings(source.format(default="1e-3"), "NN504") == []
