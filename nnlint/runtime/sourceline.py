"""Find the user's line of code on the Python stack, skipping frames of torch, nnlint and the stdlib glue."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import torch

_TORCH_DIR = str(Path(torch.__file__).resolve().parent) + os.sep
_RUNTIME_DIR = str(Path(__file__).resolve().parent) + os.sep
_STDLIB_DIR = str(Path(sysconfig.get_paths()["stdlib"]).resolve()) + os.sep
_SITE_DIRS = tuple(str(Path(p).resolve()) + os.sep for p in {sysconfig.get_paths()["purelib"],
                                                              sysconfig.get_paths()["platlib"]})


def _is_user_file(filename: str) -> bool:
    """Not torch, not nnlint's runtime, not the standard library (contextlib, runpy, functools glue).
    Other installed packages count: an op in a model library's file is that file's line."""
    if filename.startswith("<") or filename.startswith(_TORCH_DIR) or filename.startswith(_RUNTIME_DIR):
        return False
    return not (filename.startswith(_STDLIB_DIR) and not filename.startswith(_SITE_DIRS))


def user_frame(skip: int = 1) -> tuple[str, int] | None:
    """(absolute filename, line) of the innermost frame that is the user's code, or None."""
    frame = sys._getframe(skip)
    while frame is not None:
        filename = frame.f_code.co_filename
        if _is_user_file(filename):
            return os.path.abspath(filename), frame.f_lineno
        frame = frame.f_back
    return None


def display_path(filename: str) -> str:
    """A path relative to the working directory when the file lies under it, as linters print them."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive on Windows
        return filename
    return filename if relative.startswith("..") else relative


def user_location(skip: int = 2) -> str | None:
    frame = user_frame(skip)
    return f"{display_path(frame[0])}:{frame[1]}" if frame else None
