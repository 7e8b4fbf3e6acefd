"""The messages on the daemon's socket: a 4-byte length, then that many bytes of JSON.

A run's request carries the caller's stdin, stdout and stderr as file descriptors (SCM_RIGHTS), attached
to the length so they arrive with the first bytes read. Requests: {"kind": "run", ...}, {"kind":
"status"}, {"kind": "stop"}; while a run is under way the caller may send {"kind": "signal", "number": N}.
Replies: {"exit": code}, {"signal": N} (the run was killed by it), {"stale": true}, {"status": {...}},
{"stopping": true}, {"error": "..."}.
"""

from __future__ import annotations

import json
import os
import socket
import struct

_LENGTH = struct.Struct("!I")
MAX_MESSAGE = 16 * 1024 * 1024  # an environment is kilobytes; anything near this is not our client


class ProtocolError(Exception):
    """The other end closed early or sent something that is not a message."""


def send(connection: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    body = json.dumps(message).encode()
    header = _LENGTH.pack(len(body))
    if fds:
        socket.send_fds(connection, [header], fds)
    else:
        connection.sendall(header)
    connection.sendall(body)


def receive(connection: socket.socket, max_fds: int = 0) -> tuple[dict, list[int]]:
    """One message, and the descriptors that came with it (closed here if the message is bad)."""
    fds: list[int] = []
    header = b""
    try:
        while len(header) < _LENGTH.size:
            if max_fds and not fds:
                chunk, fds, _, _ = socket.recv_fds(connection, _LENGTH.size - len(header), max_fds)
            else:
                chunk = connection.recv(_LENGTH.size - len(header))
            if not chunk:
                raise ProtocolError("the connection closed")
            header += chunk
        (length,) = _LENGTH.unpack(header)
        if length > MAX_MESSAGE:
            raise ProtocolError(f"a message of {length} bytes")
        body = _exactly(connection, length)
        message = json.loads(body)
        if not isinstance(message, dict):
            raise ProtocolError("a message that is not an object")
        return message, fds
    except (ProtocolError, ValueError, OSError) as error:
        for fd in fds:
            _close_quietly(fd)
        if isinstance(error, ProtocolError):
            raise
        raise ProtocolError(str(error)) from error


def _exactly(connection: socket.socket, length: int) -> bytes:
    parts = []
    while length:
        chunk = connection.recv(min(length, 1 << 16))
        if not chunk:
            raise ProtocolError("the connection closed mid-message")
        parts.append(chunk)
        length -= len(chunk)
    return b"".join(parts)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
