"""Editor latency of `nnlint server`: time from `didChange` to its `publishDiagnostics`, median of 20.

    python bench/lsp_latency.py [--runs 20] [--sizes 300,3000] [--cross-file]

The scripts are the bundled example project (examples/*.py, a training script with its model and data
code) repeated to about 300 and 3,000 lines. Each run changes one line (so no cached result applies) and
waits for the diagnostics of that version. The peer on the same text is today's editor story without a
server: piping the buffer through the CLI (`nnlint - --stdin-filename`) on each save.

`--cross-file` measures instead what editing another module costs: a small project (`models/net.py`, and
`train.py` feeding `Net`'s output to cross-entropy), both open; each run switches the unsaved model buffer
between ending in `F.softmax` and returning logits, and times `didChange` of models/net.py to the next
`publishDiagnostics` of train.py (its NN201 appears or goes: the model's own lint, then train.py's).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient
from pygls.uris import from_fs_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def training_script(lines: int) -> str:
    """Whole example files, repeated until the script has at least `lines` lines."""
    files = [(EXAMPLES / name).read_text(encoding="utf-8") for name in ("data.py", "model.py", "train.py")]
    parts, count, index = [], 0, 0
    while count < lines:
        text = files[index % len(files)]
        parts.append(text)
        count += text.count("\n")
        index += 1
    return "\n".join(parts)


class Bench:
    def __init__(self) -> None:
        self.client = BaseLanguageClient("nnlint-bench", "1")
        self.published: dict[tuple[str, int | None], float] = {}
        self.every: list[tuple[str, float, int]] = []  # (uri, when, how many diagnostics), in order

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_publish(params: types.PublishDiagnosticsParams) -> None:
            self.published[(params.uri, params.version)] = time.perf_counter()
            self.every.append((params.uri, time.perf_counter(), len(params.diagnostics)))

    async def start(self, root: Path) -> None:
        await self.client.start_io(sys.executable, "-m", "nnlint", "server")
        await self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=from_fs_path(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name=root.name)],
        ))
        self.client.initialized(types.InitializedParams())

    async def wait(self, uri: str, version: int, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.published:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no diagnostics for version {version} in {timeout}s")
            await asyncio.sleep(0.001)
        return self.published[(uri, version)]

    async def latency(self, root: Path, text: str, runs: int) -> list[float]:
        uri = from_fs_path(str(root / f"train_{text.count(chr(10))}.py"))
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        await self.wait(uri, 1)  # warm: workers started, rules imported
        times = []
        lines = text.splitlines(keepends=True)
        for run in range(runs):
            version = run + 2
            row = len(lines) // 2  # a keystroke in the middle of the file: one line replaced
            edit = types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=row, character=0),
                                  end=types.Position(line=row, character=0)),
                text=f"# edit {run}\n")
            lines.insert(row, f"# edit {run}\n")
            started = time.perf_counter()
            self.client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[edit]))
            times.append(await self.wait(uri, version) - started)
            await asyncio.sleep(0.1)  # the user pauses: each run stands alone
        return times

    async def cross_file(self, root: Path, runs: int) -> list[float]:
        (root / "models").mkdir()
        (root / "models/__init__.py").write_text("", encoding="utf-8")
        (root / "models/net.py").write_text(NET.format(output=SOFTMAX), encoding="utf-8")
        (root / "train.py").write_text(TRAIN, encoding="utf-8")
        train, net = from_fs_path(str(root / "train.py")), from_fs_path(str(root / "models/net.py"))
        for uri, text in ((train, TRAIN), (net, NET.format(output=SOFTMAX))):
            self.client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
            await self.wait(uri, 1)
        times = []
        for run in range(runs):
            seen = len(self.every)
            expected = 0 if run % 2 == 0 else 1  # logits: no finding; softmax: NN201 again
            text = NET.format(output=LOGITS if run % 2 == 0 else SOFTMAX)
            started = time.perf_counter()
            self.client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=net, version=run + 2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
            while not any(uri == train and count == expected for uri, _, count in self.every[seen:]):
                await asyncio.sleep(0.001)
            times.append(next(when for uri, when, count in self.every[seen:] if uri == train) - started)
            await asyncio.sleep(0.1)
        return times

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


NET = """import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return {output}
"""
SOFTMAX, LOGITS = "F.softmax(self.fc(x), dim=1)", "self.fc(x)"
TRAIN = """from torch import nn

from models.net import Net


def train(loader, optimizer):
    model = Net()
    criterion = nn.CrossEntropyLoss()
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def engine_latency(text: str, runs: int) -> list[float]:
    """The floor: the engine linting the same text in this process (what a server cannot go below)."""
    from nnlint.config import Settings
    from nnlint.engine import Selection, lint_source

    selection = Selection(Settings().enabled_codes())
    times = []
    for run in range(runs):
        started = time.perf_counter()
        lint_source("train.py", text + f"# run {run}\n", selection)
        times.append(time.perf_counter() - started)
    return times


def cli_latency(text: str, runs: int) -> list[float]:
    """The peer: lint the buffer with a fresh `nnlint` process, as an on-save hook does."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nnlint", "-", "--stdin-filename", "train.py", "--no-cache",
                        "--output-format", "json"], input=text.encode(), capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sizes", default="300,3000")
    parser.add_argument("--cli-runs", type=int, default=5, help="runs of the engine and CLI peers")
    parser.add_argument("--cross-file", action="store_true", help="time an edit of an imported module instead")
    options = parser.parse_args()
    if options.cross_file:
        with tempfile.TemporaryDirectory() as directory:
            bench = Bench()
            await bench.start(Path(directory))
            times = await bench.cross_file(Path(directory), options.runs)
            await bench.stop()
        print(f"didChange of models/net.py -> publishDiagnostics of the open train.py: median "
              f"{statistics.median(times) * 1000:.0f} ms ({min(times) * 1000:.0f}-{max(times) * 1000:.0f}), "
              f"{len(times)} edits")
        return
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        bench = Bench()
        await bench.start(root)
        rows = []
        for size in (int(s) for s in options.sizes.split(",")):
            text = training_script(size)
            server = await bench.latency(root, text, options.runs)
            engine = engine_latency(text, options.cli_runs)
            cli = cli_latency(text, options.cli_runs)
            rows.append((text.count("\n"), server, engine, cli))
        await bench.stop()
    print("lines | server: didChange -> publishDiagnostics (median, min-max) | engine alone in-process | "
          "CLI per save | server / engine | CLI / server")
    for lines, server, engine, cli in rows:
        median, floor, peer = statistics.median(server), statistics.median(engine), statistics.median(cli)
        print(f"{lines} | {median * 1000:.0f} ms ({min(server) * 1000:.0f}-{max(server) * 1000:.0f}) | "
              f"{floor * 1000:.0f} ms | {peer * 1000:.0f} ms | {median / floor:.2f} | {peer / median:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
