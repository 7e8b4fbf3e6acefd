"""The default of a command-line option a script reads: `args.step_size` -> `default=10` of `--step_size`.

Training scripts put their hyper-parameters behind argparse, so a rule that needs a value (`StepLR`'s
period, a learning rate) sees `args.step_size` where a literal would be. The default is the value every
run gets unless the command line overrides it, which is what a reader of the script sees too.
"""

from __future__ import annotations

import weakref

import libcst as cst

from nnlint.facts.calls import argument, positional_args, string
from nnlint.facts.collector import Facts


def option_default(facts: Facts, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The `default=` of the one `add_argument` that defines the option `expr` (`args.x`, `opt.x`) reads."""
    if not isinstance(expr, cst.Attribute):
        return None
    defaults = _defaults(facts).get(expr.attr.value)
    return defaults[0] if defaults is not None and len(defaults) == 1 else None


def _defaults(facts: Facts) -> dict[str, list[cst.BaseExpression]]:
    found = _CACHE.get(facts)
    if found is None:
        found = _CACHE[facts] = {}
        for node in facts.nodes():
            if isinstance(node, cst.Call) and _is_add_argument(node):
                dest, default = _dest(node), argument(node, None, "default")
                if dest is not None:
                    found.setdefault(dest, []).append(default if default is not None else cst.Name("None"))
    return found


_CACHE: weakref.WeakKeyDictionary[Facts, dict[str, list[cst.BaseExpression]]] = weakref.WeakKeyDictionary()


def _is_add_argument(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "add_argument"


def _dest(call: cst.Call) -> str | None:
    """argparse's attribute name: `dest=`, else the first long option (`--step-size` -> `step_size`)."""
    dest = string(argument(call, None, "dest"))
    if dest is not None:
        return dest
    flags = [string(arg) for arg in positional_args(call)]
    long_flags = [flag for flag in flags if flag is not None and flag.startswith("--")]
    if long_flags:
        return long_flags[0][2:].replace("-", "_")
    plain = [flag for flag in flags if flag is not None and not flag.startswith("-")]
    return plain[0] if plain else None
