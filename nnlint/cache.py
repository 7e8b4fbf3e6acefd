"""Per-file results kept under `.nnlint_cache/`, reused while the file, the settings and nnlint are unchanged."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from nnlint import __version__
from nnlint.atomic_write import replace_text
from nnlint.diagnostic import Diagnostic

CACHE_DIR = ".nnlint_cache"


def _key(path: Path, working_directory: str) -> str:
    """The absolute path, by string: no resolve() (several system calls per file on every warm run), and
    the working directory read once per run (abspath() asks getcwd() on every call)."""
    return os.path.normpath(os.path.join(working_directory, path))


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def make_cache_dir(folder: Path) -> None:
    """`folder` (`.nnlint_cache` or one inside it), with a .gitignore that keeps git from showing it.
    Raises OSError when it cannot be made."""
    folder.mkdir(parents=True, exist_ok=True)
    top = next((p for p in (folder, *folder.parents) if p.name == CACHE_DIR), folder)
    gitignore = top / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("# created by nnlint\n*\n", encoding="utf-8")


class Cache:
    def __init__(self, root: Path, fingerprint: str) -> None:
        key = hashlib.blake2b(f"{__version__}\0{fingerprint}".encode(), digest_size=8).hexdigest()
        self.path = root / CACHE_DIR / f"{__version__}-{key}.json"
        self.entries: dict[str, dict] = {}
        self.dirty = False
        self.working_directory = os.getcwd()
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, unreadable, truncated or not JSON: start afresh
            loaded = {}
        if isinstance(loaded, dict):  # anything else (another version's layout, a stray file) is not trusted
            self.entries = loaded

    def lookup(self, path: Path, data_hash: str | None = None) -> tuple[list[Diagnostic], dict[str, str] | None] | None:
        """Cached diagnostics if the file is unchanged (same size and mtime, or same content hash), and the
        project summaries (path -> digest) they were computed from: None when the entry's are damaged (its
        findings are then not trusted either)."""
        entry = self.entries.get(_key(path, self.working_directory))  # as `put` keyed it (symlinks kept)
        if entry is None:
            return None
        try:
            status = path.stat()
        except OSError:
            return None
        try:
            unchanged = (entry["mtime"], entry["size"]) == (status.st_mtime_ns, status.st_size)
            if not unchanged and entry["hash"] != data_hash:
                return None
            diagnostics = [replace(Diagnostic.from_dict(item), filename=str(path)) for item in entry["diagnostics"]]
            dependencies = entry.get("dependencies", {})
        except (KeyError, TypeError, ValueError, AttributeError):  # a damaged entry is a miss, relinted
            return None
        return diagnostics, dict(dependencies) if isinstance(dependencies, dict) else None

    def hash_of(self, path: Path) -> str | None:
        entry = self.entries.get(_key(path, self.working_directory))
        hashed = entry.get("hash") if isinstance(entry, dict) else None
        return hashed if isinstance(hashed, str) else None

    def put(self, path: Path, data_hash: str, diagnostics: list[Diagnostic], dependencies=None) -> None:
        try:
            status = path.stat()
        except OSError:
            return
        self.entries[_key(path, self.working_directory)] = {
            "mtime": status.st_mtime_ns,
            "size": status.st_size,
            "hash": data_hash,
            "diagnostics": [d.to_dict() for d in diagnostics],
            "dependencies": dependencies or {},
        }
        self.dirty = True

    def save(self) -> None:
        """Write the cache in one rename; a read-only project simply runs uncached next time."""
        if not self.dirty:
            return
        try:
            make_cache_dir(self.path.parent)
            replace_text(self.path, json.dumps(self.entries))  # dumps: C encoder; dump() encodes in Python
        except OSError:
            pass
