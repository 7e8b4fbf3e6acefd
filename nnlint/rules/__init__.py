"""The rule registry: every module in this package that defines a `Rule` subclass is a rule.

The catalogue (code, name, summary, fix, default) is all that configuration, reporters and a run answered
from the cache need, yet importing the rules for it loads libcst. So it is kept beside the bytecode, in
`__pycache__/`, under a key made of the rule modules' own bytes: editing, adding or removing a rule module
rebuilds it, and where the directory is read-only the rules are simply imported.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from nnlint import __version__
from nnlint.atomic_write import replace_text
from nnlint.rule_info import RuleInfo

if TYPE_CHECKING:
    from nnlint.rules.base import Rule

_NOT_RULES = {"base", "engine_codes"}


@cache
def static_rules() -> tuple[type[Rule], ...]:
    import importlib  # here: a run answered from the cache never imports the rules
    import pkgutil

    from nnlint.rules.base import Rule

    found: list[type[Rule]] = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in _NOT_RULES or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and hasattr(value, "code"):
                found.append(value)
    return tuple(sorted(found, key=lambda rule: rule.code))


@cache
def catalogue() -> dict[str, RuleInfo]:
    """Every code nnlint can emit: engine codes, static rules and runtime checks."""
    from nnlint.rules.engine_codes import ENGINE_CODES
    from nnlint.runtime.codes import RUNTIME_RULES

    infos = [*ENGINE_CODES, *_static_infos(), *RUNTIME_RULES]
    return {info.code: info for info in sorted(infos, key=lambda info: info.code)}


def _static_infos() -> list[RuleInfo]:
    snapshot = Path(__path__[0]) / "__pycache__" / f"catalogue-{_sources_key()}.json"
    try:
        return [RuleInfo(**item) for item in json.loads(snapshot.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):  # none yet, or damaged: rebuild it from the rules themselves
        pass
    infos = [rule.info() for rule in static_rules()]
    try:
        snapshot.parent.mkdir(exist_ok=True)
        replace_text(snapshot, json.dumps([vars(info) for info in infos]))
    except OSError:  # a read-only installation: the next run imports the rules again
        pass
    return infos


def _sources_key() -> str:
    digest = hashlib.blake2b(f"{__version__}\0{sys.version}".encode(), digest_size=10)
    package = Path(__path__[0])
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
