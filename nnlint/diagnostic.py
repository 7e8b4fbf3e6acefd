"""What a check reports: a finding with its range and, optionally, a fix.

Rows and columns are 1-based, as in Ruff's JSON output; a column counts characters of the line. In a
notebook, `cell` is the cell's number (1-based, all cells counted) and rows count within that cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Applicability = Literal["safe", "unsafe"]

DOCS_URL = "https://nnlint.readthedocs.io/en/latest/rules/{code}/"


@dataclass(frozen=True, order=True)
class Location:
    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between `location` and `end_location` with `content`."""

    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """Another place the finding involves (the model's softmax in another file): shown as a note."""

    filename: str
    location: Location
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    filename: str
    location: Location
    end_location: Location
    fix: Fix | None = None
    url: str | None = field(default=None)
    cell: int | None = None  # set for notebooks: rows are then relative to this cell
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple:
        return (self.filename, self.cell or 0, self.location, self.code)

    def to_dict(self) -> dict:
        """Ruff-compatible JSON object."""
        fix = None
        if self.fix is not None:
            fix = {
                "applicability": self.fix.applicability,
                "message": self.fix.message,
                "edits": [
                    {
                        "content": edit.content,
                        "location": _loc(edit.location),
                        "end_location": _loc(edit.end_location),
                    }
                    for edit in self.fix.edits
                ],
            }
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "filename": self.filename,
            "location": _loc(self.location),
            "end_location": _loc(self.end_location),
            "fix": fix,
            "url": self.url,
            "cell": self.cell,
            **({"related": [_related(r) for r in self.related]} if self.related else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Diagnostic:
        fix = None
        if data.get("fix"):
            raw = data["fix"]
            fix = Fix(
                applicability=raw["applicability"],
                message=raw["message"],
                edits=tuple(
                    Edit(e["content"], Location(**e["location"]), Location(**e["end_location"]))
                    for e in raw["edits"]
                ),
            )
        return cls(
            code=data["code"],
            name=data["name"],
            message=data["message"],
            filename=data["filename"],
            location=Location(**data["location"]),
            end_location=Location(**data["end_location"]),
            fix=fix,
            url=data.get("url"),
            cell=data.get("cell"),
            related=tuple(
                Related(r["filename"], Location(**r["location"]), r["message"]) for r in data.get("related", ())
            ),
        )


def _related(related: Related) -> dict:
    return {"filename": related.filename, "location": _loc(related.location), "message": related.message}


def _loc(location: Location) -> dict:
    return {"row": location.row, "column": location.column}
