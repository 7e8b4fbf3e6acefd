"""NN605: wall-clock timing around CUDA work without a synchronize: it measures the kernel launches only."""

from __future__ import annotations

from itertools import islice

import libcst as cst

from nnlint.facts.loops import training_loops
from nnlint.facts.modules import latest_value
from nnlint.rules.base import Rule

_CLOCKS = frozenset(
    f"{module}.{name}"
    for module, names in (
        ("time", ("time", "perf_counter", "time_ns", "perf_counter_ns", "monotonic", "monotonic_ns")),
        ("timeit", ("default_timer",)),
    )
    for name in names
)
# Calls that wait for the GPU: explicit synchronisation, CUDA events, and reads of a tensor's value.
_SYNC_METHODS = frozenset({"synchronize", "elapsed_time", "record", "item", "cpu", "tolist", "numpy", "join", "wait"})
_PROCESSES = ("torch.multiprocessing.", "multiprocessing.", "subprocess.")  # waiting for a process waits its GPU
_SYNC_FUNCTIONS = frozenset({"torch.cuda.synchronize", "torch.cuda.Event", "torch.cuda.current_stream"})
MESSAGE = (
    "this interval is measured with the CPU clock around CUDA work that runs asynchronously, so it times the "
    "kernel launches, not the computation — call `torch.cuda.synchronize()` before reading the clock, or "
    "time with `torch.cuda.Event(enable_timing=True)`"
)


class CudaTimingWithoutSync(Rule):
    code = "NN605"
    name = "cuda-timing-without-sync"
    summary = "`time.time()` / `perf_counter()` deltas around CUDA work without `torch.cuda.synchronize()`"
    triggers = ("cuda",)
    default_enabled = False

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not isinstance(node.operator, cst.Subtract):
            return
        end = self._clock_read(node.left, node)
        start = self._clock_read(node.right, node)
        if end is None or start is None or end is start:
            return
        if self.facts.order(start) >= self.facts.order(end) or not self._unsynchronised_work(start, end):
            return
        loop = next((a for a in self.facts.ancestors(node) if isinstance(a, (cst.For, cst.While))), None)
        if loop is not None and self._synchronises(loop.body):
            return  # `t = time.time()` carried across iterations: the next `.item()` settles the account
        self.report(node, MESSAGE)

    def _clock_read(self, expr: cst.BaseExpression, at: cst.CSTNode) -> cst.Call | None:
        """The `time.perf_counter()` call that `expr` is, or that the name `expr` holds at `at`."""
        value = latest_value(self.facts, expr, at) if isinstance(expr, cst.Name) else expr
        if isinstance(value, cst.Call) and self.facts.call_name(value) in _CLOCKS:
            return value
        return None

    def _unsynchronised_work(self, start: cst.Call, end: cst.Call) -> bool:
        """Some call between the two clock reads does work, and nothing between them waits for the GPU."""
        work = False
        for node in islice(self.facts.nodes(), self.facts.order(start) + 1, self.facts.order(end)):
            if not isinstance(node, cst.Call):
                continue
            if self._waits(node):
                return False
            if not (self.facts.call_name(node) or "").startswith(("builtins.", "time.", "logging.")):
                work = True
        return work

    def _synchronises(self, block: cst.CSTNode) -> bool:
        return any(isinstance(node, cst.Call) and self._waits(node) for node in self._within(block))

    def _within(self, block: cst.CSTNode):
        for node in islice(self.facts.nodes(), self.facts.order(block), None):
            if node is not block and block not in self.facts.ancestors(node):
                return
            yield node

    def _waits(self, call: cst.Call, depth: int = 0) -> bool:
        """Waits for the GPU (or for other processes to finish), itself or in a helper of this file."""
        qualified = self.facts.call_name(call) or ""
        method = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
        if qualified in _SYNC_FUNCTIONS or qualified.startswith(_PROCESSES):
            return True
        if not qualified and method in _SYNC_METHODS:
            return True
        helper = training_loops(self.facts).resolve(call)
        if helper is None or depth >= 2:
            return False
        return any(self._waits(inner, depth + 1) for inner in training_loops(self.facts).calls_within(helper))
