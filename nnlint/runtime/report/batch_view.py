"""The batch just before the net, made viewable: image grids (as the network sees them and, when the script
built a torchvision `Normalize`, de-normalised), rows of token ids, or per-feature statistics."""

from __future__ import annotations

import torch

from nnlint.runtime.batch_content import channel_stats, image_layout
from nnlint.runtime.report.charts import Chart, feature_stats, image_grid


def _captions(targets: torch.Tensor | None, count: int) -> list[str]:
    if targets is None or targets.dim() == 0:
        return []
    targets = targets.detach().cpu()
    if targets.dim() == 1:
        return [f"y={v:g}" if targets.is_floating_point() else f"y={int(v)}" for v in targets.tolist()[:count]]
    return [f"y: {tuple(targets.shape[1:])}"] * min(count, targets.shape[0])


def batch_views(sample, draw: bool = True) -> tuple[list[Chart], str, dict]:
    """Charts and an HTML fragment (token rows) when `draw`, and a JSON summary, for one captured step."""
    charts, html, summary = [], "", {"step": sample.step, "batch_size": sample.batch_size, "inputs": []}
    for index, x in enumerate(sample.inputs):
        x = x.detach()
        info = {"shape": [sample.batch_size, *x.shape[1:]], "dtype": str(x.dtype).removeprefix("torch.")}
        if x.is_floating_point() and x.numel():
            info.update(min=float(x.min()), max=float(x.max()), mean=float(x.float().mean()),
                        std=float(x.float().std()) if x.numel() > 1 else 0.0)
        summary["inputs"].append(info)
        name = f"batch_step{sample.step}_input{index}"
        layout = image_layout(x)
        captions = _captions(sample.targets, x.shape[0])
        if layout is not None and not draw:
            info["channel_mean"], info["channel_std"] = channel_stats(x, layout)
        elif not draw:
            continue
        elif layout is not None:
            low, high = info["min"], info["max"]
            charts.append(image_grid(x, layout, captions, f"step {sample.step}: input {index} as the network sees it "
                                     f"(values {low:.3g}..{high:.3g}, scaled to the display)", name,
                                     "after the loader, collate, augmentation and .to(device)"))
            channels = x.shape[1] if layout == "NCHW" else x.shape[3]
            normalize = sample.normalize if sample.normalize and len(sample.normalize[0]) == channels else None
            if normalize is not None:
                mean, std = (torch.tensor(v).view(1, -1, 1, 1) if layout == "NCHW" else torch.tensor(v)
                             for v in normalize)
                raw = x.float().cpu() * std + mean
                charts.append(image_grid(raw, layout, captions, f"step {sample.step}: input {index} de-normalised "
                                         f"(Normalize mean {normalize[0]}, std {normalize[1]})", name + "_raw",
                                         "the script's Normalize undone"))
            means, stds = channel_stats(x, layout)
            info["channel_mean"], info["channel_std"] = means, stds
        elif not x.is_floating_point() and x.dim() == 2:
            html += _token_rows(x, captions, sample.step, index)
        elif x.is_floating_point() and x.dim() >= 2:
            charts.append(feature_stats(x, name))
    if sample.targets is not None:
        targets = sample.targets.detach().cpu()
        summary["targets"] = targets.tolist() if targets.numel() <= 256 else {"shape": list(targets.shape)}
    return charts, html, summary


def _token_rows(x: torch.Tensor, captions: list[str], step: int, index: int) -> str:
    rows = x.cpu().tolist()
    lines = "".join(f"<tr><td>{i}</td><td><code>{' '.join(str(t) for t in row[:64])}"
                    f"{' …' if len(row) > 64 else ''}</code></td><td>{captions[i] if i < len(captions) else ''}</td></tr>"
                    for i, row in enumerate(rows))
    return (f"<h3>Step {step}: input {index}, token ids {tuple(x.shape)} (first rows)</h3>"
            f"<table class='tokens'><tr><th>row</th><th>ids</th><th>target</th></tr>{lines}</table>"
            "<p class='muted'>Shown as ids: no tokenizer was at hand to decode them.</p>")
