"""A run answered from the cache starts like a small script: no libcst, no rich, no rule module loaded.

(How fast that is, against Ruff, is measured in bench/static.py, not asserted here.)
"""

from __future__ import annotations

import json
import subprocess
import sys

from nnlint import rules
from tests.conftest import VIEW_BUG

PROBE = """
import atexit, json, sys
from nnlint.cli import main
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
main(sys.argv[1:])
"""


def _modules_loaded(tmp_path, *args) -> tuple[int, set[str]]:
    completed = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
                               timeout=300)
    return completed.returncode, set(json.loads(completed.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in ("libcst", "rich")
                  or (m.startswith("nnlint.rules.") and m != "nnlint.rules.engine_codes")
                  or m.startswith("nnlint.facts"))


def test_a_warm_run_loads_no_parser_no_rich_and_no_rule(write, tmp_path):
    write("model.py", VIEW_BUG)
    write("clean.py", "import torch\n\nx = torch.zeros(2)\n")
    args = (".", "--select", "ALL")
    code, cold = _modules_loaded(tmp_path, *args)
    assert code == 1 and "libcst" in cold  # the first run parses
    for output_format in ("full", "concise", "json", "sarif"):
        code, warm = _modules_loaded(tmp_path, *args, "--output-format", output_format)
        assert code == 1
        assert _heavy(warm) == [], output_format
        assert "nnlint.project.index" not in warm  # no finding used another module's summary: no index built


def test_the_catalogue_kept_for_startup_matches_the_rules(monkeypatch):
    from_rules = [rule.info() for rule in rules.static_rules()]
    assert rules._static_infos() == from_rules
    key = rules._sources_key()
    snapshot = next(p for p in (rules.Path(rules.__path__[0]) / "__pycache__").glob(f"catalogue-{key}.json"))
    snapshot.write_text("{ damaged")
    assert rules._static_infos() == from_rules  # a damaged snapshot is rebuilt, never trusted
    assert json.loads(snapshot.read_text())[0]["code"] == from_rules[0].code
