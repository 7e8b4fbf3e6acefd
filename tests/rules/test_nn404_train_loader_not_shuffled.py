"""NN404: a training DataLoader without shuffle or a sampler; points at the DataLoader call."""

from tests.rules.helpers import findings, fixed, messages


def test_train_loader_without_shuffle_is_flagged_and_fixed():
    source = """
        from torch.utils.data import DataLoader

        train_dataset = datasets.ImageFolder(root, transform)
        train_loader = DataLoader(train_dataset, batch_size=64, num_workers=4)
    """
    assert findings(source, "NN404") == [(5, 16)]
    assert "`shuffle=True`" in messages(source, "NN404")[0]
    assert "DataLoader(train_dataset, batch_size=64, num_workers=4, shuffle=True)" in fixed(source, "NN404")


def test_explicit_shuffle_false_on_the_training_set():
    source = """
        import torch

        trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=False, num_workers=2)
    """
    assert findings(source, "NN404") == [(4, 15)]
    assert "shuffle=True, num_workers=2" in fixed(source, "NN404")


def test_torchvision_dataset_with_train_true_inline():
    source = """
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms

        loader = DataLoader(datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor()),
                            batch_size=128)
    """
    assert findings(source, "NN404") == [(5, 10)]


def test_lightning_train_dataloader_hook():
    source = """
        from torch.utils.data import DataLoader

        class DataModule:
            def train_dataloader(self):
                return DataLoader(self.ds, batch_size=self.batch_size, num_workers=8)

            def val_dataloader(self):
                return DataLoader(self.val_ds, batch_size=self.batch_size)
    """
    assert findings(source, "NN404") == [(6, 16)]


def test_self_attribute_and_split_keyword():
    source = """
        from torch.utils.data import DataLoader

        class Trainer:
            def setup(self):
                self.train_dl = DataLoader(load(split="train"), batch_size=32, drop_last=True)
    """
    assert findings(source, "NN404") == [(6, 25)]


def test_shuffle_true_and_shuffle_from_a_variable_are_clean():
    source = """
        from torch.utils.data import DataLoader

        train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
        train_loader2 = DataLoader(train_set, 64, True)
        train_loader3 = DataLoader(train_set, batch_size=64, shuffle=args.shuffle)
        train_loader4 = DataLoader(train_set, batch_size=64, shuffle=(train_sampler is None), sampler=train_sampler)
    """
    assert findings(source, "NN404") == []


def test_distributed_sampler_and_batch_sampler_are_clean():
    source = """
        from torch.utils.data import DataLoader
        from torch.utils.data.distributed import DistributedSampler

        train_loader = DataLoader(train_set, batch_size=64, sampler=DistributedSampler(train_set))
        train_loader2 = DataLoader(train_set, batch_sampler=GroupedBatchSampler(train_set, 64))
    """
    assert findings(source, "NN404") == []


def test_iterable_dataset_and_datapipes_are_clean():
    source = """
        from torch.utils.data import DataLoader, IterableDataset

        class TokenStream(IterableDataset):
            def __iter__(self):
                yield from read_shards()

        train_ds = TokenStream()
        train_loader = DataLoader(train_ds, batch_size=None)
        train_dataloader = DataLoader(train_iterator, batch_size=32, collate_fn=collate)
        train_hf = DataLoader(load_dataset("c4", split="train", streaming=True), batch_size=8)
    """
    assert findings(source, "NN404") == []


def test_eval_and_test_loaders_are_clean():
    source = """
        from torch.utils.data import DataLoader

        val_loader = DataLoader(val_set, batch_size=256)
        testloader = DataLoader(datasets.CIFAR10(root, train=False), batch_size=100, shuffle=False)
    """
    assert findings(source, "NN404") == []


def test_loader_of_unknown_split_and_kwargs_are_clean():
    source = """
        from torch.utils.data import DataLoader

        def make_loader(dataset, batch_size):
            return DataLoader(dataset, batch_size=batch_size)

        train_loader = DataLoader(train_set, **loader_kwargs)
    """
    assert findings(source, "NN404") == []
