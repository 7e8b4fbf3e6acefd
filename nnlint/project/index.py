"""The project index: module summaries by file (built on first question, cached by content hash on disk),
and the answers that follow imports, re-exports and references between summaries.

Nothing is imported or executed: a module is read, parsed and summarised. Every answer records which
summaries it used (path -> digest), so a file's cached findings can be dropped when one of them changes.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from nnlint import __version__
from nnlint.atomic_write import replace_text
from nnlint.cache import content_hash, make_cache_dir
from nnlint.project.modules import ModuleFinder, absolute
from nnlint.project.summary import Effect, Evaluation, ModuleSummary, Value, Where

_DEPTH = 8
# A module whose text has none of these has nothing for a summary but its imports (kept for __init__ files).
_TRIGGERS = (
    "return", "backward", "zero_grad", "step", "clip_grad", "eval", ".train(", "softmax", "sigmoid", "Softmax",
    "Sigmoid", "for ",
)
Used = dict  # path -> summary digest; or a `missing_key` -> "" for a module an import looked for in vain
MISSING = "missing:"


@dataclass(frozen=True)
class Symbol:
    path: Path
    summary: ModuleSummary
    kind: str  # function | class | constant | module
    name: str


class ProjectIndex:
    def __init__(self, roots: list[Path], cache_dir: Path | None = None) -> None:
        self.finder = ModuleFinder(roots)
        self.cache_dir = cache_dir / f"summaries-{__version__}" if cache_dir is not None else None
        self._summaries: dict[Path, tuple[object, ModuleSummary]] = {}  # path -> (file signature, summary)
        self._digests: dict[Path, tuple[object, str]] = {}
        self._texts: dict[Path, str] = {}  # unsaved editor text, by resolved path
        self._users: dict[str, set[str]] = defaultdict(set)  # summarised path -> files whose answers used it

    # summaries -------------------------------------------------------------------------------------------
    def summary(self, path: Path) -> ModuleSummary:
        path = path.resolve()
        signature = self._signature(path)
        known = self._summaries.get(path)
        if known is None or known[0] != signature:
            known = self._summaries[path] = (signature, self._read_summary(path))
        return known[1]

    def digest(self, path: Path) -> str:
        path = path.resolve()
        signature = self._signature(path)
        known = self._digests.get(path)
        if known is None or known[0] != signature:
            known = self._digests[path] = (signature, self.summary(path).digest)
        return known[1]

    def _signature(self, path: Path) -> object:
        """Changes when the file (or the editor's text for it) does: re-read then, not otherwise."""
        if path in self._texts:
            return ("text", hash(self._texts[path]))
        try:
            status = path.stat()
        except OSError:
            return None
        return (status.st_mtime_ns, status.st_size)

    def _read_summary(self, path: Path) -> ModuleSummary:
        if path in self._texts:
            data = self._texts[path].encode("utf-8")
        else:
            try:
                data = path.read_bytes()
            except OSError:
                return ModuleSummary()
        key = content_hash(data)
        stored = self._load(key)
        if stored is not None:
            return stored
        summary = summarise_bytes(data, path.name == "__init__.py")
        if path not in self._texts:  # an unsaved buffer changes with each keystroke: not worth a file each
            self._store(key, summary)
        return summary

    def _load(self, key: str) -> ModuleSummary | None:
        if self.cache_dir is None:
            return None
        try:
            return ModuleSummary.from_json((self.cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # absent, or not ours: rebuild it
            return None

    def _store(self, key: str, summary: ModuleSummary) -> None:
        if self.cache_dir is None:
            return
        try:
            make_cache_dir(self.cache_dir)
            replace_text(self.cache_dir / f"{key}.json", summary.to_json())
        except OSError:
            pass

    # the language server's questions ---------------------------------------------------------------------
    def update(self, path: Path, text: str | None) -> set[str]:
        """Re-summarise `path` from unsaved `text` (None: from disk again); the files whose findings may change."""
        path = path.resolve()
        if text is None:
            self._texts.pop(path, None)
        else:
            self._texts[path] = text
        before = self._digests.get(path)
        self._summaries.pop(path, None)
        self._digests.pop(path, None)
        if before is not None and before[1] == self.digest(path):
            return set()
        return set(self._users.get(str(path), ()))

    def record(self, linted: str, used: Used) -> None:
        """Remember that `linted`'s findings came from the summaries in `used`."""
        for dependency in used:
            self._users[dependency].add(linted)

    def unchanged(self, used: Used) -> bool:
        """Whether every summary a cached result used still reads the same, and every module it looked for
        in vain is still absent."""
        for key, digest in used.items():
            if key.startswith(MISSING):
                _, module, importer = key.split(":", 2)
                if self.finder.find(module, Path(importer)) is not None:
                    return False
            elif self.digest(Path(key)) != digest:
                return False
        return True

    # resolution ------------------------------------------------------------------------------------------
    def resolve(self, reference: str, importer: Path, used: Used, depth: int = 0) -> Symbol | None:
        """The function, class, constant or module that `reference` (as imported in `importer`) names."""
        if depth > _DEPTH:
            return None
        name = self.finder.name_of(importer)
        if reference.startswith("."):
            if name is None:
                return None
            target = absolute(reference, *name)
        else:
            target = reference
        if not target:
            return None
        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            path = self._find(".".join(parts[:cut]), importer, used)
            if path is None:
                continue
            summary = self._use(path, used)
            rest = parts[cut:]
            if not rest:
                return Symbol(path, summary, "module", parts[cut - 1])
            if len(rest) > 1:
                return None  # `Class.method`: not followed
            return self._member(path, ".".join(parts[:cut]), summary, rest[0], used, depth)
        return None

    def _member(self, path, module, summary, name, used, depth) -> Symbol | None:
        tables = (("function", summary.functions), ("class", summary.classes), ("constant", summary.constants))
        for kind, table in tables:
            if name in table:
                return Symbol(path, summary, kind, name)
        if name in summary.imports:  # a re-export: `from .net import SmallNet` in models/__init__.py
            return self.resolve(summary.imports[name], path, used, depth + 1)
        for star in summary.star_imports:
            found = self.resolve(f"{star}.{name}", path, used, depth + 1)
            if found is not None:
                return found
        submodule = self._find(f"{module}.{name}", path, used) if path.name == "__init__.py" else None
        if submodule is not None:
            return Symbol(submodule, self._use(submodule, used), "module", name)
        return None

    def _find(self, module: str, importer: Path, used: Used) -> Path | None:
        """The module's file; when there is none, `used` remembers the search, so that findings cached
        without it are dropped once the file appears."""
        path = self.finder.find(module, importer)
        if path is None:
            used[missing_key(module, importer)] = ""
        return path

    def _use(self, path: Path, used: Used) -> ModuleSummary:
        used[str(path.resolve())] = self.digest(path)
        return self.summary(path)

    # answers ---------------------------------------------------------------------------------------------
    def value(self, reference: str, importer: Path, used: Used, called: bool, literals=(), depth: int = 0):
        """What the imported name is (`called` False) or what calling it returns."""
        from nnlint.project.summarise import choose_return

        symbol = self.resolve(reference, importer, used)
        if symbol is None or depth > _DEPTH:
            return None
        if symbol.kind == "function" and called:
            found = choose_return(symbol.summary.functions[symbol.name], None, literals)
            return self.expand(found, symbol.path, used, depth + 1)
        if symbol.kind == "class" and called:
            cls = symbol.summary.classes[symbol.name]
            model = Value("model", symbol.name, output=cls.output, pretrained=cls.pretrained,
                          where=cls.output_where, loaded=cls.pretrained_where,
                          outputs=cls.outputs, outputs_where=cls.outputs_where, fed_back=cls.fed_back)
            return locate(model, symbol.path)
        if symbol.kind == "constant" and not called:
            return self.expand(symbol.summary.constants[symbol.name], symbol.path, used, depth + 1)
        return None

    def expand(self, value: Value | None, path: Path, used: Used, depth: int = 0, here: bool = True) -> Value | None:
        """Follow the references in a value read from the module at `path`, and say where its parts are
        (`here` False: leave the places in `path` itself unnamed, for the file being linted)."""
        if value is None or depth > _DEPTH:
            return None
        if value.kind == "call":
            found = self.value(value.detail, path, used, True, value.elements, depth + 1)
            if found is not None and value.element >= 0:  # `optimizer, scheduler = make_optimizer(model)`
                elements = found.elements if found.kind == "tuple" else ()
                found = elements[value.element] if value.element < len(elements) else None
            return found
        if value.kind == "tuple":
            elements = tuple(self.expand(e, path, used, depth + 1, here) for e in value.elements)
            return replace(value, elements=elements)
        return locate(value, path) if here else value

    def effects(self, reference: str, importer: Path, used: Used, depth: int = 0) -> list[Effect]:
        """What calling the imported function does (backward, steps, clipping, eval mode), callees followed."""
        symbol = self.resolve(reference, importer, used)
        if symbol is None or symbol.kind != "function" or depth > 3:
            return []
        found = []
        for effect in symbol.summary.functions[symbol.name].effects:
            if effect.kind == "call":
                found += self.effects(effect.where.label, symbol.path, used, depth + 1)
            else:
                found.append(Effect(effect.kind, _at(effect.where, symbol.path)))
        return found

    def evaluation(self, reference: str, importer: Path, used: Used) -> Evaluation | None:
        symbol = self.resolve(reference, importer, used)
        if symbol is None or symbol.kind != "function":
            return None
        evaluation = symbol.summary.functions[symbol.name].evaluation
        return replace(evaluation, where=_at(evaluation.where, symbol.path)) if evaluation else None


def missing_key(module: str, importer: Path) -> str:
    """A `used` entry for a module the import in `importer` did not find (where it looks depends on it)."""
    return f"{MISSING}{module}:{importer.resolve()}"


def summarise_bytes(data: bytes, keep_imports: bool) -> ModuleSummary:
    """A module's summary from its bytes; empty for text that cannot be decoded or parsed."""
    import libcst as cst

    from nnlint.engine import decode
    from nnlint.facts import Facts
    from nnlint.project.summarise import Summariser

    try:
        source = decode(data)
    except (UnicodeDecodeError, LookupError, SyntaxError):
        return ModuleSummary()
    if not keep_imports and not any(trigger in source for trigger in _TRIGGERS):
        return ModuleSummary()
    try:
        module = cst.parse_module(source)
        return Summariser(Facts(module)).module_summary()
    except (cst.ParserSyntaxError, RecursionError):
        return ModuleSummary()


def locate(value: Value | None, path: Path | str) -> Value | None:
    """`value` with the places it names tied to the file they are in."""
    if value is None:
        return None
    return replace(
        value,
        where=_at(value.where, path),
        loaded=_at(value.loaded, path),
        outputs_where=tuple(_at(w, path) for w in value.outputs_where),
        elements=tuple(locate(e, path) for e in value.elements),
    )


def _at(where: Where | None, path: Path | str) -> Where | None:
    if where is None or where.path:
        return where
    return replace(where, path=display_path(path))


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the working directory when under it."""
    text = str(path)
    if not os.path.isabs(text):
        return text
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive
        return text
    return text if relative.startswith("..") else relative
