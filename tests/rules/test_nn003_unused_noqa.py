"""NN003: a `# noqa` naming an nnlint rule that no longer fires on its line."""

from __future__ import annotations

import textwrap

import pytest

from nnlint.engine import Selection, lint_source
from nnlint.fix import fix_source
from nnlint.rules import catalogue

# NN003 with the rules it judges; NN503 (unseeded script) would fire on these training snippets
SELECTION = Selection(frozenset(catalogue()) - {"NN503"})

VIEW_LINE = "    return x.view(b, h, w, c)"  # NN101 fires here
RESHAPE_LINE = "    return x.reshape(b, c * h * w)"  # a look-alike that NN101 accepts


def _source(line: str) -> str:
    return f"import torch\n\n\ndef forward(x):\n    b, c, h, w = x.shape\n{line}\n"


def _unused(source: str, selection: Selection = SELECTION) -> list[tuple[int, int, str]]:
    return [(d.location.row, d.location.column, d.message) for d in lint_source("t.py", source, selection)
            if d.code == "NN003"]


def _fixed(source: str) -> str:
    text, remaining, _ = fix_source("t.py", source, SELECTION, frozenset({"NN003"}), False)
    assert [d for d in remaining if d.code == "NN003"] == []
    return text


@pytest.mark.parametrize(
    "comment",
    ["  # noqa: NN101", "  # noqa: E501, NN101", "  # NOQA:NN101", "  # type: ignore  # noqa: NN101,NN205"],
)
def test_a_noqa_code_whose_rule_does_not_fire_is_flagged(comment):
    line = RESHAPE_LINE + comment
    [(row, column, message)] = _unused(_source(line))
    assert (row, column) == (6, line.lower().index("# noqa") + 1)  # at the directive
    assert message.startswith("unused `noqa`: `NN101`")
    assert ("`NN205`" in message) == ("NN205" in comment)  # NN205 does not fire here either


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa: NN101",  # in use: NN101 fires on this line
        "  # noqa",  # bare: may silence other tools
        "  # noqa: E501",  # another tool's code
        "  # noqa: NN101, E501",
    ],
)
def test_a_noqa_in_use_or_not_ours_is_clean(comment):
    assert _unused(_source(VIEW_LINE + comment)) == []
    if comment in ("  # noqa", "  # noqa: E501"):
        assert _unused(_source(RESHAPE_LINE + comment)) == []


def test_a_code_on_any_line_of_a_multi_line_statement_counts_as_used():
    source = textwrap.dedent("""
        import torch
        import torch.nn.functional as F


        def step(model, x, y):
            loss = torch.clamp(
                F.cross_entropy(model(x), y),
                max=5.0,
            )  # noqa: NN205
    """).lstrip("\n")
    assert _unused(source) == []


def test_rules_that_did_not_run_are_not_judged():
    source = _source(RESHAPE_LINE + "  # noqa: NN101")
    assert _unused(source, Selection(frozenset({"NN003", "NN205"}))) == []  # NN101 not selected
    assert _unused(source, Selection(frozenset({"NN101"}))) == []  # NN003 off (its default)


def test_a_file_that_does_not_parse_is_not_judged():
    source = _source(RESHAPE_LINE + "  # noqa: NN101") + "x = (\n"
    assert [d.code for d in lint_source("t.py", source, SELECTION)] == ["NN001"]


def test_nn003_itself_can_be_silenced():
    assert _unused(_source(RESHAPE_LINE + "  # noqa: NN101, NN003")) == []


@pytest.mark.parametrize(
    ("comment", "after"),
    [
        ("  # noqa: NN101", ""),  # the whole comment, and the blanks before it
        ("  # noqa: E501, NN101", "  # noqa: E501"),
        ("  # noqa: NN101, NN205, E501", "  # noqa: E501"),
        ("  # noqa: NN101 kept for the paper", "  # kept for the paper"),
        ("  # type: ignore  # noqa: NN101", "  # type: ignore"),
    ],
)
def test_fix_removes_the_stale_codes_or_the_whole_comment(comment, after):
    assert _fixed(_source(RESHAPE_LINE + comment)) == _source(RESHAPE_LINE + after)


def test_fix_removes_a_noqa_on_a_line_of_its_own():
    source = "import torch\n\n# noqa: NN101\nx = torch.zeros(2)\n"
    assert _fixed(source) == "import torch\n\n\nx = torch.zeros(2)\n"


def test_cli_reports_it_only_when_selected(nnlint, write):
    write("model.py", _source(RESHAPE_LINE + "  # noqa: NN101"))
    assert nnlint("model.py").code == 0  # off by default
    result = nnlint("model.py", "--extend-select", "NN003", "--output-format", "concise")
    assert result.code == 1
    assert result.stdout.startswith("model.py:6:37: NN003 unused `noqa`: `NN101` does not fire on this line")
    fixed = nnlint("model.py", "--extend-select", "NN003", "--fix")
    assert fixed.code == 0
    assert "Fixed 1; all checks passed!" in fixed.stdout
