"""nnlint's static rules as a flake8 plugin (`flake8 --select NN`), a thin adapter over the engine.

flake8 hands a plugin the file's lines and reports each `(row, column, message)` it yields with the column
plus one; nnlint's columns are 1-based already, so the plugin yields `column - 1` and flake8 shows the same
column nnlint does. flake8 applies its own `# noqa` to what the plugin yields; which rules run comes from
nnlint's configuration (`[tool.nnlint]`, default: the rules on by default), and flake8's `--select` /
`--extend-ignore` filter the result as for any plugin.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from nnlint import __version__
from nnlint.config import ConfigError, Settings, find_config_file, load_settings
from nnlint.engine import Selection, lint_source
from nnlint.runner import Selector
from nnlint.rules import static_rules

# Static codes only: the engine's NN001 is flake8's own E999, runtime codes need `nnlint run`.
_STATIC = frozenset(rule.code for rule in static_rules())


class NNLintChecker:
    name = "nnlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        # line `# noqa` comments are flake8's to apply (its --disable-noqa included); `# nnlint: noqa` is ours
        for diagnostic in lint_source(self.filename, source, _selection(self.filename), line_noqa=False):
            message = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.location.row, diagnostic.location.column - 1, message, type(self)


def _selection(filename: str) -> Selection:
    path = Path(filename)
    directory = path.resolve().parent if path.exists() else Path.cwd()
    selector = _selector_for(directory)
    return Selection(selector.for_path(filename).codes & _STATIC)


@lru_cache(maxsize=64)
def _selector_for(directory: Path) -> Selector:
    try:
        settings = load_settings(find_config_file(directory))
    except ConfigError:
        settings = Settings()  # a broken [tool.nnlint] is `nnlint`'s to report; flake8 runs the defaults
    return Selector(settings)
