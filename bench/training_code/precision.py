"""Default-on precision on public training code: lint the repositories of manifest.json, compare with the review.

    python bench/training_code/precision.py FOLDER

FOLDER holds one directory per repository, named `owner+name` (e.g. `pytorch+examples`), with the files of the
commit in manifest.json. Every static rule runs; each default-on finding is looked up in review.csv (the
verdict given by reading the code). Prints, per code, the findings, how many were reviewed right, and the
findings that are not in the review yet (a new finding must be judged before the figures are quoted).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from nnlint.engine import Selection, lint_bytes
from nnlint.rules import catalogue, static_rules

HERE = Path(__file__).parent


def main(folder: Path) -> int:
    review = {}
    with open(HERE / "review.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            review[(row["path"], row["code"], int(row["line"]))] = row["verdict"]
    selection = Selection(frozenset(rule.code for rule in static_rules()))
    found: Counter[str] = Counter()
    right: Counter[str] = Counter()
    unreviewed = []
    for path in sorted(folder.rglob("*.py")):
        name = path.relative_to(folder).as_posix()
        for diagnostic in lint_bytes(name, path.read_bytes(), selection):
            code = diagnostic.code
            found[code] += 1
            verdict = review.get((name, code, diagnostic.location.row))
            if verdict is None and catalogue()[code].default_enabled:
                unreviewed.append(f"{name}:{diagnostic.location.row} {code}")
            right[code] += verdict == "true"
    print(f"{'code':6} {'default':8} {'findings':>8} {'right':>6}")
    for code in sorted(found):
        default = "on" if catalogue()[code].default_enabled else "off"
        print(f"{code:6} {default:8} {found[code]:>8} {right[code]:>6}")
    on = [code for code in found if catalogue()[code].default_enabled]
    total, good = sum(found[c] for c in on), sum(right[c] for c in on)
    print(f"default-on: {good}/{total} right ({100 * good / max(total, 1):.1f}%)")
    for line in unreviewed:
        print("not reviewed:", line)
    return 1 if unreviewed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
