"""One compact JSON object per line (the objects of the `json` format), for streaming and line-based tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from nnlint.diagnostic import Diagnostic


def write(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    for diagnostic in diagnostics:
        # json.dumps escapes line breaks inside strings, so each object stays on its own line.
        stream.write(json.dumps(diagnostic.to_dict(), separators=(",", ":")) + "\n")
