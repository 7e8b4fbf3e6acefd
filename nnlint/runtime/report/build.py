"""Turn one `nnlint run` (its result and diagnostics) into the report's charts, page and JSON."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nnlint.diagnostic import Diagnostic
from nnlint.runtime.costs import check_costs
from nnlint.runtime.report import charts as draw
from nnlint.runtime.report.batch_view import batch_views
from nnlint.runtime.report.page import render


def _source_line(filename: str, row: int) -> str | None:
    try:
        with open(filename, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if number == row:
                    return line.rstrip("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _sections(result) -> tuple[list[tuple[str, list, str]], dict]:
    samples = result.extra.get("samples", [])
    dynamics = result.extra.get("dynamics")
    stats = result.extra.get("stats", {})
    data: dict = {"batches": []}

    batch_charts, batch_html = [], ""
    for index, sample in enumerate(samples):  # the first step in pictures, every step in numbers
        charts, fragment, summary = batch_views(sample, draw=index == 0)
        batch_charts += charts
        batch_html += fragment
        data["batches"].append(summary)

    overfit = stats.get("overfit_one_batch", {})
    overfit_charts = []
    if overfit.get("losses"):
        first = overfit["losses"][0]
        verdict = {True: "fitted", False: "did not fit", None: "not judged"}[overfit.get("fitted")]
        chart = draw.curve(overfit["losses"], f"overfit one batch: {verdict} in {overfit['steps']} steps "
                           f"({overfit['optimizer']})", "overfit", "loss on the batch",
                           f"a deep copy trained on the first batch; {overfit['seconds']:.2f} s",
                           target=overfit["target"] * first if first > 0 else None)
        overfit_charts = [chart] if chart else []
        data["overfit"] = overfit

    dynamic_charts = []
    if dynamics is not None:
        data["dynamics"] = dynamics.to_dict()
        dynamic_charts = [c for c in (
            draw.loss_and_lr(dynamics.steps, dynamics.loss, dynamics.lr),
            *(draw.schedule(plan) for plan in dynamics.schedule),
            draw.per_layer(dynamics.layer_grad_norm, dynamics.layers, "gradient norm per parameter tensor",
                           "grad_norm", "‖grad‖"),
            draw.per_layer(dynamics.layer_update_ratio, dynamics.layers,
                           "update / weight ratio per parameter tensor (‖Δw‖ / ‖w‖)", "update_ratio", "ratio",
                           band=(3e-4, 3e-3), caption="around 1e-3 is healthy; far above: too large a step"),
            draw.activations(dynamics.activations),
            draw.predictions(dynamics.probe, dynamics.probe_kind),
        ) if c is not None]
    sections = [("The batch just before the net", batch_charts, batch_html),
                ("Overfit one batch", overfit_charts, ""),
                ("Training dynamics", dynamic_charts, "")]
    return sections, data


def build(result, diagnostics: Sequence[Diagnostic], script: str) -> tuple[str, list, dict]:
    """(HTML page, charts, JSON-able data)."""
    sections, data = _sections(result)
    stats = result.extra.get("stats", {})
    summary = f"{result.steps} optimizer step(s) watched" + (" (stopped after --max-steps)" if result.stopped else "")
    page = render(script=script, diagnostics=diagnostics, notes=result.notes, summary=summary,
                  costs=check_costs(stats), sections=sections, source_line=_source_line)
    data.update({"script": script, "steps": result.steps, "findings": [d.to_dict() for d in diagnostics],
                 "notes": list(result.notes), "stats": _jsonable(stats)})
    charts = [chart for _, group, _ in sections for chart in group]
    return page, charts, data


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as stream:
        stream.write(content)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(partial, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
    os.replace(partial, path)


def write(result, diagnostics: Sequence[Diagnostic], script: str, *, html_path: str | None,
          directory: str | None) -> None:
    page, charts, data = build(result, diagnostics, script)
    if html_path:
        _atomic_write(Path(html_path), page.encode("utf-8"))
    if directory:
        folder = Path(directory)
        data["charts"] = [f"{chart.name}.png" for chart in charts]
        for chart in charts:
            _atomic_write(folder / f"{chart.name}.png", chart.png)
        _atomic_write(folder / "report.json", json.dumps(_jsonable(data), indent=2).encode("utf-8"))
