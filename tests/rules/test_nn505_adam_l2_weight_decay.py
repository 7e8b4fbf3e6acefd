"""NN505: Adam with weight_decay > 0 (L2 through the adaptive step); unsafe fix to AdamW."""

from tests.rules.helpers import findings, fixed, messages


def test_adam_with_weight_decay_keyword_is_flagged_and_fixed_to_adamw():
    source = """
        import torch

        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    """
    assert findings(source, "NN505") == [(4, 13)]
    assert "`AdamW`" in messages(source, "NN505")[0]
    assert "torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)" in fixed(source, "NN505")


def test_optim_alias_with_positional_weight_decay():
    source = """
        import torch.optim as optim

        opt = optim.Adam(net.parameters(), 3e-4, (0.9, 0.999), 1e-8, 5e-4)
    """
    assert findings(source, "NN505") == [(4, 7)]


def test_imported_class_and_a_module_constant():
    source = """
        from torch.optim import Adam

        WEIGHT_DECAY = 0.01

        def configure_optimizers(self):
            return Adam(self.parameters(), lr=2e-4, weight_decay=WEIGHT_DECAY)
    """
    assert findings(source, "NN505") == [(7, 12)]
    assert "Adam(self.parameters()" in fixed(source, "NN505")  # a bare name: AdamW may not be imported


def test_gan_optimizers_in_a_trainer_class():
    source = """
        import torch

        class Trainer:
            def __init__(self, G, D):
                self.opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-5)
                self.opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    """
    assert findings(source, "NN505") == [(6, 22)]


def test_submodule_path_and_decoupled_false():
    source = """
        import torch.optim.adam

        opt = torch.optim.adam.Adam(params, lr=1e-3, weight_decay=1e-2, decoupled_weight_decay=False)
    """
    assert findings(source, "NN505") == [(4, 7)]


def test_adamw_is_clean():
    source = """
        import torch

        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    """
    assert findings(source, "NN505") == []


def test_zero_or_absent_weight_decay_is_clean():
    source = """
        import torch

        a = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)
        b = torch.optim.Adam(model.parameters(), lr=1e-3)
        c = torch.optim.Adam(model.parameters(), 1e-3, (0.9, 0.999), 1e-8, 0.0)
    """
    assert findings(source, "NN505") == []


def test_decoupled_weight_decay_flag_is_clean():
    source = """
        import torch

        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.01, decoupled_weight_decay=True)
    """
    assert findings(source, "NN505") == []


def test_weight_decay_from_a_config_is_clean():
    source = """
        import torch

        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    """
    assert findings(source, "NN505") == []


def test_sgd_with_weight_decay_is_clean():
    source = """
        import torch

        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    """
    assert findings(source, "NN505") == []


def test_off_by_default(nnlint, tmp_path):
    script = tmp_path / "opt.py"
    script.write_text("import torch\nopt = torch.optim.Adam(p, lr=1e-3, weight_decay=1e-4)\n")
    assert nnlint(str(script), "--no-cache").code == 0
    assert nnlint(str(script), "--no-cache", "--extend-select", "NN505").code == 1


# Seen in the wild: the BERT fine-tuning recipe's parameter groups (decay for weights, none for biases and
# LayerNorm) were written for AdamW and handed to `torch.optim.Adam`.
def test_parameter_groups_with_weight_decay_handed_to_adam():
    source = """
        import torch

        no_decay = ["bias", "LayerNorm.weight"]
        grouped = [
            {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
            {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.Adam(grouped, lr=2e-5)
        inline = torch.optim.Adam([{"params": head.parameters(), "weight_decay": 1e-4}], lr=1e-3)
    """
    assert findings(source, "NN505") == [(9, 13), (10, 10)]


def test_parameter_groups_without_decay_or_for_adamw_are_clean():
    source = """
        import torch

        grouped = [{"params": backbone.parameters(), "lr": 1e-5}, {"params": head.parameters(), "weight_decay": 0.0}]
        optimizer = torch.optim.Adam(grouped, lr=1e-3)
        decoupled = [{"params": model.parameters(), "weight_decay": 0.01}]
        adamw = torch.optim.AdamW(decoupled, lr=1e-3)
        torch_25 = torch.optim.Adam(decoupled, lr=1e-3, decoupled_weight_decay=True)
        from_config = torch.optim.Adam([{"params": model.parameters(), "weight_decay": cfg.wd}], lr=1e-3)
    """
    assert findings(source, "NN505") == []
