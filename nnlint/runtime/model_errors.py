"""A check whose model raised: a finding that says the check could not run, with the model's own error.

The check does not pass in silence (`report.ok` is False) and does not crash the caller's test either;
`untouched` has already put the model and the RNGs back as they were.
"""

from __future__ import annotations

import traceback

from nnlint.runtime.findings import Finding
from nnlint.runtime.sourceline import _is_user_file, display_path


def could_not_check(code: str, error: Exception) -> Finding:
    """`code`'s finding for a check that stopped on `error`, placed at the user's line that raised."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_user_file(frame.filename)]
    location = f"{display_path(frames[-1].filename)}:{frames[-1].lineno}" if frames else None
    who = "the model raised " if frames else ""
    return Finding(code, f"could not check: {who}{type(error).__name__}: {error}", location=location)
