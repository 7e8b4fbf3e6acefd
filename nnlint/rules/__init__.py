"""The rule registry: every module in this package that defines a `Rule` subclass is a rule."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from nnlint.rules.base import Rule, RuleInfo

_NOT_RULES = {"base", "engine_codes"}


@cache
def static_rules() -> tuple[type[Rule], ...]:
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

    infos = [*ENGINE_CODES, *(rule.info() for rule in static_rules()), *RUNTIME_RULES]
    return {info.code: info for info in sorted(infos, key=lambda info: info.code)}
