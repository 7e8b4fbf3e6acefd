"""What `nnlint run --report` costs: the same training script run three ways, interleaved, best of N.

    python bench/report.py [--script examples/train.py] [--max-steps 20] [--rounds 3]

1. `nnlint run SCRIPT --max-steps N --no-overfit-check`: the watchers alone (the run before this feature);
2. `nnlint run SCRIPT --max-steps N`: today's default, the overfit-one-batch check included;
3. `nnlint run SCRIPT --max-steps N --report FILE`: plus the dynamics per step, the planned schedule and the
   charts and page.

Each run is a fresh process (Python start-up and `import torch` included, as a user pays them). Times are the
CPU seconds of the child process (user + system, all threads; neighbours on a shared machine do not count)
and wall-clock seconds; the overfit check's own seconds and steps are read off the run's "checks cost" line.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one_run(extra: list[str], script: str, max_steps: int) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nnlint", "run", script, "--max-steps", str(max_steps),
                           "--exit-zero", *extra], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"nnlint run failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="examples/train.py")
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nnlint-bench-"))
    ways = {
        "watchers only (--no-overfit-check)": ["--no-overfit-check"],
        "default (overfit check included)": [],
        "--report (overfit check included)": ["--report", str(folder / "report.html")],
    }
    best: dict[str, tuple[float, float]] = {}
    overfit = ""
    for _ in range(args.rounds):
        for name, extra in ways.items():
            cpu, wall, stderr = one_run(extra, args.script, args.max_steps)
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], cpu), min(old[1], wall))
            match = re.search(r"overfit one batch ([\d.]+) s \((\d+) steps\)", stderr)
            if match and not overfit:
                overfit = f"{match.group(1)} s, {match.group(2)} steps"
    size = (folder / "report.html").stat().st_size
    base_cpu, base_wall = best["default (overfit check included)"]
    bare_cpu, bare_wall = best["watchers only (--no-overfit-check)"]
    print(f"{args.script} --max-steps {args.max_steps}, best of {args.rounds} interleaved rounds, "
          f"{os.cpu_count()} cores; overfit check in one run: {overfit}; report page {size / 1e6:.2f} MB\n")
    print("| run | CPU s | wall s | CPU / default | CPU / watchers only |")
    print("|---|---|---|---|---|")
    for name, (cpu, wall) in best.items():
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {cpu / base_cpu:.2f}x | {cpu / bare_cpu:.2f}x |")


if __name__ == "__main__":
    main()
