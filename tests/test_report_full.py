"""The human formats: `full` (the default), `concise` and `--statistics`, as a user reads them in a terminal."""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st

from nnlint.diagnostic import Diagnostic, Edit, Fix, Location
from nnlint.report import write_report, write_statistics
from nnlint.report.full import MAX_SNIPPET_LINES, MAX_SOURCE_WIDTH
from nnlint.rules.base import RuleInfo

TRAIN = "train scripts/train.py"
TRAIN_SOURCE = (
    "import torch\n"
    "import torch.nn.functional as F\n"
    "\n"
    "def forward(x):\n"
    "\tb, c, h, w = x.shape\n"
    "\treturn x.view(b, h, w, c)\n"
    "\n"
    "loss = torch.clamp(\n"
    "    F.cross_entropy(logits, y), max=10.0\n"
    ")\n"
)

RULES = {
    "NN001": RuleInfo("NN001", "syntax-error", "The file does not parse.", None, True),
    "NN101": RuleInfo("NN101", "view-as-permute", "`view` used as a transpose.", "unsafe", True),
    "NN205": RuleInfo("NN205", "loss-clamped", "The loss is clamped.", "safe", True),
}

VIEW = Diagnostic(
    code="NN101",
    name="view-as-permute",
    message="`view` reorders dims (b, c, h, w) -> (b, h, w, c); this mixes data — use `permute(0, 2, 3, 1)`",
    filename=TRAIN,
    location=Location(6, 9),
    end_location=Location(6, 27),
    fix=Fix("unsafe", "Use `x.permute(0, 2, 3, 1)`", (Edit("x.permute(0, 2, 3, 1)", Location(6, 9), Location(6, 27)),)),
    url=RULES["NN101"].url,
)
CLAMP = Diagnostic(
    code="NN205",
    name="loss-clamped",
    message="the loss is clamped: outliers are silently ignored",
    filename=TRAIN,
    location=Location(8, 8),
    end_location=Location(10, 2),
    fix=Fix("safe", "Remove the clamp", (Edit("F.cross_entropy(logits, y)", Location(8, 8), Location(10, 2)),)),
    url=RULES["NN205"].url,
)
SYNTAX = Diagnostic(
    code="NN001",
    name="syntax-error",
    message="syntax error: expected ':'\n    def f(\n          ^",
    filename="broken.py",
    location=Location(1, 7),
    end_location=Location(1, 7),
    url=RULES["NN001"].url,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def render(fmt: str, diagnostics, sources: dict[str, str] | None = None, color: bool = False) -> str:
    stream = io.StringIO()
    read_source = None if sources is None else sources.get
    write_report(fmt, diagnostics, stream, rules=RULES, read_source=read_source, color=color)
    return stream.getvalue()


def caret_columns(output: str) -> tuple[int, int]:
    """Where the carets sit in the printed text, as [first, last + 1) character offsets of that line."""
    caret_line = next(line for line in output.splitlines() if "^" in line and "|" in line)
    first = caret_line.index("^")
    return first, caret_line.rindex("^") + 1


def source_line(output: str, row: int) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{row} |"))


def test_full_shows_the_flagged_line_with_tabs_expanded_and_carets_under_the_range():
    output = render("full", [VIEW], {TRAIN: TRAIN_SOURCE})

    assert output == (
        f"{TRAIN}:6:9: NN101 {VIEW.message}\n"
        "  |\n"
        "6 |     return x.view(b, h, w, c)\n"
        "  |            ^^^^^^^^^^^^^^^^^^\n"
        "  |\n"
        "  = help: Use `x.permute(0, 2, 3, 1)`\n"
        "\n"
    )


def test_full_marks_only_safe_fixes_with_a_star():
    output = render("full", [VIEW, CLAMP], {TRAIN: TRAIN_SOURCE})

    headers = [line for line in output.splitlines() if line.startswith(TRAIN)]
    assert headers == [
        f"{TRAIN}:6:9: NN101 {VIEW.message}",
        f"{TRAIN}:8:8: NN205 [*] the loss is clamped: outliers are silently ignored",
    ]


def test_full_shows_every_line_of_a_multi_line_range_and_underlines_the_first():
    output = render("full", [CLAMP], {TRAIN: TRAIN_SOURCE})

    assert output == (
        f"{TRAIN}:8:8: NN205 [*] the loss is clamped: outliers are silently ignored\n"
        "   |\n"
        " 8 | loss = torch.clamp(\n"
        "   |        ^^^^^^^^^^^^\n"
        " 9 |     F.cross_entropy(logits, y), max=10.0\n"
        "10 | )\n"
        "   |\n"
        "   = help: Remove the clamp\n"
        "\n"
    )


def test_full_shows_the_head_of_a_range_spanning_many_lines():
    source = "model = nn.Sequential(\n" + "    nn.Linear(8, 8),\n" * 20 + ")\n"
    whole = Diagnostic("NN205", "loss-clamped", "long", "m.py", Location(1, 9), Location(22, 2))

    output = render("full", [whole], {"m.py": source})

    shown_rows = [line.split("|")[0].strip() for line in output.splitlines()[1:] if "|" in line]
    numbered = [row for row in shown_rows if row.isdigit()]
    assert numbered == [str(row) for row in range(1, MAX_SNIPPET_LINES + 1)]
    assert "..." in shown_rows


def test_full_puts_the_caret_after_a_tab_in_the_middle_of_a_line():
    # The tab after `x = 1` stops at cell 8, not 4 cells later: the comment starts at cell 8.
    source = "x = 1\t# TODO\n"
    comment = Diagnostic("NN205", "loss-clamped", "here", "t.py", Location(1, 7), Location(1, 13))

    output = render("full", [comment], {"t.py": source})

    assert source_line(output, 1) == "1 | x = 1   # TODO"
    assert caret_columns(output) == (source_line(output, 1).index("#"), len(source_line(output, 1)))


def test_full_counts_wide_characters_as_two_cells():
    source = 's = "漢字"; y = x.view(b, h, w, c)\n'
    flagged = Diagnostic("NN101", "view-as-permute", "m", "w.py", Location(1, 15), Location(1, 33))

    output = render("full", [flagged], {"w.py": source})

    line = source_line(output, 1)
    # Each of the two ideographs fills two terminal cells, i.e. one more than its one character.
    assert caret_columns(output) == (line.index("x.view") + 2, line.index("x.view") + 2 + len("x.view(b, h, w, c)"))


def test_full_cuts_a_very_wide_line_around_the_finding_and_keeps_the_caret_under_it():
    source = "total = " + "a + " * 150 + "x.view(b, -1)\n"
    column = source.index("x.view") + 1
    flagged = Diagnostic("NN101", "view-as-permute", "m", "wide.py", Location(1, column), Location(1, column + 13))

    output = render("full", [flagged], {"wide.py": source})

    line = source_line(output, 1)
    assert len(line) <= len("1 | ") + MAX_SOURCE_WIDTH + 2 * len("...")
    assert line.startswith("1 | ...")
    assert caret_columns(output) == (line.index("x.view"), line.index("x.view") + len("x.view(b, -1)"))


def test_full_prints_only_the_header_when_the_source_cannot_be_read():
    assert render("full", [VIEW, SYNTAX], sources=None) == (
        f"{TRAIN}:6:9: NN101 {VIEW.message}\n" f"broken.py:1:7: NN001 {SYNTAX.message}\n"
    )
    # One unreadable file does not cost the other its snippet.
    mixed = render("full", [VIEW, SYNTAX], {TRAIN: TRAIN_SOURCE})
    assert "6 |     return x.view(b, h, w, c)" in mixed
    assert mixed.endswith(f"broken.py:1:7: NN001 {SYNTAX.message}\n")


def test_full_points_at_the_end_of_a_file_for_a_syntax_error_there():
    source = "def f(:\n    pass"
    at_end = Diagnostic("NN001", "syntax-error", "unexpected EOF", "e.py", Location(2, 9), Location(2, 9))
    past_end = Diagnostic("NN001", "syntax-error", "stale", "e.py", Location(7, 1), Location(7, 1))

    output = render("full", [at_end, past_end], {"e.py": source})

    assert "2 |     pass\n  |         ^\n" in output
    assert output.endswith("e.py:7:1: NN001 stale\n")


def test_full_without_color_has_no_escape_codes_and_with_color_only_adds_them():
    sources = {TRAIN: TRAIN_SOURCE}
    diagnostics = [VIEW, CLAMP, SYNTAX]

    plain = render("full", diagnostics, sources, color=False)
    colored = render("full", diagnostics, sources, color=True)

    assert "\x1b" not in plain
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == plain


def test_escape_sequences_in_file_names_and_messages_never_reach_the_terminal():
    hostile = Diagnostic(
        "NN001", "syntax-error", "bad token '\x1b[2J'", "evil\x1b]0;pwned\x07.py", Location(1, 1), Location(1, 2)
    )

    for fmt in ("full", "concise"):
        output = render(fmt, [hostile], {"evil\x1b]0;pwned\x07.py": "x = '\x1b[2J'\n"})
        assert "\x1b" not in output and "\x07" not in output
        assert output.startswith("evil?]0;pwned?.py:1:1: NN001 bad token '?[2J'\n")


def test_concise_is_one_line_per_finding():
    output = render("concise", [VIEW, CLAMP, SYNTAX])

    assert output.splitlines() == [
        f"{TRAIN}:6:9: NN101 {VIEW.message}",
        f"{TRAIN}:8:8: NN205 the loss is clamped: outliers are silently ignored",
        "broken.py:1:7: NN001 syntax error: expected ':'     def f(           ^",
    ]


def test_concise_colours_only_when_asked():
    assert "\x1b" not in render("concise", [VIEW], color=False)
    colored = render("concise", [VIEW], color=True)
    assert "\x1b[" in colored
    assert ANSI.sub("", colored) == render("concise", [VIEW])


def test_statistics_counts_each_rule_most_frequent_first():
    diagnostics = [VIEW, CLAMP, CLAMP, SYNTAX, CLAMP, VIEW]
    stream = io.StringIO()

    write_statistics(diagnostics, stream, rules=RULES)

    assert stream.getvalue() == (
        "3  NN205  [*] loss-clamped\n"
        "2  NN101      view-as-permute\n"
        "1  NN001      syntax-error\n"
    )


def test_statistics_without_findings_prints_nothing_and_colours_only_when_asked():
    empty = io.StringIO()
    write_statistics([], empty, rules=RULES)
    assert empty.getvalue() == ""

    plain, colored = io.StringIO(), io.StringIO()
    write_statistics([VIEW], plain, rules=RULES)
    write_statistics([VIEW], colored, rules=RULES, color=True)
    assert "\x1b" not in plain.getvalue()
    assert ANSI.sub("", colored.getvalue()) == plain.getvalue() == "1  NN101  view-as-permute\n"


@given(
    line=st.text(alphabet="ab \t", min_size=1, max_size=60),
    data=st.data(),
)
def test_full_caret_matches_tab_expansion_for_any_line(line, data):
    start = data.draw(st.integers(min_value=1, max_value=len(line)))
    end = data.draw(st.integers(min_value=start, max_value=len(line) + 1))
    flagged = Diagnostic("NN101", "view-as-permute", "m", "p.py", Location(1, start), Location(1, end))

    output = render("full", [flagged], {"p.py": line + "\n"})

    # str.expandtabs is an independent oracle for where each character lands (tab stops every 4 cells).
    expanded = line.expandtabs(4)
    assert source_line(output, 1) == f"1 | {expanded}"
    gutter = len("1 | ")
    first = len(line[: start - 1].expandtabs(4))
    last = len(line[: end - 1].expandtabs(4))
    assert caret_columns(output) == (gutter + first, gutter + max(last, first + 1))
