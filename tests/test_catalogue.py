"""The catalogue users see: every code of the design's table, listed by `nnlint rules` and in the docs."""

from __future__ import annotations

from pathlib import Path

from nnlint.rules import catalogue

REPO = Path(__file__).parent.parent

CATALOGUE = (
    ["NN001", "NN002", "NN003", "NN101", "NN102", "NN103"]
    + [f"NN20{i}" for i in range(1, 7)]
    + [f"NN30{i}" for i in range(1, 7)]
    + ["NN401", "NN402", "NN403", "NN501", "NN502", "NN503", "NN504", "NN601", "NN602", "NN603"]
    + ["NN701", "NN702", "NN703"]
    + [f"NN90{i}" for i in range(1, 10)]
    + ["NN910", "NN911", "NN912", "NN913"]
    + ["NN207", "NN208", "NN209", "NN210", "NN307", "NN308", "NN404", "NN505", "NN604", "NN605"]
)


def test_every_code_of_the_catalogue_exists():
    assert sorted(catalogue()) == sorted(CATALOGUE)


def test_names_are_unique_kebab_case():
    names = [info.name for info in catalogue().values()]
    assert len(set(names)) == len(names)
    assert all(name == name.lower() and " " not in name and "_" not in name for name in names)


def test_the_docs_rule_index_is_the_current_catalogue(nnlint):
    """docs/rules.md is `nnlint rules --output-format markdown`; regenerate it when a rule changes."""
    index = (REPO / "docs/rules.md").read_text(encoding="utf-8")
    assert index == nnlint("rules", "--output-format", "markdown").stdout
    for code in catalogue():
        assert f"[{code}](../rules/{code}.md)" in index
