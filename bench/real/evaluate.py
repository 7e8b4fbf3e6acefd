"""Measure nnlint on real bugs: recall on the buggy files, false alarms on their fixed twins.

    python bench/real/evaluate.py DEST [--manifest FILE] [--details]

DEST is the folder bench/real/fetch.py wrote. nnlint runs with `--select ALL --output-format json` once per
bug and side, from that side's folder (the repository root, as a user runs it: a tutorial in a sub-folder
that imports the repository's own package by its absolute name sees that package), over the side's files.
A bug counts as caught when its buggy files get more findings of the
expected code than its fixed twin does (a finding the fix made disappear); a finding of the expected code
on a twin is a false alarm. Other codes on the twins are listed apart: they may be true findings that the
fix did not touch. Prints recall per code, per family and overall, then the twins' findings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYNTAX_ERROR = "NN001"


@dataclass
class Outcome:
    bug: dict
    buggy: list[dict] = field(default_factory=list)  # findings on the buggy files
    fixed: list[dict] = field(default_factory=list)  # findings on the fixed twin

    def count(self, side: list[dict]) -> int:
        return sum(finding["code"] == self.bug["code"] for finding in side)

    @property
    def unparseable(self) -> bool:
        return any(finding["code"] == SYNTAX_ERROR for finding in self.buggy)

    @property
    def caught(self) -> bool:
        return self.count(self.buggy) > self.count(self.fixed)

    @property
    def twin_alarms(self) -> list[dict]:
        return [finding for finding in self.fixed if finding["code"] == self.bug["code"]]

    @property
    def twin_others(self) -> list[dict]:
        return [finding for finding in self.fixed if finding["code"] != self.bug["code"]]


def bug_files(bug: dict, dest: Path, side: str) -> list[Path]:
    return [dest / bug["id"] / side / path for path in (bug["path"], *bug.get("context", []))]


def run_nnlint(files: list[Path], root: Path) -> list[dict]:
    command = [
        sys.executable, "-m", "nnlint", "check", "--select", "ALL", "--output-format", "json",
        "--no-cache", "--exit-zero", "--quiet", *(str(f.relative_to(root)) for f in files),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
    if result.returncode != 0:
        raise SystemExit(f"nnlint failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout or "[]")


def evaluate(bugs: list[dict], dest: Path) -> list[Outcome]:
    missing = [bug["id"] for bug in bugs if not all(p.exists() for p in bug_files(bug, dest, "buggy"))]
    if missing:
        raise SystemExit(f"not fetched into {dest}: {', '.join(missing)} (run bench/real/fetch.py first)")
    outcomes = [Outcome(bug) for bug in bugs]
    runs = []
    for outcome in outcomes:
        for side in ("buggy", "fixed"):
            files = [path for path in bug_files(outcome.bug, dest, side) if path.exists()]
            if files:
                runs.append((outcome, side, files, dest / outcome.bug["id"] / side))
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        results = pool.map(lambda run: run_nnlint(run[2], run[3]), runs)
        for (outcome, side, _, _), findings in zip(runs, results):
            (outcome.buggy if side == "buggy" else outcome.fixed).extend(findings)
    return outcomes


def recall_rows(outcomes: list[Outcome], key: str) -> list[tuple[str, int, int]]:
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for outcome in outcomes:
        total[outcome.bug[key]] += 1
        caught[outcome.bug[key]] += outcome.caught
    return [(name, caught[name], total[name]) for name in sorted(total)]


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def table(title: str, rows: list[tuple[str, int, int]]) -> list[str]:
    lines = [f"| {title} | caught | bugs | recall |", "|---|---|---|---|"]
    lines += [f"| {name} | {hit} | {n} | {percent(hit, n)} |" for name, hit, n in rows]
    return lines


def report(everything: list[Outcome], details: bool) -> str:
    outcomes = [outcome for outcome in everything if not outcome.unparseable]
    skipped = [outcome.bug["id"] for outcome in everything if outcome.unparseable]
    caught = sum(outcome.caught for outcome in outcomes)
    alarms = [outcome for outcome in outcomes if outcome.twin_alarms]
    lines = [
        f"Overall recall: {caught}/{len(outcomes)} ({percent(caught, len(outcomes))}); "
        f"twins with a false alarm of the expected code: {len(alarms)}/{len(outcomes)}",
        *([f"Left out, buggy file does not parse: {', '.join(skipped)}"] if skipped else []),
        "",
        *table("code", recall_rows(outcomes, "code")),
        "",
        *table("family", recall_rows(outcomes, "family")),
        "",
        "| bug | code | family | caught | buggy findings of the code | twin findings of the code |",
        "|---|---|---|---|---|---|",
    ]
    for outcome in everything:
        bug = outcome.bug
        if outcome.unparseable:
            lines.append(f"| {bug['id']} | {bug['code']} | {bug['family']} | does not parse | - | - |")
            continue
        lines.append(
            f"| {bug['id']} | {bug['code']} | {bug['family']} | {'yes' if outcome.caught else 'no'} "
            f"| {outcome.count(outcome.buggy)} | {outcome.count(outcome.fixed)} |"
        )
    others = Counter(finding["code"] for outcome in outcomes for finding in outcome.twin_others)
    lines += ["", "Other codes on the clean twins (not the bug's code; may be true findings the fix left alone): "
              + (", ".join(f"{code} x{n}" for code, n in sorted(others.items())) or "none")]  # fmt: skip
    if details:
        lines += ["", "Findings on the twins:"]
        for outcome in outcomes:
            for finding in outcome.fixed:
                row = finding["location"]["row"]
                lines.append(f"- {outcome.bug['id']}: {finding['code']} line {row}: {finding['message']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="the folder bench/real/fetch.py wrote")
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.toml")
    parser.add_argument("--details", action="store_true", help="also list every finding on the twins")
    parser.add_argument("--json", type=Path, help="also write every finding per bug to this file")
    args = parser.parse_args(argv)
    with args.manifest.open("rb") as handle:
        bugs = tomllib.load(handle)["bug"]
    outcomes = evaluate(bugs, args.dest)
    print(report(outcomes, args.details))
    if args.json:
        dump = {o.bug["id"]: {"caught": o.caught, "buggy": o.buggy, "fixed": o.fixed} for o in outcomes}
        args.json.write_text(json.dumps(dump, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
