"""The `nnlint` entry point: hand the run to this installation's daemon when one is listening, else run
the command line in this process.

Kept to the standard library's light modules: when no daemon runs, the cost over calling `nnlint.cli`
directly is one `stat`. The hand-off is skipped for `nnlint run` (it runs the user's script), `nnlint
server` and `nnlint daemon`, when NNLINT_NO_DAEMON is set, and wherever a descriptor cannot be passed.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

from nnlint.daemon import address, protocol

_NEVER_HANDED_OFF = {"run", "server", "daemon"}


def main() -> None:
    args = sys.argv[1:]
    if _may_hand_off(args):
        code = _hand_off(args)
        if code is not None:
            sys.exit(code)
    from nnlint.cli import main as run_here

    run_here(args)


def _may_hand_off(args: list[str]) -> bool:
    if os.environ.get("NNLINT_NO_DAEMON", "") not in ("", "0") or not hasattr(socket, "send_fds"):
        return False
    if args and args[0] in _NEVER_HANDED_OFF:
        return False
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False  # a closed standard stream: nothing to pass
    return os.path.exists(address.socket_path())


def _hand_off(args: list[str]) -> int | None:
    """The exit code of the run made by the daemon, or None when it could not take the run (then nothing
    has been printed and the caller runs it itself)."""
    try:
        address.checked_directory(create=False)
    except address.AddressError:
        return None  # a folder we must not trust
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    forward = _SignalForwarding(connection)  # from before the request: a Ctrl-C is never lost in between
    try:
        try:
            connection.connect(address.socket_path())
            protocol.send(connection, _run_request(args), fds=[0, 1, 2])
        except OSError:
            return None  # a socket left by a daemon that died
        forward.send_pending()
        reply, _ = protocol.receive(connection)
    except protocol.ProtocolError:
        print("nnlint: error: the daemon stopped during this run (`nnlint daemon start` starts it again; "
              "NNLINT_NO_DAEMON=1 runs without it)", file=sys.stderr)
        return 2
    finally:
        forward.restore()
        connection.close()
    if "error" in reply:
        return None  # it refused the run (it is stopping): nothing ran
    if reply.get("stale"):
        print("nnlint: the daemon had older nnlint code loaded and has stopped; this run is made without it "
              "(`nnlint daemon start` starts a fresh one)", file=sys.stderr)
        return None
    if "signal" in reply:
        return 128 + int(reply["signal"])
    return int(reply["exit"])


def _run_request(args: list[str]) -> dict:
    umask = os.umask(0)
    os.umask(umask)
    return {
        "kind": "run", "argv": args, "program": sys.argv[0], "cwd": os.getcwd(), "env": dict(os.environ),
        "umask": umask, "encodings": [_encoding(sys.stdin), _encoding(sys.stdout), _encoding(sys.stderr)],
        "unbuffered": bool(getattr(sys.stdout, "write_through", False)),  # python -u, PYTHONUNBUFFERED
    }


def _encoding(stream) -> list[str]:
    return [getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict"]


class _SignalForwarding:
    """While the daemon's fork runs, Ctrl-C (and SIGTERM, SIGHUP) sent to this process go to the fork."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.sent_request = False
        self.pending: list[int] = []  # signals that came before the request went out
        self.previous = {number: signal.signal(number, self._forward)
                         for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}

    def _forward(self, number, _frame) -> None:
        if not self.sent_request:
            self.pending.append(int(number))
            return
        try:
            protocol.send(self.connection, {"kind": "signal", "number": int(number)})
        except OSError:
            pass

    def send_pending(self) -> None:
        self.sent_request = True
        for number in self.pending:
            self._forward(number, None)

    def restore(self) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)
