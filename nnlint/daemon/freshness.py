"""Is the code the daemon imported still the code on disk?

A daemon started before `pip install -U nnlint`, or before an edit of a checkout installed with `-e`,
would lint with old rules. So it remembers, when it starts, the modification time and size of every nnlint
module it loaded and of every nnlint folder (a new rule module changes its folder), and the folders that
hold the other packages it loaded (installing or upgrading one renames entries there), and compares them
before each run: about a millisecond for a few hundred `stat` calls.
"""

from __future__ import annotations

import os
import sys

import nnlint

Stamp = tuple[int, int]


def _stamp(path: str) -> Stamp | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def watched_paths() -> list[str]:
    """nnlint's loaded modules and folders, and the folders holding every other loaded top-level package."""
    own = os.path.dirname(nnlint.__file__)
    paths: set[str] = set()
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None)
        if not location:
            continue
        if location.startswith(own + os.sep):
            paths.add(location)
        elif "." not in name:
            package_or_file = os.path.dirname(location) if location.endswith("__init__.py") else location
            paths.add(os.path.dirname(package_or_file))
    for folder, subfolders, _ in os.walk(own):
        subfolders[:] = [sub for sub in subfolders if sub != "__pycache__"]
        paths.add(folder)
    return sorted(paths)


class CodeSnapshot:
    def __init__(self) -> None:
        self._stamps = {path: _stamp(path) for path in watched_paths()}

    def changed(self) -> str | None:
        """The first watched path that differs from when the snapshot was taken, or None."""
        for path, stamp in self._stamps.items():
            if _stamp(path) != stamp:
                return path
        return None
