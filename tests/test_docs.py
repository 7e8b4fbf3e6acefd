"""The documentation cannot drift from the code: the configuration reference against the config schema, the
README's usage links, the docs site's set-up pages. (`mkdocs build --strict`, with its link check, runs in
.ci/run with the `docs` extra.)"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from nnlint.config import _KEYS, Settings
from nnlint.report import FORMATS

REPO = Path(__file__).parent.parent
ROW = re.compile(r"^\| (?P<keys>`[^|]+`) \| (?P<type>[^|]+) \| (?P<meaning>[^|]+) \|$", re.MULTILINE)
TYPE_WORDS = {"codes": "list", "strings": "list", "bool": "bool", "format": "string", "per-file": "table"}


def _reference_rows() -> dict[str, tuple[str, str]]:
    text = (REPO / "docs/configuration.md").read_text(encoding="utf-8")
    rows = {}
    for match in ROW.finditer(text):
        for key in re.findall(r"`([a-z-]+)`", match.group("keys")):
            rows[key] = (match.group("type"), match.group("meaning"))
    return rows


def test_configuration_reference_lists_exactly_the_keys_the_schema_accepts():
    assert set(_reference_rows()) == set(_KEYS)


def test_configuration_reference_gives_each_keys_type():
    rows = _reference_rows()
    for key, kind in _KEYS.items():
        assert TYPE_WORDS[kind] in rows[key][0], f"`{key}` is {kind} in nnlint/config.py"


def test_configuration_reference_names_every_output_format_and_the_default():
    meaning = _reference_rows()["output-format"][0] + _reference_rows()["output-format"][1]
    assert re.findall(r"`([a-z-]+)`", meaning) == list(FORMATS)
    assert Settings().output_format == "full"


def test_readme_usage_links_the_set_up_and_adoption_pages():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    usage = readme.split("## Usage", 1)[1].split("\n## ", 1)[0]
    for page in ("pre-commit.md", "github-actions.md", "gitlab.md", "notebooks.md", "adoption.md"):
        assert f"(docs/{page})" in usage
        assert (REPO / "docs" / page).is_file()


def test_docs_site_nav_has_the_set_up_pages():
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    pages = set(re.findall(r"'([\w-]+\.md)'", repr(nav)))
    assert {"pre-commit.md", "github-actions.md", "gitlab.md", "editors.md", "notebooks.md", "adoption.md"} <= pages
    assert all((REPO / "docs" / page).is_file() for page in pages)
