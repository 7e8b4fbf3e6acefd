"""Data and optimizer set-up for fine-tuning an ImageNet ResNet on CIFAR-10, with the quiet bugs nnlint flags.

Static mode:  nnlint examples/data.py --select ALL
Sanity check (overfit one batch):  python examples/data.py
"""

import torch
import torch.nn.functional as F
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

# CIFAR-10's own statistics, but the backbone below was pretrained on ImageNet.
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def build_transforms():
    train_transform = transforms.Compose(
        [
            transforms.RandomResizedCrop(224),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(CIFAR_MEAN, CIFAR_STD),
        ]
    )
    val_transform = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.RandomCrop(224),  # copied from the train pipeline: every evaluation is a new draw
            transforms.ToTensor(),
            transforms.Normalize(CIFAR_MEAN, CIFAR_STD),
        ]
    )
    return train_transform, val_transform


def build_loaders(root="./data", batch_size=128):
    train_transform, val_transform = build_transforms()
    train_ds = torchvision.datasets.CIFAR10(root, train=True, download=True, transform=train_transform)
    val_ds = torchvision.datasets.CIFAR10(root, train=False, download=True, transform=val_transform)
    return (
        DataLoader(train_ds, batch_size=batch_size, shuffle=True, num_workers=4),
        DataLoader(val_ds, batch_size=batch_size, num_workers=4),
    )


def build_model(num_classes=10):
    model = torchvision.models.resnet18(weights=torchvision.models.ResNet18_Weights.IMAGENET1K_V1)
    model.fc = torch.nn.Linear(model.fc.in_features, num_classes)
    return model


def build_optimizer(model):
    # "fine-tuning is slow, so turn it up": Adam at SGD's 0.1 wrecks the pretrained features in a few steps
    return torch.optim.Adam(model.parameters(), lr=0.1, weight_decay=1e-4)


if __name__ == "__main__":
    # Overfit a single batch: the loss should reach ~0 if data, model and optimizer are wired correctly.
    train_loader, _ = build_loaders()
    model = build_model()
    optimizer = build_optimizer(model)
    images, labels = next(iter(train_loader))
    for step in range(200):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        if step % 20 == 0:
            print(f"step {step}: loss {loss.item():.4f}")
