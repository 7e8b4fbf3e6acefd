"""Static-mode speed and memory against peers, all run on the same files in the same run.

    python bench/static.py [CORPUS_DIR] [--tree-files 2000] [--big-functions 30000] [--repeat 3]

Default corpus: torchvision's `models/` package (61 files), taken from the torchvision 0.29.1 wheel that
the real-code tests download into `.real_code_cache/` (pip downloads it here if missing).

Rows (each the median of --repeat runs; peak memory is the largest resident set of the command and the
worker processes it waited for, from wait4):
  nnlint cold      `nnlint --select ALL --no-cache`, all cores
  nnlint warm      the same with the cache filled and nothing changed
  nnlint one edit  a tree of --tree-files files (one real module among copies of small ones), cache filled,
                   that module edited
  ... daemon running  the same with `nnlint daemon start` run first (the run is handed to a fork of it)
  nnlint 2 MB file one generated file of --big-functions small functions, --no-cache
  Ruff             `ruff check --select ALL --no-cache` (Rust, all cores), when installed
  Fixit            `fixit lint` with its default rules (libcst, all cores), when installed
  TorchFix         `torchfix --select ALL` (libcst, all cores), when installed
  flake8 + nnlint  `flake8 --select NN` through nnlint's flake8 plugin, when installed

Ratios read "peer time / nnlint time": above 1 nnlint is faster. The lines under the table compare each
nnlint run with the target it has (warm against Ruff's cold run; cold against Fixit and TorchFix).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WHEEL_CACHE = REPO / ".real_code_cache"
TORCHVISION = "0.29.1"
WHEEL = f"torchvision-{TORCHVISION}-cp311-cp311-manylinux_2_28_x86_64.whl"
BIN = Path(sys.executable).parent


@dataclass
class Measure:
    label: str
    seconds: float  # wall clock
    cpu: float  # user + system seconds of the command and its workers: steadier on a busy machine
    peak_mb: float


def run_once(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident memory (MB) of one command, waited-for children included."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped by wait4
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(label: str, command: list[str], cwd: Path, repeat: int, before=None, run=run_once) -> Measure:
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(run(command, cwd))
    row = Measure(label, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                  max(r[2] for r in runs))
    print(f"  {label:<44} {row.seconds:7.2f} s wall {row.cpu:7.2f} s CPU {row.peak_mb:6.0f} MB", flush=True)
    return row


def tool(name: str) -> str | None:
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name)


def default_corpus(workdir: Path) -> Path:
    wheel = WHEEL_CACHE / WHEEL
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform",
             "manylinux_2_28_x86_64", "--python-version", "3.11", f"torchvision=={TORCHVISION}",
             "-d", str(WHEEL_CACHE)],
            check=True, capture_output=True,
        )
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("torchvision/models/") and name.endswith(".py"):
                archive.extract(name, workdir / "corpus")
    return workdir / "corpus" / "torchvision" / "models"


def python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def edit_tree(corpus: Path, target: Path, files: int) -> Path:
    """A tree of `files` files: one real module of the corpus (its median size), the one to edit, among
    copies of the corpus's 20 smallest files. Filling its cache costs little; a warm run still discovers,
    stats and looks up every file, and the edit makes it load the parser and the rules for one real file."""
    sources = sorted(python_files(corpus), key=lambda path: path.stat().st_size)
    small, edited = sources[:20], sources[len(sources) // 2]
    for index in range(files - 1):
        source = small[index % len(small)]
        destination = target / f"package{index // 100}" / f"module{index}_{source.name}"
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    shutil.copyfile(edited, target / edited.name)
    return target / edited.name


def big_file(path: Path, functions: int) -> Path:
    parts = ["import torch\nimport torch.nn.functional as F\n\n"]
    parts += [f"def f{i}(x):\n    y = torch.relu(x)\n    return y.view(y.size(0), -1)\n\n" for i in range(functions)]
    path.write_text("".join(parts), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path)
    parser.add_argument("--tree-files", type=int, default=2000)
    parser.add_argument("--big-functions", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    os.environ["NNLINT_NO_DAEMON"] = "1"  # every row but the daemon's runs in-process, whatever runs here
    workdir = Path(tempfile.mkdtemp(prefix="nnlint-bench-"))  # caches live here, never in the corpus
    try:
        corpus = options.corpus.resolve() if options.corpus else default_corpus(workdir)
        files = python_files(corpus)
        size = sum(path.stat().st_size for path in files) / 1e6
        print(f"corpus: {corpus}\n  {len(files)} files, {size:.2f} MB, {os.cpu_count()} cores, "
              f"median of {options.repeat} runs\n")
        rows = run_all(corpus, workdir, options)
        print_table(rows, len(files))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_all(corpus: Path, workdir: Path, options) -> dict[str, Measure]:
    nnlint = [sys.executable, "-m", "nnlint", "--select", "ALL", "--exit-zero", "-q", "--output-format", "concise"]
    repeat = options.repeat
    rows: dict[str, Measure] = {}
    rows["cold"] = measure("nnlint cold", [*nnlint, str(corpus), "--no-cache"], workdir, repeat)
    run_once([*nnlint, str(corpus)], workdir)  # fill the cache
    rows["warm"] = measure("nnlint warm", [*nnlint, str(corpus)], workdir, repeat)

    peers = {
        "ruff": ("Ruff --select ALL", ["check", str(corpus), "--select", "ALL", "--no-cache", "--exit-zero", "-q"]),
        "fixit": ("Fixit (default rules)", ["lint", str(corpus)]),
        "torchfix": ("TorchFix --select ALL", [str(corpus), "--select", "ALL"]),
    }
    for name, (label, args) in peers.items():
        program = tool(name)
        if program is None:
            print(f"  ({name} not installed: row left out)")
            continue
        rows[name] = measure(label, [program, *args], workdir, repeat)
    flake8 = tool("flake8")
    if flake8 and "nnlint" in subprocess.run([flake8, "--version"], capture_output=True, text=True).stdout:
        rows["flake8"] = measure("flake8 + nnlint plugin", [flake8, "--select", "NN", str(corpus)], workdir, repeat)
    else:
        print("  (flake8 with nnlint's plugin not installed: row left out)")
    big = big_file(workdir / "big.py", options.big_functions)
    rows["big"] = measure(f"nnlint {big.stat().st_size / 1e6:.1f} MB file ({options.big_functions} functions)",
                          [*nnlint, str(big), "--no-cache"], workdir, 1)
    edited = edit_tree(corpus, workdir / "tree", options.tree_files)
    run_once([*nnlint, "tree"], workdir)  # fill the cache

    def edit() -> None:
        with edited.open("a", encoding="utf-8") as stream:
            stream.write(f"x_{time.perf_counter_ns()} = 1\n")

    rows["edit"] = measure(f"nnlint one edit in {options.tree_files} files", [*nnlint, "tree"], workdir, repeat,
                           before=edit)
    rows["edit_daemon"] = measure_with_daemon(f"nnlint one edit in {options.tree_files} files, daemon running",
                                              [*nnlint, "tree"], workdir, repeat, before=edit)
    return rows


def measure_with_daemon(label: str, command: list[str], cwd: Path, repeat: int, before) -> Measure:
    """The same command with `nnlint daemon start` run first (in a runtime folder of this run's own). The
    CPU column adds the forks' CPU, which the daemon's counters gain when it reaps them, to the caller's;
    peak memory is the caller's."""
    env = {**os.environ, "XDG_RUNTIME_DIR": str(cwd / "runtime")}
    env.pop("NNLINT_NO_DAEMON", None)
    daemon = [sys.executable, "-m", "nnlint", "daemon"]
    subprocess.run([*daemon, "start"], cwd=cwd, env=env, check=True, capture_output=True)
    pid = int(subprocess.run([*daemon, "status"], cwd=cwd, env=env, capture_output=True, text=True)
              .stdout.split("pid ")[1].split(",")[0])

    def through_daemon(command: list[str], cwd: Path) -> tuple[float, float, float]:
        forks_before = children_cpu(pid)
        wall, cpu, peak = run_once(command, cwd, env)
        return wall, cpu + children_cpu(pid) - forks_before, peak

    try:
        return measure(label, command, cwd, repeat, before=before, run=through_daemon)
    finally:
        subprocess.run([*daemon, "stop"], cwd=cwd, env=env, capture_output=True)


def children_cpu(pid: int) -> float:
    """CPU seconds of the reaped children of `pid` (cutime + cstime of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def print_table(rows: dict[str, Measure], files: int) -> None:
    cold = rows["cold"]
    print("\n| run | wall s | CPU s | peak memory | peer / nnlint cold (wall, CPU) |")
    print("|---|---|---|---|---|")
    for key, row in rows.items():
        ratio = ""
        if key in ("ruff", "fixit", "torchfix", "flake8"):
            ratio = f"{row.seconds / cold.seconds:.2f}x, {row.cpu / cold.cpu:.2f}x"
        print(f"| {row.label} | {row.seconds:.2f} | {row.cpu:.2f} | {row.peak_mb:.0f} MB | {ratio} |")
    print()
    warm, edit, big = rows["warm"], rows["edit"], rows["big"]
    if "ruff" in rows:
        ruff = rows["ruff"]
        print(f"Ruff cold / nnlint warm:        {ruff.seconds / warm.seconds:5.2f}x wall, {ruff.cpu / warm.cpu:5.2f}x CPU"
              "  (target >= 1: warm no slower than Ruff)")
    for peer in ("fixit", "torchfix"):
        if peer in rows:
            other = rows[peer]
            print(f"{other.label:<22} / nnlint cold: {other.seconds / cold.seconds:5.2f}x wall, "
                  f"{other.cpu / cold.cpu:5.2f}x CPU  (target >= 6, aim 10)")
    print(f"nnlint one edit:                {edit.seconds:5.2f} s wall, {edit.cpu:5.2f} s CPU  (target < 0.3 s)")
    daemon = rows["edit_daemon"]
    print(f"nnlint one edit, daemon:        {daemon.seconds:5.2f} s wall, {daemon.cpu:5.2f} s CPU  (target < 0.3 s)")
    print(f"nnlint 2 MB file:               {big.seconds:5.2f} s wall, {big.cpu:5.2f} s CPU, {big.peak_mb:.0f} MB"
          "  (target < 1 GB)")


if __name__ == "__main__":
    main()
