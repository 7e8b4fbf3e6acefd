"""Settings from `[tool.nnlint]` in pyproject.toml, `nnlint.toml` or `--config`, validated, CLI on top."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from nnlint import selectors
from nnlint.report import FORMATS
from nnlint.rules import catalogue

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", ".tox", ".nox", ".eggs", "*.egg-info",
    "build", "dist", "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".nnlint_cache", "site-packages",
)


class ConfigError(Exception):
    """A configuration problem, worded for one line on stderr."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: the rules that are on by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()
    output_format: str = "full"
    respect_gitignore: bool = True
    src: tuple[str, ...] = (".", "src")  # where the project's top-level modules live (relative to root)
    include_generated: bool = False  # --include-generated: lint files marked @generated / nnlint: skip-file
    # where the config lives: globs and the cache are relative to it
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None

    def enabled_codes(self) -> frozenset[str]:
        known = catalogue()
        if self.select is None:
            codes = {code for code, info in known.items() if info.default_enabled}
        else:
            codes = selectors.expand(self.select, known)
        codes |= selectors.expand(self.extend_select, known)
        codes -= selectors.expand(self.ignore, known)
        return frozenset(codes)

    def fixable_codes(self) -> frozenset[str]:
        known = catalogue()
        return frozenset(selectors.expand(self.fixable, known) - selectors.expand(self.unfixable, known))

    def fingerprint(self) -> str:
        """What the cached results depend on."""
        return repr((sorted(self.enabled_codes()), self.per_file_ignores, self.src, self.include_generated))


_KEYS = {
    "select": "codes",
    "extend-select": "codes",
    "ignore": "codes",
    "per-file-ignores": "per-file",
    "exclude": "strings",
    "extend-exclude": "strings",
    "fixable": "codes",
    "unfixable": "codes",
    "output-format": "format",
    "respect-gitignore": "bool",
    "src": "strings",
}


def find_config_file(start: Path) -> Path | None:
    """The nearest `nnlint.toml`, or `pyproject.toml` with a `[tool.nnlint]` table, from `start` upward."""
    directory = start if start.is_dir() else start.parent
    for candidate in [directory, *directory.parents]:
        own = candidate / "nnlint.toml"
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_nnlint_table(pyproject):
            return pyproject
    return None


def _has_nnlint_table(pyproject: Path) -> bool:
    try:
        return "nnlint" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return True  # report the broken file rather than silently skipping it


def load_settings(config_file: Path | None) -> Settings:
    if config_file is None:
        return Settings()
    data = _read_toml(config_file)
    table = data.get("tool", {}).get("nnlint", {}) if config_file.name == "pyproject.toml" else data
    where = f"{config_file}: [tool.nnlint]" if config_file.name == "pyproject.toml" else str(config_file)
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    values = {}
    for key, value in table.items():
        if key not in _KEYS:
            from difflib import get_close_matches  # here: only a mistyped key needs it

            hint = get_close_matches(key, _KEYS, n=1)
            suggestion = f" (did you mean `{hint[0]}`?)" if hint else ""
            raise ConfigError(f"{where}: unknown key `{key}`{suggestion}")
        values[key.replace("-", "_")] = _validate(where, key, _KEYS[key], value)
    return Settings(root=config_file.parent.resolve(), source=config_file, **values)


def with_overrides(settings: Settings, **overrides) -> Settings:
    """Command-line values replace the file's (None means "not given")."""
    given = {key: value for key, value in overrides.items() if value is not None}
    for key in ("select", "extend_select", "ignore", "fixable", "unfixable"):
        if key in given:
            _check_codes(f"--{key.replace('_', '-')}", given[key])
    return replace(settings, **given)


def _read_toml(path: Path) -> dict:
    # imported here: a project without a pyproject.toml or nnlint.toml has no TOML to parse
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None


def _validate(where: str, key: str, kind: str, value):
    def fail(expected: str):
        raise ConfigError(f"{where}: `{key}` must be {expected}, got {type(value).__name__} {value!r}")

    if kind == "bool":
        if not isinstance(value, bool):
            fail("true or false")
        return value
    if kind == "format":
        if value not in FORMATS:
            fail("one of " + ", ".join(FORMATS))
        return value
    if kind in ("strings", "codes"):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            fail("a list of strings")
        if kind == "codes":
            _check_codes(f"{where}: `{key}`", value)
        return tuple(value)
    if kind == "per-file":
        if not isinstance(value, dict):
            fail("a table of glob = [codes]")
        pairs = []
        for glob, codes in value.items():
            if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
                raise ConfigError(f"{where}: `{key}.\"{glob}\"` must be a list of rule codes")
            _check_codes(f"{where}: `{key}.\"{glob}\"`", codes)
            pairs.append((glob, tuple(codes)))
        return tuple(pairs)
    raise AssertionError(kind)


def _check_codes(where: str, codes) -> None:
    try:
        selectors.validate(codes, catalogue())
    except selectors.UnknownSelector as error:
        raise ConfigError(f"{where}: {error}") from None

