"""What the daemon imports before it forks: everything a lint run would otherwise import on its own.

Every module of nnlint's static side (not the runtime checks, which `nnlint run` loads with torch and is
never handed to the daemon, nor the language server or the flake8 plugin), the third-party modules those
import only when a run needs them, the rule registry, and one parse so libcst's native parser is loaded.
"""

from __future__ import annotations

import importlib
import pkgutil

import nnlint

_NOT_FOR_LINT_RUNS = ("nnlint.runtime.", "nnlint.server", "nnlint.flake8_plugin", "nnlint.testing",
                      "nnlint.__main__", "nnlint.daemon.")
_LOADED_ON_DEMAND = ("rich.console", "rich.text", "rich.progress", "rich.markdown", "concurrent.futures.process")


def import_what_a_run_needs() -> None:
    for module in pkgutil.walk_packages(nnlint.__path__, "nnlint."):
        if not module.name.startswith(_NOT_FOR_LINT_RUNS):
            importlib.import_module(module.name)
    importlib.import_module("nnlint.runtime.command")  # the CLI registers `nnlint run` without torch
    for name in _LOADED_ON_DEMAND:
        importlib.import_module(name)

    import libcst

    from nnlint.rules import catalogue, static_rules

    static_rules()
    catalogue()
    libcst.parse_module("import torch\n")
