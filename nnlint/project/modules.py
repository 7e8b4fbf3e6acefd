"""Which file a module name means inside the project, and which module name a file has.

Roots are where top-level modules live: the `src` setting (the project root and `src/` by default) and
the directories named on the command line. A script's own directory (one without `__init__.py`) is searched
first for its absolute imports, as Python does for the script it runs. A name found under no root is not
part of the project (a third-party package), whatever its spelling.
"""

from __future__ import annotations

from pathlib import Path


class ModuleFinder:
    def __init__(self, roots: list[Path]) -> None:
        unique = dict.fromkeys(root.resolve() for root in roots)
        self.roots = sorted(unique, key=lambda root: len(root.parts), reverse=True)  # deepest first
        self._found: dict[tuple[Path | None, str], Path | None] = {}

    def forget(self) -> None:
        """Files may have been added or removed since the last run: search again."""
        self._found.clear()

    def name_of(self, path: Path) -> tuple[str, bool] | None:
        """(`models.net`, is it a package) for `<root>/models/net.py`; None outside every root."""
        path = path.resolve()
        for root in self.roots:
            try:
                parts = list(path.relative_to(root).with_suffix("").parts)
            except ValueError:
                continue
            package = bool(parts) and parts[-1] == "__init__"
            if package:
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts), package
        return None

    def find(self, module: str, importer: Path | None = None) -> Path | None:
        """The file of an absolute module name: `<root>/a/b.py` or `<root>/a/b/__init__.py`."""
        script_dir = importer.resolve().parent if importer is not None else None
        if script_dir is not None and (script_dir / "__init__.py").exists():
            script_dir = None
        key = (script_dir, module)
        if key not in self._found:
            self._found[key] = self._search(module, ([script_dir] if script_dir else []) + self.roots)
        return self._found[key]

    def _search(self, module: str, roots: list[Path]) -> Path | None:
        relative = Path(*module.split("."))
        for root in roots:
            for candidate in (root / relative.with_suffix(".py"), root / relative / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None


def absolute(reference: str, module: str, is_package: bool) -> str | None:
    """`..utils.build` imported in `pkg.train.loop` -> `pkg.utils.build`; absolute names unchanged."""
    level = len(reference) - len(reference.lstrip("."))
    if level == 0:
        return reference
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    rest = reference[level:]
    joined = ".".join(base + ([rest] if rest else []))
    return joined or None
