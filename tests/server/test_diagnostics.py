"""`nnlint server` diagnostics, driven by a real LSP client: what an editor user sees while typing."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.conftest import CLAMP_BUG, VIEW_BUG

pytestmark = pytest.mark.asyncio

CLEAN = """
import torch


def forward(x):
    return x.permute(0, 2, 3, 1)
"""


async def test_open_buggy_file_publishes_the_finding_with_its_page(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    (found,) = await session.diagnostics(uri)
    assert found.code == "NN101"
    assert found.source == "nnlint"
    assert found.severity == types.DiagnosticSeverity.Warning
    assert "use `permute(0, 2, 3, 1)`" in found.message
    assert found.code_description.href.endswith("/rules/NN101/")
    # the exact range of `x.view(b, h, w, c)` on line 6 (0-based 5)
    assert found.range == types.Range(start=types.Position(line=5, character=11),
                                      end=types.Position(line=5, character=29))


async def test_hover_on_the_finding_shows_the_rule_page(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    (found,) = await session.diagnostics(uri)
    hover = await session.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=found.range.start))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("# NN101 view-as-permute")
    elsewhere = await session.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)))
    assert elsewhere is None


async def test_the_unsaved_buffer_is_linted_not_the_file_on_disk(session):
    session.write("model.py", CLEAN)  # on disk: clean
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)  # in the editor: buggy, unsaved
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    session.replace_all(uri, CLEAN.lstrip("\n"))
    assert await session.diagnostics(uri) == []


async def test_a_burst_of_keystrokes_is_linted_once_for_its_last_version(session):
    await session.initialize()
    uri = session.open("model.py", CLEAN)
    assert await session.diagnostics(uri) == []
    text = CLEAN.lstrip("\n")
    for step in range(12):  # alternate buggy and clean text, as fast as the client can send
        session.replace_all(uri, VIEW_BUG.lstrip("\n") if step % 2 == 0 else text)
    last = session.versions[uri]
    session.replace_all(uri, VIEW_BUG.lstrip("\n"))
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    versions = [p.version for p in session.client.published if p.uri == uri]
    assert versions == [1, last + 1], versions  # nothing for the superseded versions, never out of order


async def test_a_change_that_breaks_the_syntax_then_one_that_mends_it(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    broken = VIEW_BUG.lstrip("\n").replace("return x.view(b, h, w, c)", "return x.view(b, h, w, c")
    session.replace_all(uri, broken)
    (error,) = await session.diagnostics(uri)
    assert error.code == "NN001" and error.severity == types.DiagnosticSeverity.Error
    assert "was never closed" in error.message
    session.replace_all(uri, VIEW_BUG.lstrip("\n"))
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]


async def test_noqa_comments_apply(session):
    await session.initialize()
    line = session.open("line.py", VIEW_BUG.replace("w, c)", "w, c)  # noqa: NN101"))
    whole = session.open("file.py", "# nnlint: noqa\n" + VIEW_BUG)
    other = session.open("other.py", VIEW_BUG.replace("w, c)", "w, c)  # noqa: NN201"))
    assert await session.diagnostics(line) == []
    assert await session.diagnostics(whole) == []
    assert [d.code for d in await session.diagnostics(other)] == ["NN101"]


async def test_project_config_applies_and_is_reread_when_it_changes(session):
    config = session.write("pyproject.toml", '[tool.nnlint]\nignore = ["NN101"]\n')
    await session.initialize()
    await session.until(lambda: any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                                    for r in session.client.registrations))
    uri = session.open("model.py", VIEW_BUG)
    assert await session.diagnostics(uri) == []
    config.write_text('[tool.nnlint]\nignore = ["NN2"]\n', encoding="utf-8")
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=session.uri("pyproject.toml"), type=types.FileChangeType.Changed)]))
    found = await session.wait_for(lambda p: p.uri == uri and p.diagnostics)
    assert [d.code for d in found.diagnostics] == ["NN101"]


async def test_each_workspace_folder_has_its_own_config(session):
    session.write("strict/pyproject.toml", '[tool.nnlint]\nselect = ["ALL"]\n')
    session.write("lenient/pyproject.toml", '[tool.nnlint]\nignore = ["NN1"]\n')
    await session.initialize(folders=[session.root / "strict", session.root / "lenient"])
    strict = session.open("strict/model.py", VIEW_BUG)
    lenient = session.open("lenient/model.py", VIEW_BUG)
    assert [d.code for d in await session.diagnostics(strict)] == ["NN101"]
    assert await session.diagnostics(lenient) == []


async def test_excluded_files_get_no_diagnostics(session):
    session.write("pyproject.toml", '[tool.nnlint]\nextend-exclude = ["generated"]\n')
    await session.initialize()
    excluded = session.open("generated/model.py", VIEW_BUG)
    included = session.open("src/model.py", VIEW_BUG)
    assert await session.diagnostics(excluded) == []
    assert [d.code for d in await session.diagnostics(included)] == ["NN101"]


async def test_a_broken_config_is_shown_once_and_defaults_apply(session):
    session.write("pyproject.toml", '[tool.nnlint]\nselekt = ["NN1"]\n')
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    (shown,) = [m for m in session.client.messages if m.type == types.MessageType.Error]
    assert "unknown key `selekt` (did you mean `select`?)" in shown.message


async def test_closing_a_document_clears_its_diagnostics(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    assert await session.diagnostics(uri)
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await session.wait_for(lambda p: p.uri == uri and p.version is None and not p.diagnostics)


async def test_an_untitled_buffer_is_linted_with_the_workspace_settings(session):
    session.write("pyproject.toml", '[tool.nnlint]\nselect = ["NN2"]\n')
    await session.initialize()
    uri = "untitled:Untitled-1"
    session.versions[uri] = 1
    session.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=VIEW_BUG.lstrip("\n") + CLAMP_BUG)))
    assert [d.code for d in await session.diagnostics(uri)] == ["NN205"]  # the folder's select = ["NN2"]
