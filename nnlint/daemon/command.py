"""`nnlint daemon start|stop|status`: keep a resident nnlint so short runs skip start-up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import click

from nnlint.daemon import address, protocol

ANOTHER_DAEMON = 3  # the server's exit code when another daemon holds this installation's lock
START_WAIT = 60.0  # seconds: the first start compiles bytecode for every module on a slow disk


@click.group("daemon", context_settings={"help_option_names": ["-h", "--help"]})
def daemon_command() -> None:
    """Keep nnlint loaded in the background: later `nnlint` runs start at once (POSIX only)."""


@daemon_command.command("start")
@click.option("--idle-timeout", type=click.FloatRange(min=0), default=3600.0, show_default=True,
              help="Stop after this many seconds without a run (0: never).")
def start(idle_timeout: float) -> None:
    """Start the daemon of this installation (nothing to do if it runs)."""
    if not hasattr(socket, "send_fds"):
        raise click.ClickException("the daemon needs a POSIX system (it passes the terminal to its runs)")
    try:
        directory = address.checked_directory(create=True)
    except (address.AddressError, OSError) as error:
        raise click.ClickException(f"cannot use the daemon folder: {error}") from None
    running = _ask({"kind": "status"})
    if running is not None:
        click.echo(f"nnlint daemon: already running (pid {running['status']['pid']})")
        return
    log = open(address.log_path(), "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "nnlint.daemon.server", "--idle-timeout", str(idle_timeout)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        status = _ask({"kind": "status"})
        if status is not None:
            click.echo(f"nnlint daemon: started (pid {status['status']['pid']}); `nnlint` runs now go through it")
            return
        if process.poll() not in (None, ANOTHER_DAEMON):  # another start won the lock: wait for its daemon
            raise click.ClickException(f"the daemon exited at start ({_last_line(address.log_path())}; log: {directory})")
        time.sleep(0.05)
    process.terminate()
    raise click.ClickException(f"the daemon did not answer within {START_WAIT:.0f} s (log: {address.log_path()})")


@daemon_command.command("stop")
def stop() -> None:
    """Stop the daemon; runs under way finish first."""
    reply = _ask({"kind": "stop"})
    if reply is None:
        click.echo("nnlint daemon: not running")
        return
    deadline = time.monotonic() + 10
    while os.path.exists(address.socket_path()) and time.monotonic() < deadline:  # unlinked when it stops listening
        time.sleep(0.02)
    click.echo(f"nnlint daemon: stopped (pid {reply['pid']})")


@daemon_command.command("status")
def status() -> None:
    """Say whether the daemon runs (exit 0) or not (exit 1)."""
    reply = _ask({"kind": "status"})
    if reply is None:
        click.echo("nnlint daemon: not running")
        sys.exit(1)
    state = reply["status"]
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state["started"]))
    idle = f"stops after {state['idle_timeout']:g} s idle" if state["idle_timeout"] else "never stops when idle"
    click.echo(f"nnlint daemon: running (pid {state['pid']}, since {since}, {state['runs']} runs served, "
               f"{state['running']} under way, {idle})")


def _ask(request: dict) -> dict | None:
    """The daemon's reply, or None when no daemon of this installation answers."""
    try:
        address.checked_directory(create=False)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(10)
            connection.connect(address.socket_path())
            protocol.send(connection, request)
            reply, _ = protocol.receive(connection)
            return reply
    except (OSError, address.AddressError, protocol.ProtocolError):
        return None


def _last_line(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            lines = log.read().strip().splitlines()
    except OSError:
        return "no log"
    return lines[-1] if lines else "no message"
