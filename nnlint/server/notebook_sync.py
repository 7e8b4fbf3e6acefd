"""Jupyter notebooks over LSP 3.17 `notebookDocument/*` sync: one lint of all code cells, findings per cell.

The server holds a notebook as its cells (each a text document); `nnlint.notebooks.Notebook.from_cells` joins
the code cells (IPython syntax blanked) into the text the engine lints and maps each finding back to its
cell, where it is published with cell-relative ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from nnlint.diagnostic import Diagnostic, Location
from nnlint.notebooks import Notebook
from nnlint.server.convert import lsp_diagnostic
from nnlint.server.positions import Positions

SYNC_OPTIONS = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithCells(cells=[types.NotebookCellLanguage(language="python")])],
    save=True,
)


@dataclass(frozen=True)
class CellDocument:
    index: int  # 1-based among all the notebook's cells, as Jupyter shows them
    uri: str
    version: int | None
    text: str


@dataclass(frozen=True)
class NotebookView:
    """An open notebook at one version: its code cells and the joined source."""

    cells: tuple[CellDocument, ...]
    notebook: Notebook

    @classmethod
    def of(cls, workspace, uri: str) -> NotebookView | None:
        document = workspace.get_notebook_document(notebook_uri=uri)
        if document is None:
            return None
        cells = []
        for index, cell in enumerate(document.cells, start=1):
            if cell.kind != types.NotebookCellKind.Code or cell.document not in workspace.text_documents:
                continue
            text = workspace.get_text_document(cell.document)
            if text.language_id not in (None, "python"):
                continue
            cells.append(CellDocument(index, cell.document, text.version, text.source))
        notebook = Notebook.from_cells([(cell.index, cell.text) for cell in cells])
        return cls(tuple(cells), notebook)


def per_cell(view: NotebookView, found: list[Diagnostic], codec) -> dict[str, list[types.Diagnostic]]:
    """Each code cell's diagnostics (an empty list clears a cell), ranges relative to the cell."""
    by_index = {cell.index: cell for cell in view.cells}
    positions = {cell.index: Positions(cell.text, codec) for cell in view.cells}
    published: dict[str, list[types.Diagnostic]] = {cell.uri: [] for cell in view.cells}
    for diagnostic in found:
        index, row, column = view.notebook.to_cell(diagnostic.location.row, diagnostic.location.column)
        end_index, end_row, end_column = view.notebook.to_cell(diagnostic.end_location.row,
                                                               diagnostic.end_location.column)
        if index not in by_index:
            continue
        if end_index != index:  # a range never leaves its cell: stop at the end of the start line
            lines = positions[index].lines
            end_row = row
            end_column = len(lines[row - 1].rstrip("\r\n")) + 1 if row <= len(lines) else column
        local = Diagnostic(diagnostic.code, diagnostic.name, diagnostic.message, diagnostic.filename,
                           Location(row, column), Location(end_row, end_column), None, diagnostic.url)
        published[by_index[index].uri].append(lsp_diagnostic(local, positions[index]))
    return published
