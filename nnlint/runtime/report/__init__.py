"""What `nnlint run --report` captures and renders: the batch just before the net, the overfit curve, the
training dynamics and the planned schedule, as one self-contained HTML page (`--report FILE`) or as PNG files
plus `report.json` (`--report-dir DIR`). Needs matplotlib (the `report` extra); importing this package does
not import it, `nnlint.runtime.report.build` does."""

from __future__ import annotations

REPORT_EXTRA_MESSAGE = "--report needs matplotlib: pip install 'nnlint[report]'"


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
