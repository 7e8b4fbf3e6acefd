"""Replace a file's bytes in one rename: never a half-written file, never a temp file left behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, keeping its permissions. A read-only file is refused, not replaced:
    the rename would succeed (it needs only the directory), which would override the owner's choice."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only", str(path))
    handle, temporary = _open_beside(path, ".nnlint-tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def replace_text(path: Path, text: str) -> None:
    """Write one of nnlint's own files (a cache, a snapshot) in one rename, so that a reader, maybe another
    nnlint run, sees the old file or the new one. Raises OSError."""
    handle, temporary = _open_beside(path, ".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _open_beside(path: Path, suffix: str) -> tuple[int, Path]:
    """A new private file in `path`'s folder (a rename within a folder is atomic), open for writing.
    Named here, not by tempfile: importing tempfile would cost a warm run more than its cache write."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}{suffix}")
    return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), temporary
