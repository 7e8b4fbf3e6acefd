"""A small detection-style training script with the silent bugs nnlint exists to catch.

Runs on CPU in seconds with synthetic data:  python examples/train.py --epochs 2
Static mode:  nnlint examples/          Runtime mode:  nnlint run examples/train.py -- --epochs 1
"""

import argparse
import random

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset


class SyntheticShapes(Dataset):
    """Images with one bright square; the target is its class and its box (x1, y1, x2, y2)."""

    def __init__(self, size=256, image_size=32, n_classes=4, augment=True):
        generator = torch.Generator().manual_seed(0)
        self.images = torch.rand(size, 3, image_size, image_size, generator=generator)
        self.labels = torch.randint(0, n_classes, (size,), generator=generator)
        corners = torch.randint(0, image_size // 2, (size, 2), generator=generator)
        self.boxes = torch.cat([corners, corners + image_size // 2], dim=1).float()
        self.augment = augment

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image, boxes = self.images[index], self.boxes[index].clone()
        if self.augment and random.random() < 0.5:
            image = torch.flip(image, dims=[-1])  # the box is not flipped with it
        return image, {"boxes": boxes, "labels": self.labels[index]}


class SquareClassifier(nn.Module):
    def __init__(self, n_classes=4, width=16):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.norm = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, num_heads=2)  # sequence-first: (tokens, batch, width)
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        feats = F.max_pool2d(F.relu(self.conv(x)), 4)
        b, c, h, w = feats.shape
        feats = self.norm(feats.view(b, h, w, c))  # meant channels-last: this scrambles channels
        seq = feats.reshape(b, h * w, c).transpose(0, 1)
        out, _ = self.attn(seq, seq, seq)
        pooled = out.reshape(b, h * w, c).mean(1)  # (tokens, batch, width) read as (batch, ...): mixes samples
        return self.head(pooled)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-4)
    args = parser.parse_args()

    loader = DataLoader(SyntheticShapes(), batch_size=32, shuffle=True)
    model = SquareClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(args.epochs):
        for images, targets in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), targets["labels"])
            loss = torch.clamp(loss, max=5.0)  # "stabilises" training by ignoring hard examples
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"epoch {epoch}: loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
