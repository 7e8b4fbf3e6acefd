"""A JSON array of findings with Ruff's field names, so tooling written for `ruff --output-format json` reads it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from nnlint.diagnostic import Diagnostic


def write(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    json.dump([diagnostic.to_dict() for diagnostic in diagnostics], stream, indent=2)
    stream.write("\n")
