"""Static-mode speed on a real corpus, as ratios against peers run on the same files in the same run.

    python bench/static.py [CORPUS_DIR ...] [--baseline CHECKOUT]
                              (default corpus: the installed torch package's sources)

Peers: parsing every file with libcst alone (the floor for any libcst-based linter, one core), Python's
`ast.parse` (one core), and Ruff with all its rules when `ruff` is installed (Rust, all cores).
nnlint runs as users run it: the CLI, all cores, cold (`--no-cache`) and warm (cache filled).
`--baseline CHECKOUT` also runs another nnlint source tree (e.g. a worktree of the previous release) cold on
the same files, to measure what a change costs; CLI rows also show CPU seconds (user + system, all
processes), steadier than wall time on a busy machine.
"""

from __future__ import annotations

import ast
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst


def arguments() -> tuple[list[Path], Path | None]:
    args, baseline = sys.argv[1:], None
    if "--baseline" in args:
        at = args.index("--baseline")
        baseline = Path(args[at + 1]).resolve()
        del args[at : at + 2]
    if args:
        return [Path(arg).resolve() for arg in args], baseline
    import torch

    return [Path(torch.__file__).parent], baseline


def python_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*.py") if "__pycache__" not in path.parts]


def timed(label: str, action) -> float:
    start, cpu_start = time.perf_counter(), _children_cpu()
    action()
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu_start
    cpu_note = f"   ({cpu:.1f} s CPU)" if cpu > 0.05 else ""
    print(f"  {label:<44} {elapsed:8.2f} s{cpu_note}")
    return elapsed


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse_all(sources: list[str], parse) -> None:
    for source in sources:
        try:
            parse(source)
        except Exception:  # noqa: BLE001 - a peer's failure on one file is not ours to report
            pass


def run_cli(command: list[str], cwd: str, source_tree: Path | None = None) -> None:
    env = None
    if source_tree is not None:  # run that checkout's nnlint instead of the installed one
        env = {**os.environ, "PYTHONPATH": str(source_tree)}
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)


def main() -> None:
    roots, baseline = arguments()
    files = [path for root in roots for path in python_files(root)]
    sources = [path.read_text(encoding="utf-8", errors="replace") for path in files]
    size = sum(map(len, sources)) / 1e6
    print(f"corpus: {' '.join(map(str, roots))}\n  {len(files)} files, {size:.1f} MB, {os.cpu_count()} cores\n")

    workdir = tempfile.mkdtemp(prefix="nnlint-bench-")  # the cache lives here, not in the corpus
    nnlint = [sys.executable, "-m", "nnlint", *map(str, roots), "--select", "ALL", "--exit-zero", "-q",
              "--output-format", "concise"]
    results = {
        "libcst parse only (1 core)": timed("libcst.parse_module, every file, 1 core", lambda: parse_all(sources, libcst.parse_module)),
        "ast.parse (1 core)": timed("ast.parse, every file, 1 core", lambda: parse_all(sources, ast.parse)),
        "nnlint cold": timed("nnlint --select ALL --no-cache (all cores)", lambda: run_cli([*nnlint, "--no-cache"], workdir)),
    }
    if baseline is not None:
        results["baseline cold"] = timed(
            "baseline nnlint --no-cache (all cores)", lambda: run_cli([*nnlint, "--no-cache"], workdir, baseline)
        )
    run_cli(nnlint, workdir)  # fill the cache
    results["nnlint warm"] = timed("nnlint --select ALL, cache filled", lambda: run_cli(nnlint, workdir))
    if shutil.which("ruff"):
        ruff = ["ruff", "check", str(root), "--select", "ALL", "--no-cache", "--exit-zero", "--quiet"]
        results["ruff"] = timed("ruff check --select ALL --no-cache (all cores)", lambda: run_cli(ruff, workdir))
    shutil.rmtree(workdir, ignore_errors=True)

    cold, warm = results["nnlint cold"], results["nnlint warm"]
    print("\nratios (lower is better for nnlint):")
    print(f"  nnlint cold / libcst parse only        {cold / results['libcst parse only (1 core)']:6.2f}x")
    print(f"  nnlint cold / ast.parse                {cold / results['ast.parse (1 core)']:6.2f}x")
    print(f"  nnlint warm / nnlint cold              {warm / cold:6.2f}x")
    if "ruff" in results:
        print(f"  nnlint cold / ruff                     {cold / results['ruff']:6.2f}x")
    if "baseline cold" in results:
        print(f"  nnlint cold / baseline cold            {cold / results['baseline cold']:6.2f}x")


if __name__ == "__main__":
    main()
