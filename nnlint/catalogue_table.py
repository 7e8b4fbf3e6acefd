"""`nnlint rules`: the catalogue as a table (terminal) or JSON (tools)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from nnlint.rules.base import RuleInfo


def show(infos: Iterable[RuleInfo], output_format: str) -> None:
    infos = list(infos)
    if output_format == "json":
        rows = [
            {"code": i.code, "name": i.name, "group": i.group, "summary": i.summary, "fix": i.fix,
             "default": i.default_enabled, "url": i.url}
            for i in infos
        ]
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="nnlint rules")
    for column in ("code", "name", "group", "fix", "default", "summary"):
        table.add_column(column, overflow="fold")
    for info in infos:
        table.add_row(info.code, info.name, info.group, info.fix or "-", "on" if info.default_enabled else "off",
                      info.summary)
    Console(width=None if Console().is_terminal else 200).print(table)
