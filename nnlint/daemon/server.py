"""The resident process: import what a lint run needs, then fork once per request.

    python -m nnlint.daemon.server [--idle-timeout SECONDS]

Started by `nnlint daemon start`, in its own session, with no terminal. It listens on the socket of this
installation (`address`), holds a lock so only one daemon serves it, forks a child per run (`forked_run`)
and tells the caller how the child ended. It stops on `nnlint daemon stop`, SIGTERM, after --idle-timeout
seconds without a run, or when the code it imported changed on disk (it answers that run "stale", and the
caller runs in-process).
"""

from __future__ import annotations

import argparse
import fcntl
import gc
import os
import selectors
import signal
import socket
import sys
import time

from nnlint.daemon import address, protocol
from nnlint.daemon.forked_run import run_and_exit
from nnlint.daemon.freshness import CodeSnapshot
from nnlint.daemon.warm_imports import import_what_a_run_needs

REQUEST_TIMEOUT = 10.0  # seconds a caller has to send its request once connected
FORWARDED_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class Daemon:
    def __init__(self, listener: socket.socket, socket_inode: int, idle_timeout: float) -> None:
        self.listener = listener
        self.socket_inode = socket_inode  # unlinked at the end only if the path is still this socket
        self.stop_requested = False  # set by SIGTERM, acted on in the loop
        self.idle_timeout = idle_timeout
        self.snapshot = CodeSnapshot()
        self.started = time.time()
        self.last_activity = time.monotonic()
        self.runs = 0
        self.accepting = True
        self.children: dict[int, socket.socket] = {}  # fork pid -> its caller's connection
        self.selector = selectors.DefaultSelector()
        self.wakeup_read, self.wakeup_write = os.pipe()
        os.set_blocking(self.wakeup_read, False)
        os.set_blocking(self.wakeup_write, False)

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wakeup_write)  # SIGCHLD and SIGTERM wake the selector below
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stop_requested", True))
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # it has no terminal; only stop or SIGTERM end it
        self.selector.register(self.listener, selectors.EVENT_READ, "listener")
        self.selector.register(self.wakeup_read, selectors.EVENT_READ, "wakeup")
        while self.accepting or self.children:
            if self.stop_requested:
                self.stop_requested = False
                self.stop_accepting()
            timeout = None
            if self.accepting and self.idle_timeout > 0 and not self.children:
                timeout = max(0.0, self.last_activity + self.idle_timeout - time.monotonic())
                if timeout == 0:
                    self.stop_accepting()
                    continue
            for key, _ in self.selector.select(timeout):
                if key.data == "listener":
                    self.accept()
                elif key.data == "wakeup":
                    self.reap()
                else:
                    self.from_caller(key.fileobj, key.data)
            self.reap()

    def accept(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        connection.settimeout(REQUEST_TIMEOUT)
        try:
            request, fds = protocol.receive(connection, max_fds=3)
        except protocol.ProtocolError:
            connection.close()
            return
        kind = request.get("kind")
        if kind == "run" and len(fds) == 3 and self.accepting:
            self.start_run(connection, request, fds)
            return
        for fd in fds:
            os.close(fd)
        try:
            if kind == "status":
                protocol.send(connection, {"status": self.status()})
            elif kind == "stop":
                self.stop_accepting()
                protocol.send(connection, {"stopping": True, "pid": os.getpid()})
            else:
                protocol.send(connection, {"error": f"unexpected request {kind!r}"})
        except OSError:
            pass
        connection.close()

    def start_run(self, connection: socket.socket, request: dict, fds: list[int]) -> None:
        changed = self.snapshot.changed()
        if changed is not None:
            for fd in fds:
                os.close(fd)
            self.stop_accepting()
            _reply_and_close(connection, {"stale": True, "changed": changed})
            return
        self.last_activity = time.monotonic()  # runs keep the daemon up; asking its status does not
        # Signals for the fork wait until it has its own handlers (it unblocks them): none is lost between.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED_SIGNALS)
        pid = os.fork()
        if pid == 0:
            self.forget_everything_but(connection)
            run_and_exit(request, fds, mask)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for fd in fds:
            os.close(fd)
        self.runs += 1
        connection.setblocking(False)
        self.children[pid] = connection
        self.selector.register(connection, selectors.EVENT_READ, pid)

    def forget_everything_but(self, connection: socket.socket) -> None:
        """In the fork: close the daemon's own descriptors, so the fork holds only its caller's."""
        signal.set_wakeup_fd(-1)
        self.selector.close()
        self.listener.close()
        os.close(self.wakeup_read)
        os.close(self.wakeup_write)
        for other in self.children.values():
            other.close()
        connection.close()  # the parent answers the caller; the fork only writes to the caller's streams
        _close_lock()

    def from_caller(self, connection: socket.socket, pid: int) -> None:
        """A caller sends a signal to forward, or hangs up (killed, or gone): then the run is pointless."""
        try:
            connection.setblocking(True)
            connection.settimeout(REQUEST_TIMEOUT)
            message, _ = protocol.receive(connection)
        except protocol.ProtocolError:
            self.selector.unregister(connection)
            _kill_quietly(pid, signal.SIGTERM)
            return
        finally:
            if connection.fileno() != -1:
                connection.setblocking(False)
        number = message.get("number")
        if message.get("kind") == "signal" and number in FORWARDED_SIGNALS:
            _kill_quietly(pid, number)

    def reap(self) -> None:
        try:
            while os.read(self.wakeup_read, 512):
                pass
        except BlockingIOError:
            pass
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.children.pop(pid, None)
            if connection is None:
                continue
            self.last_activity = time.monotonic()
            try:
                self.selector.unregister(connection)
            except (KeyError, ValueError):
                pass  # already unregistered: its caller hung up
            if os.WIFSIGNALED(status):
                reply = {"signal": os.WTERMSIG(status)}
            else:
                reply = {"exit": os.waitstatus_to_exitcode(status)}
            connection.settimeout(REQUEST_TIMEOUT)
            _reply_and_close(connection, reply)

    def stop_accepting(self) -> None:
        if not self.accepting:
            return
        self.accepting = False
        self.selector.unregister(self.listener)
        _unlink_if_ours(self.socket_inode)
        self.listener.close()

    def status(self) -> dict:
        return {
            "pid": os.getpid(), "started": self.started, "runs": self.runs, "running": len(self.children),
            "idle_timeout": self.idle_timeout,
        }


_lock_fd: int | None = None


def _hold_lock() -> bool:
    """One daemon per installation: the lock is held for the daemon's whole life."""
    global _lock_fd
    fd = os.open(address.lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return False
    _lock_fd = fd
    return True


def _close_lock() -> None:
    if _lock_fd is not None:
        os.close(_lock_fd)  # the daemon's own descriptor keeps the lock


def _listen() -> tuple[socket.socket, int]:
    path = address.socket_path()
    try:
        os.unlink(path)  # left by a daemon that died: the lock says none is alive
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    listener.setblocking(False)
    return listener, os.stat(path).st_ino


def _unlink_if_ours(inode: int) -> None:
    path = address.socket_path()
    try:
        if os.stat(path).st_ino == inode:  # not a newer daemon's socket
            os.unlink(path)
    except OSError:
        pass


def _reply_and_close(connection: socket.socket, reply: dict) -> None:
    try:
        protocol.send(connection, reply)
    except OSError:
        pass  # the caller is gone
    connection.close()


def _kill_quietly(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m nnlint.daemon.server")
    parser.add_argument("--idle-timeout", type=float, default=3600.0)
    options = parser.parse_args()
    address.checked_directory(create=True)
    if not _hold_lock():
        print("nnlint daemon: another daemon already serves this installation", file=sys.stderr)
        sys.exit(3)  # command.ANOTHER_DAEMON
    import_what_a_run_needs()
    gc.collect()  # the warm-up's trees are garbage now: not to be frozen with the modules
    gc.freeze()  # the imported modules live as long as the daemon: forks need not scan or copy them
    listener, inode = _listen()
    Daemon(listener, inode, options.idle_timeout).serve()


if __name__ == "__main__":
    main()
