"""`nnlint rules`: the catalogue as a table (terminal) or JSON (tools)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from nnlint.rule_info import RuleInfo


def show(infos: Iterable[RuleInfo], output_format: str) -> None:
    infos = list(infos)
    if output_format == "markdown":
        print(_markdown(infos), end="")
        return
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


def _markdown(infos: list[RuleInfo]) -> str:
    """The rules index of the docs site (docs/rules.md)."""
    lines = [
        "# Rules",
        "",
        "Every code nnlint reports. *default* says whether the rule runs without `--select`; *fix* whether",
        "`--fix` can repair it (*unsafe* fixes need `--unsafe-fixes`). `nnlint rule CODE` prints a page.",
        "",
        "| code | name | group | fix | default | summary |",
        "|---|---|---|---|---|---|",
    ]
    for info in infos:
        summary = info.summary.replace("|", "\\|")
        lines.append(
            f"| [{info.code}](../rules/{info.code}.md) | {info.name} | {info.group} | {info.fix or ''} "
            f"| {'on' if info.default_enabled else 'off'} | {summary} |"
        )
    return "\n".join(lines) + "\n"
