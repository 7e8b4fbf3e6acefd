"""Jupyter notebooks over notebookDocument sync: per-cell diagnostics with cell-relative ranges."""

from __future__ import annotations

import pytest
from lsprotocol import types

pytestmark = pytest.mark.asyncio

SETUP = "%matplotlib inline\nimport torch\n!nvidia-smi\n"
BUGGY = "def forward(x):\n    b, c, h, w = x.shape\n    return x.view(b, h, w, c)\n"
CLEAN = "def forward(x):\n    return x.permute(0, 2, 3, 1)\n"


def cell(notebook: str, number: int) -> str:
    return f"vscode-notebook-cell:{notebook.split(':', 1)[1]}#cell{number}"


async def open_notebook(session, relative: str, cells: list[tuple[types.NotebookCellKind, str, str]]) -> str:
    uri = session.uri(relative)
    documents = [types.TextDocumentItem(uri=cell(uri, n), language_id=language, version=1, text=text)
                 for n, (_, language, text) in enumerate(cells, start=1)]
    session.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=uri, notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=kind, document=cell(uri, n)) for n, (kind, _, _) in enumerate(cells, 1)]),
        cell_text_documents=documents))
    for document in documents:
        session.versions[document.uri] = 1
    return uri


async def test_a_notebook_gets_findings_in_the_cell_that_has_them(session):
    await session.initialize()
    notebook = await open_notebook(session, "train.ipynb", [
        (types.NotebookCellKind.Code, "python", SETUP),
        (types.NotebookCellKind.Markup, "markdown", "# The model\n"),
        (types.NotebookCellKind.Code, "python", BUGGY),
    ])
    assert await session.diagnostics(cell(notebook, 1)) == []  # magics and shell lines are not syntax errors
    (found,) = await session.diagnostics(cell(notebook, 3))
    assert found.code == "NN101"
    assert found.range == types.Range(start=types.Position(line=2, character=11),
                                      end=types.Position(line=2, character=29))  # relative to the cell


async def test_editing_a_cell_updates_its_findings(session):
    await session.initialize()
    notebook = await open_notebook(session, "train.ipynb", [
        (types.NotebookCellKind.Code, "python", SETUP),
        (types.NotebookCellKind.Code, "python", BUGGY),
    ])
    assert [d.code for d in await session.diagnostics(cell(notebook, 2))] == ["NN101"]
    target = cell(notebook, 2)
    session.versions[target] = 2
    session.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook, version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=target, version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(text=CLEAN)])]))))
    assert await session.diagnostics(target) == []
    session.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=notebook),
        cell_text_documents=[types.TextDocumentIdentifier(uri=cell(notebook, n)) for n in (1, 2)]))
    await session.wait_for(lambda p: p.uri == cell(notebook, 1) and p.version is None)
