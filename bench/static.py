"""Static-mode speed on a real corpus, as ratios against peers run on the same files in the same run.

    python bench/static.py [CORPUS_DIR]        (default: the installed torch package's sources)

Peers: parsing every file with libcst alone (the floor for any libcst-based linter, one core), Python's
`ast.parse` (one core), and Ruff with all its rules when `ruff` is installed (Rust, all cores).
nnlint runs as users run it: the CLI, all cores, cold (`--no-cache`) and warm (cache filled).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst


def corpus_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1]).resolve()
    import torch

    return Path(torch.__file__).parent


def python_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*.py") if "__pycache__" not in path.parts]


def timed(label: str, action) -> float:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed:8.2f} s")
    return elapsed


def parse_all(sources: list[str], parse) -> None:
    for source in sources:
        try:
            parse(source)
        except Exception:  # noqa: BLE001 - a peer's failure on one file is not ours to report
            pass


def run_cli(command: list[str], cwd: str) -> None:
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main() -> None:
    root = corpus_dir()
    files = python_files(root)
    sources = [path.read_text(encoding="utf-8", errors="replace") for path in files]
    size = sum(map(len, sources)) / 1e6
    print(f"corpus: {root}\n  {len(files)} files, {size:.1f} MB, {os.cpu_count()} cores\n")

    workdir = tempfile.mkdtemp(prefix="nnlint-bench-")  # the cache lives here, not in the corpus
    nnlint = [sys.executable, "-m", "nnlint", str(root), "--select", "ALL", "--exit-zero", "-q",
              "--output-format", "concise"]
    results = {
        "libcst parse only (1 core)": timed("libcst.parse_module, every file, 1 core", lambda: parse_all(sources, libcst.parse_module)),
        "ast.parse (1 core)": timed("ast.parse, every file, 1 core", lambda: parse_all(sources, ast.parse)),
        "nnlint cold": timed("nnlint --select ALL --no-cache (all cores)", lambda: run_cli([*nnlint, "--no-cache"], workdir)),
    }
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


if __name__ == "__main__":
    main()
