"""NN301: a training loop that steps but never zeroes gradients; points at the loop's `backward()`."""

from tests.rules.helpers import findings, messages


def test_plain_loop_without_zero_grad_is_flagged_at_backward():
    source = """
        import torch

        def train(model, loader, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(epochs):
                for x, y in loader:
                    loss = torch.nn.functional.cross_entropy(model(x), y)
                    loss.backward()
                    optimizer.step()
    """
    assert findings(source, "NN301") == [(9, 13)]
    assert "zero_grad()" in messages(source, "NN301")[0]


def test_zero_grad_once_before_the_batch_loop_is_not_enough():
    source = """
        import torch.nn.functional as F

        def train(model, loader, optimizer):
            optimizer.zero_grad()
            for x, y in loader:
                F.mse_loss(model(x), y).backward()
                optimizer.step()
    """
    assert findings(source, "NN301") == [(7, 9)]


def test_module_level_amp_loop_without_zero_grad():
    source = """
        import torch
        from torch.cuda.amp import GradScaler, autocast

        scaler = GradScaler()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
        for images, labels in train_loader:
            with autocast():
                loss = criterion(model(images), labels)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
    """
    assert findings(source, "NN301") == [(10, 5)]


def test_loop_body_in_a_helper_method_of_the_same_class():
    source = """
        import torch

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.optimizer = torch.optim.Adam(model.parameters())
                self.criterion = torch.nn.CrossEntropyLoss()

            def step(self, batch):
                loss = self.criterion(self.model(batch["x"]), batch["y"])
                loss.backward()
                self.optimizer.step()

            def fit(self, loader):
                for batch in loader:
                    self.step(batch)
    """
    assert findings(source, "NN301") == [(12, 9)]


def test_while_loop_with_accelerate_style_backward():
    source = """
        def train(model, batches, optimizer, accelerator):
            step = 0
            while step < 1000:
                loss = model(next(batches)).loss
                accelerator.backward(loss)
                optimizer.step()
                step += 1
    """
    assert findings(source, "NN301") == [(6, 9)]


def test_zero_grad_in_any_spelling_is_clean():
    spellings = [
        "optimizer.zero_grad()",
        "model.zero_grad()",
        "optimizer.zero_grad(set_to_none=True)",
        "for p in model.parameters():\n                    p.grad = None",
    ]
    for spelling in spellings:
        source = f"""
            def train(model, loader, optimizer, criterion):
                for x, y in loader:
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    {spelling}
        """
        assert findings(source, "NN301") == [], spelling


def test_gradient_accumulation_zeroing_inside_the_if_is_clean():
    source = """
        def train(model, loader, optimizer, criterion, accumulation_steps=4):
            optimizer.zero_grad()
            for i, (x, y) in enumerate(loader):
                loss = criterion(model(x), y) / accumulation_steps
                loss.backward()
                if (i + 1) % accumulation_steps == 0:
                    optimizer.step()
                    optimizer.zero_grad()
    """
    assert findings(source, "NN301") == []


def test_accumulation_over_micro_batches_in_an_inner_loop_is_clean():
    source = """
        def train(model, loader, optimizer, criterion):
            for batch in loader:
                optimizer.zero_grad()
                for micro in batch.split(8):
                    criterion(model(micro.x), micro.y).backward()
                optimizer.step()
    """
    assert findings(source, "NN301") == []


def test_zeroing_in_a_helper_function_is_clean():
    source = """
        def reset(optimizer):
            optimizer.zero_grad(set_to_none=True)

        def train(model, loader, optimizer):
            for x, y in loader:
                model(x, y).backward()
                optimizer.step()
                reset(optimizer)
    """
    assert findings(source, "NN301") == []


def test_step_of_something_that_is_not_an_optimizer_is_clean():
    source = """
        def rollout(policy, env, engine):
            obs = env.reset()
            for t in range(100):
                loss = policy.loss(obs)
                engine.backward(loss)
                engine.step()  # DeepSpeed's engine zeroes its own gradients
                obs, reward, done, info = env.step(policy.act(obs))
    """
    assert findings(source, "NN301") == []


def test_lightning_manual_optimization_without_a_loop_is_clean():
    source = """
        import pytorch_lightning as pl

        class GAN(pl.LightningModule):
            def training_step(self, batch, batch_idx):
                opt = self.optimizers()
                loss = self.compute_loss(batch)
                self.manual_backward(loss)
                opt.step()
                opt.zero_grad()
    """
    assert findings(source, "NN301") == []


def test_optimizer_built_anew_each_iteration_is_a_one_off_check():
    source = """
        import torch

        def compare(model_a, model_b, x, iterations=10):
            for i in range(iterations):
                model_a(x).sum().backward()
                model_b(x).sum().backward()
                optimizer = torch.optim.SGD(model_a.parameters(), lr=0.01)
                optimizer.step()
    """
    assert findings(source, "NN301") == []


def test_gan_whose_discriminator_optimizer_is_never_zeroed():
    source = """
        for imgs, _ in dataloader:
            optimizer_G.zero_grad()
            g_loss = adversarial_loss(discriminator(generator(z)), valid)
            g_loss.backward()
            optimizer_G.step()

            d_loss = adversarial_loss(discriminator(imgs), valid)
            d_loss.backward()
            optimizer_D.step()
    """
    assert findings(source, "NN301") == [(10, 5)]
    assert messages(source, "NN301")[0].startswith(
        "`optimizer_D.step()` applies gradients that are never zeroed in this loop (only `optimizer_G` are)"
    )


def test_gan_zeroing_both_optimizers_is_clean():
    source = """
        for imgs, _ in dataloader:
            optimizer_G.zero_grad()
            g_loss = adversarial_loss(discriminator(generator(z)), valid)
            g_loss.backward()
            optimizer_G.step()

            optimizer_D.zero_grad()
            d_loss = adversarial_loss(discriminator(imgs), valid)
            d_loss.backward()
            optimizer_D.step()
    """
    assert findings(source, "NN301") == []


def test_gan_zeroing_through_the_models_is_not_second_guessed():
    source = """
        for imgs, _ in dataloader:
            netG.zero_grad()
            errG = criterion(netD(netG(z)), label)
            errG.backward()
            optimizerG.step()

            netD.zero_grad()
            errD = criterion(netD(imgs), label)
            errD.backward()
            optimizerD.step()
    """
    assert findings(source, "NN301") == []


def test_optimizers_zeroed_in_a_loop_over_them_are_not_second_guessed():
    source = """
        for x in loader:
            for opt in (opt_a, opt_b):
                opt.zero_grad()
            loss = model(x)
            loss.backward()
            opt_a.step()
            opt_b.step()
    """
    assert findings(source, "NN301") == []


def test_gan_step_method_zeroing_the_generator_but_not_the_discriminator():
    source = """
        class GAN:
            def step(self, real, noise):
                err_real = self.criterion(self.discriminator(real), ones)
                err_real.backward()
                fake = self.generator(noise)
                err_fake = self.criterion(self.discriminator(fake.detach()), zeros)
                err_fake.backward()
                self.discriminator.optimizer.step()

                self.generator.zero_grad()
                err_g = self.criterion(self.discriminator(fake), ones)
                err_g.backward()
                self.generator.optimizer.step()
    """
    assert findings(source, "NN301") == [(9, 9)]


def test_gan_step_method_zeroing_both_models_is_clean():
    source = """
        class GAN:
            def step(self, real, noise):
                self.discriminator.zero_grad()
                err_real = self.criterion(self.discriminator(real), ones)
                err_real.backward()
                self.discriminator.optimizer.step()

                self.generator.zero_grad()
                err_g = self.criterion(self.discriminator(self.generator(noise)), ones)
                err_g.backward()
                self.generator.optimizer.step()
    """
    assert findings(source, "NN301") == []


def test_distributed_autograd_context_has_nothing_to_zero():
    # RPC training: each iteration's gradients live in its own `dist_autograd.context()`, and
    # `DistributedOptimizer.step(context_id)` reads them from there.
    source = """
        import torch.distributed.autograd as dist_autograd
        from torch.distributed.optim import DistributedOptimizer

        def run_trainer(model, data, opt):
            for epoch in range(10):
                for x, y in data:
                    with dist_autograd.context() as context_id:
                        loss = model(x).sum()
                        dist_autograd.backward(context_id, [loss])
                        opt.step(context_id)
    """
    assert findings(source, "NN301") == []


def test_local_backward_next_to_a_distributed_one_is_still_flagged():
    source = """
        import torch.distributed.autograd as dist_autograd

        def run_trainer(model, data, opt, aux_model, aux_opt):
            for x, y in data:
                with dist_autograd.context() as context_id:
                    dist_autograd.backward(context_id, [model(x).sum()])
                    opt.step(context_id)
                aux_model(x).sum().backward()
                aux_opt.step()
    """
    assert findings(source, "NN301") == [(9, 9)]
