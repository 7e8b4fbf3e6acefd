"""A plain `pip install` (a wheel, not this checkout) carries the rule pages: `nnlint rule` works from it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_wheel_ships_every_rule_page_and_nnlint_rule_reads_it(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True, capture_output=True, timeout=600,
    )
    [wheel] = (tmp_path / "dist").glob("nnlint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    pages = sorted(path.name for path in (REPO / "rules").glob("NN*.md"))
    assert sorted(Path(name).name for name in names if name.startswith("nnlint/_pages/")) == pages

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import nnlint; print(nnlint.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(site))  # the wheel's copy, not this checkout
    page = subprocess.run([sys.executable, "-m", "nnlint", "rule", "NN205"],
                          env=env, cwd=tmp_path, capture_output=True, text=True)
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("# NN205 loss-clamped")
