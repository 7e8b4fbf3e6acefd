"""Hypothesis strategies for training-loop programs built from the rules' own vocabulary.

Each program is assembled from fragments that real training code uses: layers built in `nn.Sequential`
(conv with or without bias before BatchNorm, Dropout between convs, a ReLU head), a `forward` that views,
reshapes, permutes or flattens, losses fed softmax or sigmoid outputs or clamped, a loop with or without
zero_grad, clipping, AMP and a scheduler stepped in different places, random flips with boxes, and a main
guard with or without a seed. Many combinations are buggy on purpose: they carry the rules' fixes.
"""

from __future__ import annotations

from hypothesis import strategies as st

LAYERS = [
    "nn.Conv2d(c, c, 3, padding=1)",
    "nn.Conv2d(c, c, 3, padding=1, bias=False)",
    "nn.BatchNorm2d(c)",
    "nn.ReLU(inplace=True)",
    "nn.Dropout(0.2)",
    "nn.Dropout2d(0.1)",
    "nn.Softmax()",
]

RESHAPES = [
    "b, ch, h, w = x.shape\n        x = x.view(b, h, w, ch)",
    "b, ch, h, w = x.shape\n        x = x.reshape(b, w, h, ch)",
    "x = x.view(x.size(1), x.size(0), -1)",
    "x = x.permute(0, 2, 3, 1)",
    "x = x.flatten(1)",
    "x = x.view(-1)",
    "x = torch.flatten(x)",
    "x = x.view(x.size(0), -1)",
]

OUTPUTS = [
    "return F.log_softmax(x)",
    "return F.softmax(x, dim=1)",
    "return x.sum(dim=0)",
    "return self.head(x)",
    "return torch.softmax(x, 0)",
]

LOSSES = [
    "loss = F.cross_entropy(F.softmax(logits, dim=1), y)",
    "probs = F.softmax(logits, dim=-1)\n            loss = F.cross_entropy(probs, y)",
    "loss = F.binary_cross_entropy(torch.sigmoid(logits), y)",
    "loss = nn.BCEWithLogitsLoss()(torch.sigmoid(logits), y)",
    "loss = torch.clamp(F.cross_entropy(logits, y), max=5.0)",
    "loss = F.nll_loss(logits, y)",
    "loss = criterion(logits, y)",
]

STEPS = [
    ["optimizer.zero_grad()", "loss.backward()", "optimizer.step()"],
    ["loss.backward()", "optimizer.step()"],
    ["loss.backward()", "optimizer.zero_grad()", "optimizer.step()"],
    ["torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)", "loss.backward()", "optimizer.step()",
     "optimizer.zero_grad()"],
    ["scaler.scale(loss).backward()", "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)",
     "scaler.step(optimizer)", "scaler.update()", "optimizer.zero_grad()"],
    ["loss.backward()", "if (i + 1) % 4 == 0:\n                optimizer.step()\n                optimizer.zero_grad()"],
]

SCHEDULER_SPOTS = ["none", "before_loop", "per_batch", "per_epoch"]
SCHEDULERS = ["StepLR(optimizer, step_size=30, gamma=0.1)", "MultiStepLR(optimizer, milestones=[30, 60, 90])",
              "CosineAnnealingLR(optimizer, T_max=epochs)"]

FLIPS = [
    "",
    "        if random.random() < 0.5:\n            image = TF.hflip(image)\n",
    "        if random.random() < 0.5:\n            image = torch.flip(image, dims=[-1])\n            boxes = flip_boxes(boxes)\n",
    "        image = image[..., ::-1]\n",
]

TRANSFORMS = ["T.Compose([T.RandomResizedCrop(224), T.ToTensor()])", "T.Compose([T.Resize(256), T.ToTensor()])",
              "T.Compose([T.RandomHorizontalFlip(), T.ToTensor()])"]


EVALUATIONS = [
    "    for x, y in val_loader:\n        model(x)\n",
    "    model.eval()\n    for x, y in val_loader:\n        model(x)\n",
    "    model.eval()\n    with torch.no_grad():\n        for x, y in val_loader:\n            model(x)\n",
]


@st.composite
def training_programs(draw) -> str:
    layers = draw(st.lists(st.sampled_from(LAYERS), min_size=1, max_size=6))
    reshape = draw(st.sampled_from(RESHAPES))
    output = draw(st.sampled_from(OUTPUTS))
    loss = draw(st.sampled_from(LOSSES))
    steps = draw(st.sampled_from(STEPS))
    accumulate = draw(st.sampled_from(["", "losses.append(loss)", "total += loss", "total += loss.item()"]))
    spot = draw(st.sampled_from(SCHEDULER_SPOTS))
    scheduler = draw(st.sampled_from(SCHEDULERS))
    flip = draw(st.sampled_from(FLIPS))
    transform = draw(st.sampled_from(TRANSFORMS))
    lr = draw(st.sampled_from(["3e-4", "0.1", "1e-2", "lr"]))
    seeded = draw(st.booleans())
    evaluate = draw(st.sampled_from(EVALUATIONS))

    layer_lines = "".join(f"            {layer},\n" for layer in layers)
    step_lines = "".join(f"            {step}\n" for step in steps)
    accumulate_line = f"            {accumulate}\n" if accumulate else ""
    scheduler_before = "        scheduler.step()\n" if spot == "before_loop" else ""
    scheduler_batch = "            scheduler.step()\n" if spot == "per_batch" else ""
    scheduler_epoch = "        scheduler.step()\n" if spot == "per_epoch" else ""
    seed_line = "    torch.manual_seed(0)\n" if seeded else ""
    return f'''import random

import torch
import torch.nn.functional as F
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR, MultiStepLR, StepLR


class Net(nn.Module):
    def __init__(self, c, classes):
        super().__init__()
        self.features = nn.Sequential(
{layer_lines}        )
        self.head = nn.Sequential(nn.Linear(c, classes), nn.ReLU())

    def forward(self, x):
        x = self.features(x)
        {reshape}
        {output}


class Boxes:
    def __getitem__(self, index):
        image, boxes = self.load(index)
{flip}        return image, boxes


val_transform = {transform}


def train(model, loader, val_loader, criterion, epochs, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr={lr})
    scheduler = {scheduler}
    scaler = torch.cuda.amp.GradScaler()
    losses, total = [], 0.0
    for epoch in range(epochs):
{scheduler_before}        for i, (x, y) in enumerate(loader):
            logits = model(x)
            {loss}
{step_lines}{accumulate_line}{scheduler_batch}{scheduler_epoch}{evaluate}    return losses, total


if __name__ == "__main__":
{seed_line}    train(Net(8, 10), [], [], nn.CrossEntropyLoss(), 3, 0.1)
'''
