"""Lint worker processes: linting never blocks the server's event loop, and a superseded run is stopped.

A thread cannot be interrupted, so each job runs in a worker process; when a newer version of the same
document arrives while its old version is still being linted, that worker is killed and replaced (a fork
of a warm process on POSIX, so the replacement costs milliseconds, not an interpreter start-up).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
from concurrent.futures import ThreadPoolExecutor

from nnlint.server.worker import FixAllJob, LintJob, Outcome, serve


class WorkerCrashed(Exception):
    """The worker process died or the job raised outside any rule (the message carries the traceback)."""


def _context():
    if sys.platform != "win32" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["nnlint.server.warm_worker"])
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, context) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), daemon=True, name="nnlint-lint-worker")
        self.process.start()
        child.close()

    def call(self, job: LintJob | FixAllJob):
        """Blocking: send the job and wait for its reply (runs in a thread of the server)."""
        self.connection.send(job)
        return self.connection.recv()

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class LintPool:
    def __init__(self, size: int = 2) -> None:
        self._context = _context()
        self._size = size
        self._threads = ThreadPoolExecutor(max_workers=size, thread_name_prefix="nnlint-lint-wait")
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnlint-lint-spawn")
        self._idle: asyncio.Queue[_Worker | BaseException] | None = None
        self._running: dict[str, asyncio.Task] = {}
        self._all: set[_Worker] = set()

    def start(self) -> None:
        """Start the workers in the background (the first one also starts the fork server: about a second)."""
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self._size):
                self._refill()

    def _refill(self) -> None:
        """Add a fresh worker to the idle queue, created off the event loop."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._spawner, self._new_worker)

        def ready(done: asyncio.Future) -> None:
            if not done.cancelled():  # a failed start goes into the queue too: the job that takes it reports it
                self._idle.put_nowait(done.exception() or done.result())

        future.add_done_callback(ready)

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context)
        self._all.add(worker)
        return worker

    async def run(self, job: LintJob | FixAllJob, key: str | None = None) -> Outcome:
        """Run a job; a later job with the same key cancels this one (raises CancelledError here)."""
        self.start()
        if key is not None and key in self._running:
            self._running[key].cancel()
        task = asyncio.ensure_future(self._execute(job))
        if key is not None:
            self._running[key] = task
        try:
            return await task
        finally:
            if key is not None and self._running.get(key) is task:
                del self._running[key]

    async def _execute(self, job) -> Outcome:
        worker = await self._idle.get()
        if isinstance(worker, BaseException):
            self._refill()  # try again for the next job
            raise WorkerCrashed(f"cannot start a lint worker: {worker!r}")
        loop = asyncio.get_running_loop()
        try:
            status, value = await loop.run_in_executor(self._threads, worker.call, job)
        except asyncio.CancelledError:
            self._replace(worker)  # stop the superseded run now rather than waiting for it
            raise
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise WorkerCrashed(f"the lint worker died: {error!r}") from None
        self._idle.put_nowait(worker)
        if status != "ok":
            raise WorkerCrashed(value)
        return value

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.stop()
        self._refill()

    def close(self) -> None:
        for worker in list(self._all):
            worker.stop()
        self._all.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._spawner.shutdown(wait=False, cancel_futures=True)
