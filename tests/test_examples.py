"""The bundled examples/ project trips every static rule, and its training script really runs."""

from __future__ import annotations

import json
from pathlib import Path

from nnlint.rules import static_rules
from nnlint.rules.engine_codes import UNUSED_NOQA

REPO = Path(__file__).parent.parent


def test_examples_trip_every_static_rule(nnlint):
    result = nnlint("examples/", "--select", "ALL", "--output-format", "json", "--no-cache", cwd=REPO)
    assert result.code == 1
    found = {item["code"] for item in json.loads(result.stdout)}
    # every rule that reads code, and NN003, which reads its `# noqa` comments
    assert found == {rule.code for rule in static_rules()} | {UNUSED_NOQA.code}


def test_examples_with_default_rules_exit_one_and_name_the_headline_bugs(nnlint):
    result = nnlint("examples/", "--output-format", "concise", "--no-cache", cwd=REPO)
    assert result.code == 1
    for code, line in [("NN101", "train.py:49"), ("NN205", "train.py:70"), ("NN401", "train.py:34"),
                       ("NN501", "train.py:65")]:
        assert f"examples/{line}:" in result.stdout and code in result.stdout
