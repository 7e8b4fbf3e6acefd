"""Files not to lint by default: generated code (`@generated` in its first lines, the marker code generators
write for review tools) and files that opt out with a `# nnlint: skip-file` comment near the top.

Findings in generated code are fixed in the generator, not in its output; `--include-generated` lints them
anyway.
"""

from __future__ import annotations

import re

HEAD_LINES = 10  # where the markers are looked for: a file's licence header and docstring fit in it

_GENERATED = re.compile(r"@generated\b")
_SKIP_FILE = re.compile(r"^\s*#\s*nnlint:\s*skip-file\s*$", re.IGNORECASE | re.MULTILINE)


def is_skipped(source: str) -> bool:
    """Whether `source` is marked `@generated` or `# nnlint: skip-file` in its first lines."""
    if "@generated" not in source and "skip-file" not in source:  # the common case, without splitting lines
        return False
    head = "\n".join(source.splitlines()[:HEAD_LINES])
    return bool(_GENERATED.search(head) or _SKIP_FILE.search(head))
