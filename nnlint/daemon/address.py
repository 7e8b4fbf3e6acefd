"""Where the daemon of this installation listens: one socket per Python environment and nnlint copy.

Two virtual environments, or a checkout on PYTHONPATH beside an installed nnlint, each get their own
daemon, so a run is never served by other code than the one the caller would have imported.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys

import nnlint


class AddressError(Exception):
    """The daemon's directory is missing, not ours or open to others: no daemon can be used safely."""


# Paths are plain strings: the launcher imports this module on every run, and pathlib costs more than a stat.


def runtime_directory() -> str:
    """The per-user folder for sockets: $XDG_RUNTIME_DIR/nnlint, else a private folder in the temp dir."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base:
        return os.path.join(base, "nnlint")
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"nnlint-{os.getuid()}")


def installation_key() -> str:
    where = f"{sys.prefix}\0{os.path.dirname(nnlint.__file__)}\0{sys.version}"
    return hashlib.sha256(where.encode()).hexdigest()[:16]


def socket_path() -> str:
    return os.path.join(runtime_directory(), f"{installation_key()}.sock")


def lock_path() -> str:
    return os.path.join(runtime_directory(), f"{installation_key()}.lock")


def log_path() -> str:
    return os.path.join(runtime_directory(), f"{installation_key()}.log")


def checked_directory(create: bool) -> str:
    """The runtime folder, made private if asked; refused when another user owns it or others can enter it
    (a socket there could be swapped for someone else's)."""
    directory = runtime_directory()
    if create:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        raise AddressError(f"{directory} does not exist") from None
    if not stat.S_ISDIR(info.st_mode):
        raise AddressError(f"{directory} is not a directory")
    if info.st_uid != os.getuid():
        raise AddressError(f"{directory} belongs to another user")
    if info.st_mode & 0o077:
        raise AddressError(f"{directory} is open to other users (mode {stat.S_IMODE(info.st_mode):o}); "
                           "it must be 700")
    return directory
