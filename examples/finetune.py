"""Fine-tune an ImageNet ResNet-18 on an image folder: linear probe, full fine-tune with AMP, calibration.

The training-loop bugs nnlint's NN3xx, NN502 and NN6xx rules catch, each one a line that looks fine:

    nnlint examples/finetune.py

Expects `root/train`, `root/val` and `root/test` folders of class subfolders (torchvision ImageFolder).
"""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.cuda.amp import GradScaler, autocast
from torch.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def build_loaders(root, batch_size):
    train_tf = transforms.Compose(
        [
            transforms.RandomResizedCrop(224),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
    eval_tf = transforms.Compose(
        [
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
    train_set = datasets.ImageFolder(f"{root}/train", transform=train_tf)
    val_set = datasets.ImageFolder(f"{root}/val", transform=eval_tf)
    test_set = datasets.ImageFolder(f"{root}/test", transform=eval_tf)
    return (
        DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=4),
        DataLoader(val_set, batch_size=batch_size, num_workers=4),
        DataLoader(test_set, batch_size=batch_size, num_workers=4),
    )


def linear_probe(model, train_loader, epochs):
    """Warm up the new head with the backbone frozen, so fine-tuning does not start from random logits."""
    for name, param in model.named_parameters():
        param.requires_grad = name.startswith("fc.")
    head_optimizer = torch.optim.SGD(model.fc.parameters(), lr=0.01, momentum=0.9)
    head_scheduler = ExponentialLR(head_optimizer, gamma=0.9)
    for epoch in range(epochs):
        head_scheduler.step()  # NN304: before this epoch's optimizer steps
        for images, labels in train_loader:
            loss = F.cross_entropy(model(images), labels)
            loss.backward()  # NN301: gradients are never zeroed
            head_optimizer.step()
            nn.utils.clip_grad_norm_(model.fc.parameters(), 1.0)  # NN302: after the step used them
    for param in model.parameters():
        param.requires_grad = True


def evaluate(model, val_loader):
    model.eval()  # NN602: finetune() never switches back to train mode
    correct = total = 0
    for images, labels in val_loader:  # NN603: autograd records every batch
        preds = model(images).argmax(1)
        correct += (preds == labels).sum().item()
        total += labels.numel()
    return correct / total


def finetune(model, train_loader, val_loader, args):
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    scheduler = CosineAnnealingLR(optimizer, T_max=args.epochs)
    scaler = GradScaler()
    model.train()
    for epoch in range(args.epochs):
        running_loss = 0.0
        for images, labels in train_loader:
            with autocast():
                loss = F.cross_entropy(model(images), labels, label_smoothing=0.1)
            scaler.scale(loss).backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)  # NN303: grads still scaled
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            scheduler.step()  # NN502: T_max is in epochs
            running_loss += loss  # NN306: keeps every batch's graph
        accuracy = evaluate(model, val_loader)
        print(f"epoch {epoch}: loss {running_loss / len(train_loader):.3f}  val acc {accuracy:.3f}")


@torch.no_grad()
def collect_logits(model, loader):
    model.eval()
    logits, labels = [], []
    for images, targets in loader:
        logits.append(model(images))
        labels.append(targets)
    return torch.cat(logits), torch.cat(labels)


def fit_temperature(model, val_loader, steps=100):
    """Temperature scaling (Guo et al., 2017): one scalar fitted on held-out logits."""
    logits, labels = collect_logits(model, val_loader)
    temperature = nn.Parameter(torch.ones(1))
    optimizer = torch.optim.Adam([temperature], lr=5e-3)
    for _ in range(steps):
        loss = F.cross_entropy(logits / temperature, labels)
        loss.backward()
        optimizer.zero_grad()  # NN305: wipes the gradient the step needs
        optimizer.step()
    return temperature.detach()


@torch.no_grad()
def predict_test_set(model, test_loader, temperature):
    """Calibrated test-set probabilities; scripts/submit.py imports this after loading a checkpoint."""
    probabilities = []
    for images, _ in test_loader:  # NN601: dropout and BatchNorm still in training mode
        probabilities.append(F.softmax(model(images) / temperature, dim=1))
    return torch.cat(probabilities)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--probe-epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    args = parser.parse_args()

    torch.manual_seed(0)
    train_loader, val_loader, test_loader = build_loaders(args.root, args.batch_size)
    model = models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1)
    model.fc = nn.Linear(model.fc.in_features, len(train_loader.dataset.classes))
    linear_probe(model, train_loader, args.probe_epochs)
    finetune(model, train_loader, val_loader, args)
    temperature = fit_temperature(model, val_loader)
    torch.save({"model": model.state_dict(), "temperature": temperature}, "finetuned.pt")


if __name__ == "__main__":
    main()
