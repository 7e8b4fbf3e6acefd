"""The report's pictures, drawn with matplotlib's headless Agg backend into PNG bytes.

Each function takes plain data (lists, CPU tensors) and returns a `Chart` or None when there is nothing to
draw, so a run that watched no optimizer step or no image simply has fewer pictures.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # never a window, never a display: CI machines and servers have none
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

MAX_TILES = 16
MAX_LINES = 12  # layers drawn per chart: the largest, so the picture stays readable


@dataclass
class Chart:
    name: str  # file stem in --report-dir, anchor in the page
    title: str
    png: bytes
    caption: str = ""


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _scaled(images: torch.Tensor) -> torch.Tensor:
    low, high = float(images.min()), float(images.max())
    return (images - low) / (high - low) if high > low else images * 0


def image_grid(images: torch.Tensor, layout: str, captions: list[str], title: str, name: str,
               caption: str) -> Chart:
    """Tiles of (N, C, H, W) or (N, H, W, C) images, min-max scaled together so their relative values show,
    drawn as one mosaic (one image, not one axes per tile: several times cheaper to render)."""
    images = images[:MAX_TILES].detach().float().cpu()
    if layout == "NCHW":
        images = images.permute(0, 2, 3, 1)
    shown = _scaled(images)
    count, height, width, channels = shown.shape
    columns = min(8, count)
    rows = math.ceil(count / columns)
    gap, line = max(1, width // 8), max(3, round(height * 0.35))  # between tiles; above each row: its captions
    mosaic = torch.ones(rows * (height + line), columns * (width + gap) - gap, channels)
    for index in range(count):
        top, left = (index // columns) * (height + line) + line, (index % columns) * (width + gap)
        mosaic[top:top + height, left:left + width] = shown[index]
    figure, axis = plt.subplots(figsize=(1.4 * columns, 1.55 * rows))
    grey = channels == 1
    axis.imshow(mosaic[..., 0].numpy() if grey else mosaic.numpy(), cmap="gray" if grey else None,
                vmin=0, vmax=1, interpolation="nearest")
    for index, text in enumerate(captions[:count]):
        axis.text((index % columns) * (width + gap) + width / 2, (index // columns) * (height + line) + line - 1,
                  text, ha="center", va="bottom", fontsize=8)
    axis.axis("off")
    axis.set_title(title, fontsize=9)
    return Chart(name, title, _png(figure), caption)


def feature_stats(x: torch.Tensor, name: str) -> Chart:
    """Per-feature mean ± std of a non-image batch (first 64 features)."""
    flat = x.detach().float().cpu().reshape(x.shape[0], -1)[:, :64]
    mean, std = flat.mean(0), flat.std(0) if flat.shape[0] > 1 else torch.zeros(flat.shape[1])
    figure, axis = plt.subplots(figsize=(7, 2.6))
    axis.errorbar(range(flat.shape[1]), mean.numpy(), yerr=std.numpy(), fmt="o", markersize=3, capsize=2)
    axis.set_xlabel("feature")
    axis.set_ylabel("mean ± std over the batch")
    title = f"inputs {tuple(x.shape)}: per-feature statistics"
    return Chart(name, title, _png(figure), "values as the network receives them")


def curve(values: list[float], title: str, name: str, ylabel: str, caption: str = "",
          target: float | None = None, xlabel: str = "step") -> Chart | None:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    figure, axis = plt.subplots(figsize=(6, 2.8))
    axis.plot(range(len(values)), values, color="#1f6feb")
    if target is not None:
        axis.axhline(target, color="#d1242f", linestyle="--", linewidth=1, label="target")
        axis.legend(fontsize=8)
    if min(finite) > 0 and max(finite) / min(finite) > 50:
        axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    return Chart(name, title, _png(figure), caption)


def loss_and_lr(steps: list[int], loss: list[float], lr: list[list[float]]) -> Chart | None:
    if not steps:
        return None
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6, 4.2), sharex=True)
    if loss:
        top.plot(steps[: len(loss)], loss[: len(steps)], color="#1f6feb")
        finite = [v for v in loss if math.isfinite(v)]
        if finite and min(finite) > 0 and max(finite) / min(finite) > 50:
            top.set_yscale("log")
    top.set_ylabel("loss")
    top.grid(alpha=0.3)
    groups = len(lr[0]) if lr else 0
    for group in range(groups):
        bottom.plot(steps, [row[group] if group < len(row) else float("nan") for row in lr], label=f"group {group}")
    bottom.set_ylabel("learning rate")
    bottom.set_xlabel("optimizer step")
    bottom.grid(alpha=0.3)
    if groups > 1:
        bottom.legend(fontsize=8)
    top.set_title("loss and learning rate per watched step", fontsize=10)
    return Chart("loss_lr", "Loss and learning rate", _png(figure))


def schedule(plan: dict) -> Chart | None:
    lrs = plan["lrs"]
    if len(lrs) < 2:
        return None
    figure, axis = plt.subplots(figsize=(6, 2.8))
    for group in range(len(lrs[0])):
        axis.plot(range(len(lrs)), [row[group] for row in lrs], label=f"group {group}")
    if plan["observed"]:
        axis.axvline(plan["observed"], color="#999", linestyle=":", linewidth=1, label="reached in this run")
    positive = [v for row in lrs for v in row if v > 0]
    if positive and max(positive) / min(positive) > 50:
        axis.set_yscale("log")
    axis.set_xlabel(plan["unit"])
    axis.set_ylabel("learning rate")
    title = f"planned schedule: {plan['name']} over {plan['horizon']} {plan['unit']}s"
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    first, last = lrs[0][0], lrs[-1][0]
    caption = f"horizon from {plan['source']}; group 0 goes from {first:.3g} to {last:.3g}"
    return Chart(f"schedule_{plan['name']}", title, _png(figure), caption)


def per_layer(values: list[list[float]], layers: list[str], title: str, name: str, ylabel: str,
              band: tuple[float, float] | None = None, caption: str = "") -> Chart | None:
    if not values or not layers:
        return None
    columns = list(zip(*values))
    order = sorted(range(len(columns)), key=lambda i: -max((v for v in columns[i] if math.isfinite(v)), default=0))
    figure, axis = plt.subplots(figsize=(7, 3.2))
    for index in order[:MAX_LINES]:
        axis.plot(range(1, len(values) + 1), columns[index], label=layers[index] if index < len(layers) else "?")
    if band is not None:
        axis.axhspan(*band, color="#2da44e", alpha=0.12, label="~1e-3 heuristic")
    positive = [v for column in columns for v in column if math.isfinite(v) and v > 0]
    if positive:
        axis.set_yscale("log")
    axis.set_xlabel("optimizer step")
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axis.grid(alpha=0.3)
    shown = f"the {MAX_LINES} largest of {len(layers)} tensors" if len(layers) > MAX_LINES else ""
    return Chart(name, title, _png(figure), "; ".join(part for part in (caption, shown) if part))


def activations(sites: dict[str, list[tuple[int, float]]]) -> Chart | None:
    if not sites:
        return None
    figure, axis = plt.subplots(figsize=(7, 3))
    for site, points in list(sites.items())[:MAX_LINES]:
        by_step: dict[int, list[float]] = {}
        for step, fraction in points:
            by_step.setdefault(step, []).append(fraction)
        steps = sorted(by_step)
        axis.plot(steps, [sum(by_step[s]) / len(by_step[s]) for s in steps], marker=".", label=site)
    axis.set_ylim(-0.02, 1.02)
    axis.set_xlabel("optimizer step")
    axis.set_ylabel("fraction")
    axis.set_title("dead ReLUs (output ≤ 0) / saturated tanh, sigmoid (|y| > 0.99, y ∉ [0.01, 0.99])",
                   fontsize=9)
    axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axis.grid(alpha=0.3)
    return Chart("activations", "Activation statistics", _png(figure))


def predictions(rows: list[list[float]], kind: str) -> Chart | None:
    if not rows:
        return None
    figure, axis = plt.subplots(figsize=(6, 2.8))
    for index, column in enumerate(zip(*rows)):
        axis.plot(range(1, len(rows) + 1), column, label=f"sample {index}")
    axis.set_xlabel("optimizer step")
    axis.set_ylabel(kind)
    axis.set_title("predictions on a fixed probe batch (the first batch's first samples)", fontsize=9)
    axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axis.grid(alpha=0.3)
    return Chart("predictions", "Prediction dynamics", _png(figure))
