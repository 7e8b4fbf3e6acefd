"""One self-contained HTML page: findings first, then the pictures as PNG data URIs. Inline CSS, no script,
no link that needs the network to render (rule links are plain hyperlinks)."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence

from nnlint.diagnostic import Diagnostic
from nnlint.runtime.report.charts import Chart

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1100px;color:#1f2328;
padding:0 1rem;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2rem}
h3{font-size:1rem}.muted{color:#59636e}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:.1rem .25rem;border-radius:4px}
.code a{font-weight:600;color:#cf222e;text-decoration:none}.ok{color:#1a7f37;font-weight:600}
figure{margin:1rem 0;padding:.5rem;border:1px solid #d0d7de;border-radius:6px;display:inline-block;max-width:100%}
figure img{max-width:100%;height:auto;display:block}figcaption{color:#59636e;font-size:12px;margin-top:.3rem}
table.tokens td:nth-child(2){word-break:break-all}ul.notes li{margin:.2rem 0}
"""


def _findings_table(diagnostics: Sequence[Diagnostic], source_line: Callable[[str, int], str | None]) -> str:
    if not diagnostics:
        return "<p class='ok'>No findings.</p>"
    rows = []
    for d in diagnostics:
        code = html.escape(d.code)
        link = f"<a href='{html.escape(d.url)}'>{code}</a>" if d.url else code
        line = source_line(d.filename, d.location.row)
        shown = f"<br><code>{html.escape(line.strip())}</code>" if line else ""
        rows.append(f"<tr><td class='code'>{link}<br><span class='muted'>{html.escape(d.name)}</span></td>"
                    f"<td>{html.escape(d.message)}</td>"
                    f"<td><code>{html.escape(d.filename)}:{d.location.row}</code>{shown}</td></tr>")
    return ("<table><tr><th>code</th><th>message</th><th>where</th></tr>" + "".join(rows) + "</table>")


def _figure(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    caption = f"<figcaption>{html.escape(chart.caption)}</figcaption>" if chart.caption else ""
    return (f"<figure id='{html.escape(chart.name)}'><img alt='{html.escape(chart.title)}' "
            f"src='data:image/png;base64,{data}'>{caption}</figure>")


def render(*, script: str, diagnostics: Sequence[Diagnostic], notes: Sequence[str], summary: str,
           costs: str, sections: list[tuple[str, list[Chart], str]],
           source_line: Callable[[str, int], str | None]) -> str:
    """`sections` are (heading, charts, extra HTML) in order."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>nnlint run report: {html.escape(script)}</title><style>{STYLE}</style></head><body>",
        f"<h1>nnlint run: <code>{html.escape(script)}</code></h1>",
        f"<p class='muted'>{html.escape(summary)}</p>",
        f"<h2>Findings ({len(diagnostics)})</h2>", _findings_table(diagnostics, source_line),
    ]
    if notes:
        parts.append("<h3>Notes</h3><ul class='notes'>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
                     + "</ul>")
    if costs:
        parts.append(f"<p class='muted'>Checks cost: {html.escape(costs)}</p>")
    for heading, charts, extra in sections:
        if not charts and not extra:
            continue
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(extra)
        parts.extend(_figure(chart) for chart in charts)
    parts.append("<p class='muted'>Written by nnlint run --report. Self-contained: images are inline.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
