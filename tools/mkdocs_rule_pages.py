"""MkDocs hook: the rule catalogue pages (`rules/NNxxx.md`, the same text `nnlint rule` prints) become the site's
`rules/NNxxx/` pages, so the site and the CLI can never disagree.

- Each `rules/*.md` of the repository is added to the build as `rules/<code>.md` (it lives outside `docs/`
  because it also ships inside the wheel).
- Links written for browsing the repository (`../rules/NN101.md` in `docs/rules.md`) are pointed at the
  generated pages.
- The pages' example fences (```` ```python flagged ````) keep their role as a title over the code block.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

RULES = Path(__file__).resolve().parent.parent / "rules"
_EXAMPLE_FENCE = re.compile(r"^```python (flagged|clean|fixed)$", re.MULTILINE)
_TITLES = {"flagged": "flagged", "clean": "clean look-alike", "fixed": "after the fix"}


def on_files(files, config):
    for page in sorted(RULES.glob("NN*.md")):
        files.append(File.generated(config, f"rules/{page.name}", content=page.read_text(encoding="utf-8")))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri.startswith("rules/"):
        return _EXAMPLE_FENCE.sub(lambda match: f'```python title="{_TITLES[match.group(1)]}"', markdown)
    depth = page.file.src_uri.count("/")
    return markdown.replace("](../rules/", "](" + "../" * depth + "rules/")
