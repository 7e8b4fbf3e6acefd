"""What is in the batch that enters the net: image inputs not normalised (NN911), a batch of one class or of
repeated samples (NN912). Each test fires only where the batch's shape leaves no doubt about what it holds."""

from __future__ import annotations

import gc
import sys

import torch

from nnlint.runtime.findings import Finding
from nnlint.runtime.training_step import infer_classes

MIN_SIDE = 8  # an image is at least 8x8
MIN_BATCH = 8  # a batch smaller than this can be one class by chance
FAR = 10.0  # per-channel |mean| or std beyond this is not a normalised image


def image_layout(x: torch.Tensor) -> str | None:
    """"NCHW" or "NHWC" for a float batch of 1- or 3-channel images, else None."""
    if x.dim() != 4 or not x.is_floating_point():
        return None
    n, a, b, c = x.shape
    if a in (1, 3) and min(b, c) >= MIN_SIDE:
        return "NCHW"
    if c in (1, 3) and min(a, b) >= MIN_SIDE:
        return "NHWC"
    return None


def channel_stats(x: torch.Tensor, layout: str) -> tuple[list[float], list[float]]:
    """Per-channel mean and std (on the CPU: a handful of numbers)."""
    channels = x.movedim(3, 1) if layout == "NHWC" else x
    flat = channels.detach().float().transpose(0, 1).reshape(channels.shape[1], -1)
    return flat.mean(1).cpu().tolist(), flat.std(1).cpu().tolist()


def input_findings(x: torch.Tensor) -> list[Finding]:
    findings = []
    layout = image_layout(x)
    if layout is not None:
        finding = _not_normalised(x, layout)
        if finding is not None:
            findings.append(finding)
    repeated = _repeated_samples(x)
    if repeated is not None:
        findings.append(repeated)
    return findings


def _not_normalised(x: torch.Tensor, layout: str) -> Finding | None:
    values = x.detach()
    low, high = float(values.min()), float(values.max())
    integral = bool((values == values.round()).all())
    if integral and low >= 0 and 1 < high <= 255:
        return Finding("NN911", f"image inputs reach the model as whole numbers in {low:g}..{high:g} (mean "
                       f"{float(values.float().mean()):.4g}): pixels in 0-255 — divide by 255 (ToTensor does) and "
                       "normalise with the mean and std the model expects")
    channels = x.shape[1] if layout == "NCHW" else x.shape[3]
    if channels == 3:
        means, stds = channel_stats(values, layout)
        if max(abs(m) for m in means) > FAR or max(stds) > FAR:
            shown = ", ".join(f"{m:.3g}±{s:.3g}" for m, s in zip(means, stds))
            return Finding("NN911", f"image inputs reach the model far from normalised: per-channel mean±std "
                           f"{shown} — normalise them (about 0±1 per channel) before the first layer")
    return None


def _repeated_samples(x: torch.Tensor) -> Finding | None:
    """Identical rows that are not constant (padding, blank images): a sampler or collate that repeats."""
    if x.dim() < 2 or x.shape[0] < 2 or not x.is_floating_point() or x[0].numel() < 16:
        return None
    rows = x.detach().reshape(x.shape[0], -1)
    varied = rows[rows.std(1) > 0] if rows.shape[1] > 1 else rows
    if varied.shape[0] < 2:
        return None
    distinct = torch.unique(varied, dim=0).shape[0]
    if distinct == varied.shape[0]:
        return None
    return Finding("NN912", f"the batch holds {varied.shape[0] - distinct} repeated sample(s) ({distinct} distinct of "
                   f"{varied.shape[0]}): a sampler or collate function that returns the same sample — check the "
                   "dataset's __getitem__ index and the collate function")


def class_count(targets: torch.Tensor | None, output: torch.Tensor | None) -> tuple[int, int | None] | None:
    """(number of classes in the batch's labels, the class when there is one); None when the batch is not a
    classification batch large enough to judge."""
    if targets is None or output is None or targets.dim() != 1 or targets.shape[0] < MIN_BATCH:
        return None
    classes = infer_classes(output, targets)
    if classes is None or classes < 2:
        return None
    values = torch.unique(targets.detach())
    return values.numel(), int(values[0]) if values.numel() == 1 else None


def single_class_finding(counts: list[tuple[int, int | None] | None]) -> Finding | None:
    """NN912 when every judged batch holds a single class (the same one, or one after another)."""
    judged = [count for count in counts if count is not None]
    if not judged or any(n != 1 for n, _ in judged):
        return None
    labels = ", ".join(str(label) for _, label in judged)
    return Finding("NN912", f"every target in each of the first {len(judged)} training batch(es) is one class "
                   f"(class {labels}): a data set sorted by label without shuffle, or a sampler that returns one "
                   "class — shuffle the training data (shuffle=True or a RandomSampler)")


def find_normalize(channels: int) -> tuple[list[float], list[float]] | None:
    """The mean and std of a torchvision Normalize the script built, when exactly one matches the channels.
    Only looked for when torchvision was imported: one pass over the live objects, at the first training
    step (the transforms may be gone when the report is drawn). `type(o)`, not isinstance: isinstance reads
    `__class__`, which some deprecated torch objects answer with a warning."""
    transforms = sys.modules.get("torchvision.transforms")
    normalize = getattr(transforms, "Normalize", None) if transforms is not None else None
    if not isinstance(normalize, type):
        return None
    found = {(tuple(o.mean), tuple(o.std)) for o in gc.get_objects() if issubclass(type(o), normalize)
             and len(o.mean) in (1, channels) and len(o.std) in (1, channels)}
    if len(found) != 1:
        return None
    mean, std = found.pop()
    return [float(m) for m in mean] * (channels // len(mean)), [float(s) for s in std] * (channels // len(std))
