"""Every rule has a catalogue page, and every page's examples behave as the page says."""

from __future__ import annotations

import pytest

from nnlint.engine import Selection, lint_source
from nnlint.fix import fix_source
from nnlint.rules import catalogue, static_rules
from nnlint.rules.engine_codes import ENGINE_CODES
from tests.pages import PAGES, Example, all_examples, examples, page_codes

STATIC_CODES = sorted([rule.code for rule in static_rules()] + [info.code for info in ENGINE_CODES])


def test_every_code_has_a_page_and_every_page_a_code():
    assert set(page_codes()) == set(catalogue())


@pytest.mark.parametrize("code", page_codes())
def test_page_title_names_the_rule(code):
    first_line = (PAGES / f"{code}.md").read_text(encoding="utf-8").splitlines()[0]
    assert first_line == f"# {code} {catalogue()[code].name}"


@pytest.mark.parametrize("code", [code for code in STATIC_CODES if code != "NN002"])
def test_static_page_shows_a_flagged_example_and_a_clean_look_alike(code):
    kinds = [example.kind for example in examples(code)]
    assert "flagged" in kinds and "clean" in kinds


@pytest.mark.parametrize("code", sorted(rule.code for rule in static_rules()))
def test_static_page_shows_a_flagged_example_seen_in_the_wild(code):
    """Issue 8: every rule page gains an example shaped like the real code the bug was found in."""
    text = (PAGES / f"{code}.md").read_text(encoding="utf-8")
    assert "\n## Seen in the wild\n" in text, f"{code}: no `## Seen in the wild` section"
    section = text.split("\n## Seen in the wild\n", 1)[1].split("\n## ", 1)[0]
    assert "```python flagged\n" in section, f"{code}: `## Seen in the wild` shows no flagged example"


@pytest.mark.parametrize("example", [e for e in all_examples() if e.kind == "flagged"], ids=str)
def test_flagged_example_is_flagged_at_the_marked_lines(example):
    diagnostics = lint_source("example.py", example.source, Selection(frozenset(catalogue())))
    assert example.marked_rows(), "a flagged example marks its line with `# <- CODE`"
    assert [d.location.row for d in diagnostics if d.code == example.code] == example.marked_rows()


@pytest.mark.parametrize("example", [e for e in all_examples() if e.kind == "clean"], ids=str)
def test_clean_example_is_not_flagged(example):
    everything = Selection(frozenset(catalogue()))
    assert lint_source("example.py", example.source, everything) == []


@pytest.mark.parametrize("example", [e for e in all_examples() if e.kind == "fixed"], ids=str)
def test_fixed_example_is_what_the_fix_produces(example):
    flagged = next(e for e in examples(example.code) if e.kind == "flagged")
    # NN003 judges the `noqa` codes of the rules that run beside it
    selection = Selection(frozenset(catalogue()) if example.code == "NN003" else frozenset({example.code}))
    fixed, remaining, applied = fix_source("example.py", flagged.source, selection, frozenset({example.code}), True)
    assert applied >= 1
    assert Example(example.code, "fixed", fixed).without_markers() == example.source
    assert remaining == []
