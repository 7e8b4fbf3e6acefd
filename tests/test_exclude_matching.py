"""Discovery asks its exclude patterns one combined question per path: the answers are pathspec's own."""

from __future__ import annotations

import pathspec
import pytest

from nnlint.config import DEFAULT_EXCLUDE
from nnlint.discovery import _spec

PATTERN_SETS = [
    list(DEFAULT_EXCLUDE),
    [],
    ["*.py"],
    ["/top.py", "data/", "foo/**/bar", "*.egg-info", "docs/*.py"],
    ["build/", "!build/keep.py", "*.log"],  # a negation: pathspec's own ranking decides
    ["# a comment", "", "generated_*.py", "\\#literal.py"],
    # names at any depth share one branch of the expression; the others stay whole beside them
    ["build", "*.egg-info", "/top.py", "docs/", "a|b.py", "[ab]c.py", "**/deep", "x?y", "data/*.py", "env"],
]
PATHS = [
    "train.py", "top.py", "src/top.py", "data/", "data/x.py", "src/data/x.py", "foo/a/b/bar", "foo/bar/",
    ".git/", "a/.git/", "build/", "build/keep.py", "build/other.py", "x/build/y.py", "pkg.egg-info/",
    "venv/lib/site.py", "site-packages/torch/nn.py", "docs/conf.py", "docs/api/conf.py", "run.log",
    "generated_model.py", "#literal.py", "./build/x.py", "/abs/.venv/x.py", "__pycache__/", "env",
    "a|b.py", "q/a|b.py", "a", "b.py", "ac.py", "q/bc.py", "cc.py", "deep", "z/deep/f.py", "xzy", "d/xzy/e.py",
    "x/y", "envy.py", "my_env/x.py", "q/env/", "q/env", "topx.py",
]


@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=lambda p: ",".join(p)[:40] or "none")
def test_combined_expression_answers_as_pathspec(patterns):
    reference = pathspec.GitIgnoreSpec.from_lines(patterns)
    combined = _spec(patterns)
    assert [combined.match_file(path) for path in PATHS] == [reference.match_file(path) for path in PATHS]


def test_default_excludes_take_the_combined_path_and_negations_do_not():
    assert _spec(list(DEFAULT_EXCLUDE))._any is not None
    assert _spec(["build/", "!build/keep.py"])._any is None
