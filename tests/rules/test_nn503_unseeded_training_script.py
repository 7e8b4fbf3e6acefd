"""NN503: a training script that never seeds torch cannot reproduce a single run."""

from tests.rules.helpers import findings, messages


def test_script_with_a_main_guard_is_flagged_at_the_guard():
    source = """
        import torch
        import torch.nn.functional as F

        def main():
            model = torch.nn.Linear(10, 2)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(10):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = F.cross_entropy(model(x), y)
                    loss.backward()
                    optimizer.step()

        if __name__ == "__main__":
            main()
    """
    assert findings(source, "NN503") == [(15, 4)]
    assert messages(source, "NN503") == [
        "this training script never seeds torch, so weight init, shuffling and dropout differ on every run "
        "— call `torch.manual_seed(seed)` (or `lightning.seed_everything(seed)`) before building the model"
    ]


def test_notebook_style_loop_at_module_level_is_flagged_at_the_epoch_loop():
    source = """
        import torch
        from torch.nn import functional

        model = torch.nn.Linear(10, 2)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
        for epoch in range(5):
            for x, y in loader:
                optimizer.zero_grad()
                functional.cross_entropy(model(x), y).backward()
                optimizer.step()
    """
    assert findings(source, "NN503") == [(7, 1)]


def test_amp_loop_with_gradient_accumulation_called_from_an_unguarded_main():
    source = """
        import torch

        def train(model, loader, optimizer, accum=4):
            scaler = torch.cuda.amp.GradScaler()
            for i, (x, y) in enumerate(loader):
                with torch.autocast("cuda"):
                    loss = model(x, y) / accum
                scaler.scale(loss).backward()
                if (i + 1) % accum == 0:
                    scaler.step(optimizer)
                    scaler.update()
                    optimizer.zero_grad()

        train(build_model(), build_loader(), build_optimizer())
    """
    assert findings(source, "NN503") == [(6, 5)]


def test_seeding_python_and_numpy_only_is_still_flagged():
    source = """
        import random
        import numpy as np
        import torch

        def set_seed(seed):
            random.seed(seed)
            np.random.seed(seed)

        def main():
            set_seed(0)
            generator = torch.Generator().manual_seed(0)
            model = torch.nn.Linear(10, 2)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()

        if __name__ == "__main__":
            main()
    """
    assert findings(source, "NN503") == [(21, 4)]


def test_while_loop_over_steps_with_a_helper_step_function():
    source = """
        import torch

        def step(batch):
            loss = model(batch).mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

        def main():
            global model, optimizer
            model = Net()
            optimizer = torch.optim.AdamW(model.parameters())
            it = 0
            while it < 1000:
                step(next(batches))
                it += 1

        if __name__ == '__main__':
            main()
    """
    assert findings(source, "NN503") == [(19, 4)]


def test_torch_manual_seed_keeps_the_script_clean():
    source = """
        import torch

        def main():
            torch.manual_seed(0)
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()

        if __name__ == "__main__":
            main()
    """
    assert findings(source, "NN503") == []


def test_lightning_seed_everything_is_clean():
    source = """
        import lightning as L

        L.seed_everything(42)
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
    """
    assert findings(source, "NN503") == []


def test_local_set_seed_that_seeds_torch_is_clean():
    source = """
        import random
        import numpy as np
        import torch

        def seed_everything(seed):
            random.seed(seed)
            np.random.seed(seed)
            torch.manual_seed(seed)
            torch.cuda.manual_seed_all(seed)

        if __name__ == "__main__":
            seed_everything(1)
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
    """
    assert findings(source, "NN503") == []


def test_imported_seed_helper_is_trusted():
    source = """
        from utils import set_seed

        def main(args):
            set_seed(args.seed)
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()

        if __name__ == "__main__":
            main(parse_args())
    """
    assert findings(source, "NN503") == []


def test_library_module_with_a_train_one_epoch_function_is_clean():
    source = """
        def train_one_epoch(model, loader, optimizer, criterion):
            model.train()
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
    """
    assert findings(source, "NN503") == []


def test_lightning_training_step_without_a_loop_is_clean():
    source = """
        import lightning as L

        class Model(L.LightningModule):
            def training_step(self, batch, batch_idx):
                x, y = batch
                return self.criterion(self(x), y)

        if __name__ == "__main__":
            L.Trainer(max_epochs=3).fit(Model())
    """
    assert findings(source, "NN503") == []


def test_evaluation_script_without_a_step_is_clean():
    source = """
        import torch

        @torch.no_grad()
        def evaluate(model, loader):
            model.eval()
            for x, y in loader:
                correct += (model(x).argmax(1) == y).sum().item()

        if __name__ == "__main__":
            evaluate(load_model(), loader)
    """
    assert findings(source, "NN503") == []


def test_tutorial_script_that_assigns_the_trained_model_at_top_level():
    source = """
        import torch
        from torchvision import models

        def train_model(model, criterion, optimizer, num_epochs=25):
            for epoch in range(num_epochs):
                for phase in ["train", "val"]:
                    for inputs, labels in dataloaders[phase]:
                        optimizer.zero_grad()
                        with torch.set_grad_enabled(phase == "train"):
                            loss = criterion(model(inputs), labels)
                            if phase == "train":
                                loss.backward()
                                optimizer.step()
            return model

        model_ft = models.resnet18(weights="IMAGENET1K_V1")
        model_ft = train_model(model_ft, criterion, optimizer_ft, num_epochs=25)
    """
    assert findings(source, "NN503") == [(6, 5)]


def test_library_module_with_a_top_level_call_that_does_not_train_is_clean():
    source = """
        def default_config():
            return {"lr": 3e-4}

        DEFAULTS = default_config()

        def train_one_epoch(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                model(x, y).backward()
                optimizer.step()
    """
    assert findings(source, "NN503") == []


def test_framework_setup_that_seeds_is_trusted():
    source = """
        from detectron2.engine import default_setup, launch

        def main(args):
            cfg = setup_cfg(args)
            default_setup(cfg, args)
            for data, iteration in zip(data_loader, range(start_iter, max_iter)):
                losses = sum(model(data).values())
                optimizer.zero_grad()
                losses.backward()
                optimizer.step()

        if __name__ == "__main__":
            launch(main, num_gpus, args=(args,))
    """
    assert findings(source, "NN503") == []


def test_fragment_that_builds_no_model_and_no_optimizer_is_clean():
    # What people paste when asking why their model does not learn: the loop alone.
    source = """
        for epoch in range(10):
            for x, y in train_loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
    """
    assert findings(source, "NN503") == []


def test_demo_that_trains_on_random_tensors_is_clean():
    source = """
        import torch

        model = torch.nn.Linear(10, 10)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        for i in range(10):
            inp = torch.rand(20, 10)
            model(inp).sum().backward()
            optimizer.step()
            optimizer.zero_grad()
    """
    assert findings(source, "NN503") == []


def test_script_on_a_loader_that_also_draws_noise_is_flagged():
    # A GAN draws its latent noise with torch.randn, but its data comes from a loader: a real training script.
    source = """
        import torch

        generator, discriminator = Generator(), Discriminator()
        opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4)
        for epoch in range(200):
            for real, _ in dataloader:
                z = torch.randn(real.size(0), 100)
                loss = -discriminator(generator(z)).mean()
                opt_g.zero_grad()
                loss.backward()
                opt_g.step()
    """
    assert findings(source, "NN503") == [(6, 1)]


def test_style_transfer_that_optimises_an_image_is_clean():
    # The optimizer updates the generated image, started from the content image; the network is pretrained.
    source = """
        import torch
        import torchvision

        def main():
            vgg = torchvision.models.vgg19(weights="DEFAULT").features.eval()
            target = content.clone().requires_grad_(True)
            optimizer = torch.optim.Adam([target], lr=0.003)
            for step in range(2000):
                loss = style_loss(vgg, target, style) + content_loss(vgg, target, content)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        if __name__ == "__main__":
            main()
    """
    assert findings(source, "NN503") == []


def test_noise_drawn_once_outside_the_loop_does_not_make_a_random_demo():
    # Forward-forward on MNIST: negatives get random labels once, the data is real.
    source = """
        import torch

        def main():
            model = Net([784, 500, 500])
            optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
            x_pos, y = next(iter(train_loader))
            y_neg = torch.randint(0, 10, y.shape)
            for i in range(1000):
                loss = model.goodness(x_pos, y, y_neg)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        if __name__ == "__main__":
            main()
    """
    assert findings(source, "NN503") == [(15, 4)]
