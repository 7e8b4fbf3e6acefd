"""A real LSP client (pytest-lsp) talking to a real `nnlint server` subprocess over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 60.0  # seconds; generous for a loaded 2-core CI machine, a passing test takes far less


@dataclass
class Published:
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]
    at: float = field(default_factory=time.perf_counter)


def recording_client() -> LanguageClient:
    """The standard test client, also keeping every publishDiagnostics (not only the latest per file)."""
    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(Published(params.uri, params.version, list(params.diagnostics)))

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    client = LanguageClient(converter_factory=default_converter)
    client.published, client.registrations = [], []
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   types.CLIENT_REGISTER_CAPABILITY: register})
    return client


def server_config(env: dict[str, str] | None = None) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "nnlint", "server"],
        client_factory=recording_client,
        server_env={**os.environ, **(env or {})},
    )


@pytest_lsp.fixture(config=server_config())
async def client(lsp_client: LanguageClient):
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:  # a test may have shut it down
        await lsp_client.shutdown_session()


class Session:
    """What an editor does, in the words of the tests: open, type, wait for the findings, apply an edit."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    async def initialize(self, folders: list[Path] | None = None, options=None, capabilities="visual-studio-code"):
        folders = folders or [self.root]
        await self.client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities(capabilities),
            root_uri=from_fs_path(str(folders[0])),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(f)), name=f.name) for f in folders],
            initialization_options=options,
        ))

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def uri(self, relative: str) -> str:
        return from_fs_path(str(self.root / relative))

    def open(self, relative: str, text: str | None = None) -> str:
        uri = self.uri(relative)
        if text is None:
            text = (self.root / relative).read_text(encoding="utf-8")
        else:
            text = textwrap.dedent(text).lstrip("\n")
        self.versions[uri], self.texts[uri] = 1, text
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        return uri

    def replace_all(self, uri: str, text: str) -> int:
        """Send the whole new text, as some editors do."""
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    def type_edits(self, uri: str, edits: list[types.TextEdit]) -> int:
        """Apply edits the way an editor applies a WorkspaceEdit: incremental changes, last edit first."""
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        for edit in ordered:
            self.texts[uri] = apply_edit(self.texts[uri], edit)
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                             for e in ordered]))
        return self.versions[uri]

    async def diagnostics(self, uri: str, version: int | None = None) -> list[types.Diagnostic]:
        """The diagnostics published for `uri` at `version` (its latest by default), waiting for them."""
        version = self.versions.get(uri) if version is None else version
        found = await self.wait_for(lambda p: p.uri == uri and p.version == version)
        return found.diagnostics

    async def wait_for(self, matches, timeout: float = TIMEOUT) -> Published:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for published in reversed(self.client.published):
                if matches(published):
                    return published
            await asyncio.sleep(0.01)
        raise AssertionError(f"no matching publishDiagnostics in {timeout}s; got {self.client.published!r}")

    async def ping(self) -> None:
        """A request's round trip: the server has handled every notification sent before it."""
        await self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri("not-open.py")),
            position=types.Position(line=0, character=0)))

    async def until(self, condition, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "timed out waiting for the server"
            await asyncio.sleep(0.01)

    async def code_actions(self, uri: str, diagnostic: types.Diagnostic | None = None, only=None,
                           at: types.Range | None = None) -> list[types.CodeAction]:
        area = at or (diagnostic.range if diagnostic else types.Range(start=types.Position(line=0, character=0),
                                                                      end=types.Position(line=0, character=0)))
        result = await self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=area,
            context=types.CodeActionContext(diagnostics=[diagnostic] if diagnostic else [], only=only),
        ))
        return list(result or [])

    def apply(self, uri: str, action: types.CodeAction) -> int:
        """Apply a code action's WorkspaceEdit the way a client does, checking the version it was made for."""
        edit = action.edit
        assert edit is not None, action
        if edit.document_changes:
            (change,) = edit.document_changes
            assert change.text_document.uri == uri
            assert change.text_document.version == self.versions[uri], "edit computed against another version"
            return self.type_edits(uri, list(change.edits))
        return self.type_edits(uri, list(edit.changes[uri]))


def apply_edit(text: str, edit: types.TextEdit) -> str:
    """Apply one TextEdit (ASCII test texts: characters are UTF-16 units)."""
    lines = text.splitlines(keepends=True)

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[:position.line]) + position.character

    return text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]


@pytest.fixture
def session(client, tmp_path) -> Session:
    return Session(client, tmp_path)


FAULTS = Path(__file__).parent / "faults"


@pytest_lsp.fixture(config=server_config(env={"PYTHONPATH": os.pathsep.join(
    [str(FAULTS), *filter(None, [os.environ.get("PYTHONPATH")])])}))
async def faulty_client(lsp_client: LanguageClient):
    """A server whose rule NN101 crashes or hangs on marked buffers (tests/server/faults/sitecustomize.py)."""
    yield
    if lsp_client._server is not None and lsp_client._server.returncode is None:
        await lsp_client.shutdown_session()


@pytest.fixture
def faulty_session(faulty_client, tmp_path) -> Session:
    return Session(faulty_client, tmp_path)
