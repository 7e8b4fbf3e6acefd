"""NN402: random augmentation in a validation/test pipeline makes every evaluation a different draw."""

from tests.rules.helpers import findings, messages


def test_random_crop_in_a_val_transform_is_flagged_at_the_random_step():
    source = """
        import torchvision.transforms as T

        train_transform = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])
        val_transform = T.Compose([T.RandomResizedCrop(224), T.ToTensor()])
    """
    assert findings(source, "NN402") == [(5, 28)]
    assert messages(source, "NN402") == [
        "`RandomResizedCrop` is random augmentation in a validation/test pipeline: metrics become noisy and "
        "pessimistic — evaluate with deterministic transforms (resize, center crop, normalize)"
    ]


def test_tutorial_style_dict_of_transforms_flags_only_the_val_entry():
    source = """
        from torchvision import transforms

        data_transforms = {
            "train": transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip()]),
            "val": transforms.Compose([transforms.Resize(256), transforms.ColorJitter(0.4, 0.4, 0.4)]),
        }
    """
    assert findings(source, "NN402") == [(6, 56)]


def test_test_set_built_with_the_shared_augmenting_transform():
    source = """
        import torchvision
        import torchvision.transforms as transforms

        transform = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.ToTensor()])
        trainset = torchvision.datasets.CIFAR10(root="./data", train=True, download=True, transform=transform)
        testset = torchvision.datasets.CIFAR10(root="./data", train=False, download=True, transform=transform)
    """
    assert findings(source, "NN402") == [(7, 11)]
    assert messages(source, "NN402") == [
        "this validation/test dataset uses `transform`, which applies random augmentation: metrics become noisy "
        "and pessimistic — give it a deterministic eval transform"
    ]


def test_lightning_datamodule_validation_set_built_with_the_train_transform():
    source = """
        import lightning as L
        from torchvision.datasets import ImageFolder

        class ImageData(L.LightningDataModule):
            def setup(self, stage):
                self.train_ds = ImageFolder(self.root / "train", transform=self.train_transform)
                self.val_ds = ImageFolder(self.root / "val", transform=self.train_transform)
    """
    assert findings(source, "NN402") == [(8, 23)]


def test_else_branch_of_an_is_train_switch_is_the_eval_pipeline():
    source = """
        import albumentations as A

        def build_transforms(is_train: bool):
            if is_train:
                return A.Compose([A.RandomResizedCrop(224, 224), A.HorizontalFlip(p=0.5)])
            return A.Compose([A.Resize(256, 256), A.CenterCrop(224, 224)])

        def get_valid_transforms():
            return A.Compose([A.Resize(224, 224), A.HorizontalFlip(), A.Normalize()])
    """
    assert findings(source, "NN402") == [(10, 43)]


def test_v2_random_transform_in_a_val_dataloader_method():
    source = """
        from torch.utils.data import DataLoader
        from torchvision.transforms import v2
        from torchvision.datasets import VOCSegmentation

        class Data:
            def val_dataloader(self):
                ds = VOCSegmentation(self.root, image_set="val", transforms=v2.Compose([v2.RandomPhotometricDistort()]))
                return DataLoader(ds, batch_size=8)
    """
    assert findings(source, "NN402") == [(8, 81)]


def test_timm_training_transform_used_for_validation():
    source = """
        from timm.data import create_transform

        val_transform = create_transform(224, is_training=True, auto_augment="rand-m9-mstd0.5")
    """
    assert findings(source, "NN402") == [(4, 17)]


def test_deterministic_eval_pipeline_is_clean():
    source = """
        import torchvision.transforms as T

        train_tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])
        val_tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])
    """
    assert findings(source, "NN402") == []


def test_fixed_flip_for_test_time_augmentation_is_clean():
    source = """
        import torchvision.transforms as T
        import albumentations as A

        test_flip = T.Compose([T.RandomHorizontalFlip(p=1.0), T.ToTensor()])
        val_flip = A.Compose([A.HorizontalFlip(p=1), A.Normalize()])
    """
    assert findings(source, "NN402") == []


def test_explicit_test_time_augmentation_is_clean():
    source = """
        import torchvision.transforms as T

        tta_transforms = T.Compose([T.RandomResizedCrop(224), T.ToTensor()])
        test_time_aug = T.RandomHorizontalFlip()
    """
    assert findings(source, "NN402") == []


def test_random_transform_in_the_train_branch_of_a_ternary_is_clean():
    source = """
        import torchvision.transforms as T
        from torchvision.datasets import CIFAR10

        def make_dataset(root, train):
            tf = T.Compose([T.RandomCrop(32, padding=4), T.ToTensor()]) if train else T.ToTensor()
            return CIFAR10(root, train=train, transform=tf)
    """
    assert findings(source, "NN402") == []


def test_train_dataset_with_augmentation_is_clean():
    source = """
        import torchvision
        from torchvision import transforms

        augment = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.ToTensor()])
        trainset = torchvision.datasets.CIFAR10(root="./data", train=True, transform=augment)
        val_split = torchvision.datasets.CIFAR10(root="./data", train=True, transform=augment)
        testset = torchvision.datasets.CIFAR10(root="./data", train=False, transform=transforms.ToTensor())
    """
    assert findings(source, "NN402") == []


def test_pytest_test_of_an_augmentation_is_clean():
    source = """
        import torchvision.transforms as T

        def test_random_crop_keeps_the_size():
            crop = T.RandomCrop(8)
            assert crop(image).shape[-1] == 8
    """
    assert findings(source, "NN402") == []


def test_a_local_class_named_like_a_random_transform_is_clean():
    source = """
        from .transforms import RandomCrop

        class RandomErasing:
            pass

        val_transform = [RandomCrop(32), RandomErasing()]
    """
    assert findings(source, "NN402") == []


def test_combined_train_val_name_says_neither():
    source = """
        import torchvision.transforms as T

        train_val_transform = T.Compose([T.RandomCrop(32), T.ToTensor()])
    """
    assert findings(source, "NN402") == []


def test_lightning_test_dataloader_hook_is_an_eval_pipeline():
    source = """
        import torchvision.transforms as T
        from torch.utils.data import DataLoader
        from torchvision.datasets import ImageFolder

        class Data:
            def test_dataloader(self):
                return DataLoader(ImageFolder(self.test_dir, transform=T.TrivialAugmentWide()), batch_size=64)
    """
    assert findings(source, "NN402") == [(8, 64)]


def test_robustness_evaluation_that_perturbs_on_purpose_is_clean():
    source = """
        import torchvision.transforms as T

        def eval_robustness(model, images):
            for perturbation in [T.RandomRotation(15), T.ColorJitter(0.5, 0.5)]:
                score(model, perturbation(images))
    """
    assert findings(source, "NN402") == []


def test_kornia_gpu_augmentation_for_the_validation_batches():
    source = """
        import kornia as K

        train_aug = K.augmentation.RandomHorizontalFlip()
        val_aug = K.augmentation.RandomAffine(degrees=10.0)
    """
    assert findings(source, "NN402") == [(5, 11)]


def test_contrastive_views_for_a_self_supervised_validation_loss_are_clean():
    source = """
        import torchvision.transforms as T
        from torchvision.datasets import STL10

        contrast_transforms = T.Compose([T.RandomResizedCrop(96), T.ColorJitter(0.5, 0.5, 0.5, 0.1)])
        val_views = ContrastiveTransformations(T.Compose([T.RandomResizedCrop(96)]), n_views=2)
        val_ds = STL10(root, split="test", transform=contrast_transforms)
    """
    assert findings(source, "NN402") == []


def test_nested_random_transforms_are_reported_once_at_the_outer_one():
    source = """
        from torchvision import transforms as T

        eval_tf = T.Compose([T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4)], p=0.8), T.ToTensor()])
        test_tf = T.Compose([T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4)], p=1.0), T.ToTensor()])
    """
    assert findings(source, "NN402") == [(4, 22), (5, 37)]


# Seen in the wild (gpleiss/efficient_densenet_pytorch#51): the validation loader samples the training set,
# which a caller built with the training augmentation and passed in.
DENSENET_SHAPE = """
    import torch
    from torchvision import datasets, transforms

    def train(model, train_set, test_set, valid_size=5000, batch_size=64):
        indices = torch.randperm(len(train_set))
        train_sampler = torch.utils.data.sampler.SubsetRandomSampler(indices[:-valid_size])
        valid_sampler = torch.utils.data.sampler.SubsetRandomSampler(indices[-valid_size:])
        train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, sampler=train_sampler)
        valid_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, sampler=valid_sampler)
        return train_loader, valid_loader

    def demo(data, model):
        train_transforms = transforms.Compose([{augmentation}transforms.ToTensor()])
        test_transforms = transforms.Compose([transforms.ToTensor()])
        train_set = datasets.CIFAR10(data, train=True, transform=train_transforms)
        test_set = datasets.CIFAR10(data, train=False, transform=test_transforms)
        train(model=model, train_set=train_set, test_set=test_set)
"""


def test_validation_loader_drawn_from_the_augmented_training_set_passed_in_by_the_caller():
    source = DENSENET_SHAPE.format(augmentation="transforms.RandomCrop(32, padding=4), ")
    assert findings(source, "NN402") == [(10, 20)]
    assert messages(source, "NN402") == [
        "this validation/test loader draws from `train_set`, which the training pipeline built with the augmenting "
        "transform `train_transforms`: metrics become noisy and pessimistic — give the validation data its own "
        "dataset with a deterministic eval transform"
    ]


def test_validation_loader_over_a_training_set_without_augmentation_is_clean():
    assert findings(DENSENET_SHAPE.format(augmentation=""), "NN402") == []


def test_validation_part_of_a_random_split_keeps_the_augmenting_transform():
    source = """
        from torch.utils.data import DataLoader, random_split
        from torchvision import datasets, transforms as T

        train_tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor()])
        full = datasets.ImageFolder("data/train", transform=train_tf)
        train_ds, val_ds = random_split(full, [0.9, 0.1])
        train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
        val_loader = DataLoader(val_ds, batch_size=32)
    """
    assert findings(source, "NN402") == [(9, 14)]


def test_validation_split_of_a_dataset_built_with_eval_transforms_is_clean():
    source = """
        from torch.utils.data import DataLoader, Subset
        from torchvision import datasets, transforms as T

        eval_tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor()])
        train_tf = T.Compose([T.RandomResizedCrop(224), T.ToTensor()])
        train_ds = Subset(datasets.ImageFolder("data", transform=train_tf), train_idx)
        val_ds = Subset(datasets.ImageFolder("data", transform=eval_tf), val_idx)
        train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
        val_loader = DataLoader(val_ds, batch_size=32)
    """
    assert findings(source, "NN402") == []


def test_loader_that_measures_training_accuracy_on_the_training_set_is_not_a_validation_loader():
    source = """
        from torch.utils.data import DataLoader
        from torchvision import datasets, transforms as T

        train_set = datasets.CIFAR10("data", train=True, transform=T.Compose([T.RandomCrop(32, 4), T.ToTensor()]))
        train_loader = DataLoader(train_set, batch_size=128, shuffle=True)
        train_eval_loader = DataLoader(train_set, batch_size=512)
    """
    assert findings(source, "NN402") == []
