"""One run inside a fork of the daemon: become the caller's process, run the command line, exit.

The fork takes over the caller's stdin, stdout and stderr (so colours, terminal width and pipes behave as
in the caller), its working directory, environment and umask, then runs the same `nnlint.cli.main` an
in-process run calls. It never returns into the daemon's loop: it leaves through `os._exit` with the exit
code the command chose, after the exit handlers a normal interpreter exit would run.
"""

from __future__ import annotations

import atexit
import io
import os
import signal
import sys
import traceback


def run_and_exit(request: dict, fds: list[int], signal_mask: set) -> None:
    """`signal_mask`: the mask to restore once the caller's signal handlers are in place."""
    code = 2
    try:
        _adopt_caller(request, fds)
        signal.pthread_sigmask(signal.SIG_SETMASK, signal_mask)
        code = _run_command_line(request["argv"])
    except BaseException:  # noqa: BLE001 - nothing may unwind into the daemon's loop
        traceback.print_exc()
    finally:
        _flush_quietly()
        os._exit(code)


def _adopt_caller(request: dict, fds: list[int]) -> None:
    for handled in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(handled, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        if fd > 2:
            os.close(fd)
    encodings = request["encodings"]
    sys.stdin = sys.__stdin__ = open(0, encoding=encodings[0][0], errors=encodings[0][1], closefd=False)
    unbuffered = request.get("unbuffered", False)
    sys.stdout = sys.__stdout__ = _text_stream(1, *encodings[1], unbuffered, line_buffered=os.isatty(1))
    sys.stderr = sys.__stderr__ = _text_stream(2, *encodings[2], unbuffered, line_buffered=True)
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = [request["program"], *request["argv"]]


def _text_stream(fd: int, encoding: str, errors: str, unbuffered: bool, line_buffered: bool):
    # As the interpreter sets up its own: stdout line-buffered on a terminal and block-buffered on a pipe,
    # stderr line-buffered, both written through under `python -u` / PYTHONUNBUFFERED.
    raw = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, line_buffering=line_buffered,
                            write_through=unbuffered)


def _run_command_line(argv: list[str]) -> int:
    from nnlint.cli import main

    try:
        main(argv)
    except SystemExit as done:
        return _exit_code(done.code)
    finally:
        atexit._run_exitfuncs()
    return 0


def _exit_code(code) -> int:
    """What the interpreter would exit with for `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _flush_quietly() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
