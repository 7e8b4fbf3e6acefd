"""What a worker process needs to answer project questions: the roots and the summary cache's folder.

Small and picklable; each process builds its own index from it once and keeps it for every file it lints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nnlint.cache import CACHE_DIR

if TYPE_CHECKING:
    from nnlint.project.index import ProjectIndex

_INDEXES: dict[ProjectSpec, ProjectIndex] = {}


@dataclass(frozen=True)
class ProjectSpec:
    roots: tuple[str, ...]
    cache_dir: str | None

    @classmethod
    def of(cls, settings, command_line_roots=(), cached: bool = True) -> ProjectSpec:
        """`src` (relative to the config's folder) first, then the directories named on the command line."""
        roots = [settings.root / entry for entry in settings.src]
        roots += [Path(root) for root in command_line_roots]
        existing = tuple(str(root.resolve()) for root in roots if root.is_dir())
        return cls(existing, str(settings.root / CACHE_DIR) if cached else None)

    def index(self) -> ProjectIndex:
        # imported here: a run whose cached findings used no other module's summary never builds an index
        from nnlint.project.index import ProjectIndex

        if self not in _INDEXES:
            cache_dir = Path(self.cache_dir) if self.cache_dir is not None else None
            _INDEXES[self] = ProjectIndex([Path(root) for root in self.roots], cache_dir)
        return _INDEXES[self]

    def forget_searches(self) -> None:
        """Files may have been added or removed since this process last used the index: search imports again."""
        if self in _INDEXES:
            _INDEXES[self].finder.forget()

    def view(self, path: str):
        from nnlint.project.view import ProjectView

        return ProjectView(path, self.index())
