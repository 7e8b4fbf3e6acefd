"""What the automatic checks of `nnlint run` cost, as one readable line (torch-free)."""

from __future__ import annotations


def check_costs(stats: dict) -> str:
    """E.g. "overfit one batch 1.2 s (41 steps), causality 0.05 s"."""
    parts = []
    for name, entry in stats.items():
        if not isinstance(entry, dict) or "seconds" not in entry:
            continue
        steps = f" ({entry['steps']} steps)" if "steps" in entry else ""
        parts.append(f"{name.replace('_', ' ')} {entry['seconds']:.2f} s{steps}")
    return ", ".join(parts)
