"""What applies to one document: its project's config file, then the editor's settings on top.

The config is the nearest `nnlint.toml` / `pyproject.toml` with `[tool.nnlint]` above the document, read
once and kept until the editor says the file changed. Editor settings (from `initializationOptions` and
`workspace/configuration`, section `nnlint`) override it the way command-line flags do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pathspec

from nnlint import selectors
from nnlint.config import ConfigError, Settings, find_config_file, load_settings, with_overrides
from nnlint.engine import Selection
from nnlint.project.spec import ProjectSpec
from nnlint.rules import catalogue
from nnlint.runner import Selector

CONFIG_NAMES = ("pyproject.toml", "nnlint.toml")


@dataclass(frozen=True)
class ClientSettings:
    """The editor's `nnlint` settings; None means "as the config file says"."""

    enable: bool = True
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fix_unsafe: bool = False

    @classmethod
    def from_json(cls, data) -> tuple[ClientSettings, list[str]]:
        """The settings and one message per value that was ignored (wrong type)."""
        if not isinstance(data, dict):
            return cls(), [] if data is None else [f"nnlint settings must be an object, got {data!r}"]
        problems: list[str] = []
        values: dict = {}
        for key, raw in data.items():
            name = _KEY_NAMES.get(key)
            if name is None:
                continue  # editors add their own keys (e.g. `path`, `interpreter` for the VS Code client)
            if name in ("enable", "fix_unsafe"):
                if isinstance(raw, bool):
                    values[name] = raw
                else:
                    problems.append(f"nnlint setting `{key}` must be true or false, got {raw!r}")
            elif raw is None:
                continue
            elif isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(code, str) for code in raw)):
                codes = tuple(c.strip() for c in raw.split(",") if c.strip()) if isinstance(raw, str) else tuple(raw)
                try:
                    selectors.validate(codes, catalogue())
                except selectors.UnknownSelector as error:
                    problems.append(f"nnlint setting `{key}`: {error}")
                else:
                    values[name] = codes
            else:
                problems.append(f"nnlint setting `{key}` must be a list of rule codes, got {raw!r}")
        return cls(**values), problems

    def merged_over(self, base: ClientSettings) -> ClientSettings:
        """These settings where given, `base` elsewhere (folder settings over initializationOptions)."""
        given = {name: value for name, value in vars(self).items() if value != getattr(ClientSettings(), name)}
        return replace(base, **given)


_KEY_NAMES = {
    "enable": "enable",
    "select": "select",
    "extend-select": "extend_select",
    "extendSelect": "extend_select",
    "ignore": "ignore",
    "fix-unsafe": "fix_unsafe",
    "fixUnsafe": "fix_unsafe",
    "unsafe-fixes": "fix_unsafe",
}


@dataclass(frozen=True)
class DocumentSettings:
    """Everything a lint of one document needs to know."""

    enabled: bool
    selection: Selection
    fixable: frozenset[str]
    unsafe: bool
    config_file: Path | None
    project: ProjectSpec | None = None  # the roots its imports are resolved in (`src`), as the CLI's
    project_root: str | None = None  # the config's folder (or the workspace folder): other files are named from it


class ConfigFiles:
    """Config files read once per path; forgotten when the editor reports a change."""

    def __init__(self) -> None:
        self._loaded: dict[Path | None, Settings] = {}

    def forget(self, path: Path | None = None) -> None:
        if path is None:
            self._loaded.clear()
        else:
            self._loaded.pop(path.resolve(), None)

    def settings_for(self, document: Path | None, folder: Path | None) -> tuple[Settings, Path | None]:
        """The file settings for a document (raises ConfigError for a broken config file)."""
        start = document.parent if document is not None else folder
        while start is not None and not start.is_dir() and start != start.parent:
            start = start.parent  # a new buffer in a folder not yet on disk still has its project's config
        config_file = find_config_file(start) if start is not None and start.is_dir() else None
        key = config_file.resolve() if config_file is not None else None
        if key not in self._loaded:
            loaded = load_settings(config_file)
            if config_file is None and folder is not None:
                loaded = replace(loaded, root=folder)  # no config: globs are relative to the workspace folder
            self._loaded[key] = loaded
        return self._loaded[key], config_file


def resolve(file_settings: Settings, client: ClientSettings, document: Path | None,
            config_file: Path | None) -> DocumentSettings:
    """Apply the editor's overrides and the config's `exclude` / `per-file-ignores` to one document."""
    settings = with_overrides(file_settings, select=client.select, extend_select=client.extend_select,
                              ignore=client.ignore)
    enabled = client.enable and not (document is not None and _excluded(document, settings))
    name = str(document) if document is not None else "untitled.py"
    return DocumentSettings(
        enabled=enabled,
        selection=Selector(settings).for_path(name),
        fixable=settings.fixable_codes(),
        unsafe=client.fix_unsafe,
        config_file=config_file,
        project=ProjectSpec.of(file_settings) if document is not None else None,
        project_root=str(file_settings.root),
    )


def _excluded(document: Path, settings: Settings) -> bool:
    """`exclude` / `extend-exclude` as the CLI applies them when it walks the project root."""
    try:
        relative = document.resolve().relative_to(settings.root.resolve())
    except ValueError:
        return False
    spec = pathspec.GitIgnoreSpec.from_lines([*settings.exclude, *settings.extend_exclude])
    return spec.match_file(relative.as_posix())


def is_config_file(path: Path) -> bool:
    return path.name in CONFIG_NAMES


def describe(error: ConfigError) -> str:
    return f"nnlint: error: {error} (using the default settings until it is fixed)"
