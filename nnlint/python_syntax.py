"""Does CPython accept the file? Its own compiler answers, in C, for every file: the gate's syntax check.

Run before libcst on every file, triggered by a rule or not, so a file Python rejects is always reported
(and libcst, which can crash the process on pathological nesting, never sees it). Compiling to bytecode
costs about a tenth of a libcst parse and never runs the code; it also catches what only the compiler
rejects (`return` outside a function, a misplaced `from __future__`), which Python would refuse to import.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

# notebook cells may `await` at top level: that is Python that IPython runs, not a syntax error
_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


@dataclass(frozen=True)
class PythonError:
    message: str
    row: int
    column: int


def python_error(source: str, path: str = "<file>") -> PythonError | None:
    """Python's own wording and position (`'(' was never closed`), or None where Python accepts the code."""
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like are not ours to print
            warnings.simplefilter("ignore")
            compile(source, path, "exec", flags=_FLAGS, dont_inherit=True)
    except (SyntaxError, ValueError) as error:  # ValueError: a NUL byte, on some Python versions
        if "\0" in source and "null bytes" in str(error):  # Python gives no position for it: find it
            before = source[: source.index("\0")]
            row, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
            return PythonError("syntax error: source code cannot contain null bytes", row, column)
        if isinstance(error, ValueError):
            return PythonError(f"syntax error: {error}", 1, 1)
        return PythonError(f"syntax error: {error.msg}", max(error.lineno or 1, 1), max(error.offset or 1, 1))
    except (RecursionError, MemoryError):
        return PythonError("syntax error: the code is nested too deeply for Python to compile", 1, 1)
    return None
