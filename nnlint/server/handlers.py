"""`nnlint server`'s LSP handlers: each turns a client message into a call on the server's state."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from nnlint.pages import page_text
from nnlint.server.actions import KINDS, code_actions
from nnlint.server.app import SECTION, NnlintServer
from nnlint.server.convert import contains
from nnlint.server.settings import is_config_file

PYTHON_SUFFIXES = (".py", ".pyi")


def is_python(document: types.TextDocumentItem) -> bool:
    return document.language_id == "python" or document.uri.endswith(PYTHON_SUFFIXES)


def build_server() -> NnlintServer:
    server = NnlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: NnlintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("settings"), dict):
            options = options["settings"]  # the shape Ruff's and the VS Code client's options take
        elif isinstance(options, dict) and isinstance(options.get(SECTION), dict):
            options = options[SECTION]
        ls.initial_settings = ls.read_client_settings(options, "initializationOptions")

    @server.feature(types.INITIALIZED)
    async def initialized(ls: NnlintServer, params: types.InitializedParams) -> None:
        ls.pool.start()  # warm the workers while the client opens its first document
        await ls.register_watchers()
        await ls.pull_settings()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: NnlintServer, params: types.DidOpenTextDocumentParams) -> None:
        if is_python(params.text_document):
            ls.python_documents.add(params.text_document.uri)
            ls.module_buffer_changed(params.text_document.uri)
            ls.linter.schedule(params.text_document.uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NnlintServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.python_documents:
            ls.module_buffer_changed(params.text_document.uri)
            ls.linter.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: NnlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        if path and is_config_file(Path(path)):
            ls.config_changed(Path(path))
        elif uri in ls.python_documents:
            ls.linter.schedule(uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: NnlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri in ls.python_documents:
            ls.python_documents.discard(uri)
            ls.linter.close(uri)
            ls.module_buffer_closed(uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_did_open(ls: NnlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.notebooks.add(params.notebook_document.uri)
        ls.linter.schedule(params.notebook_document.uri, delay=0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_did_change(ls: NnlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        if uri not in ls.notebooks:
            return
        structure = params.change.cells.structure if params.change.cells else None
        for removed in (structure.did_close or []) if structure else []:
            ls.publish(removed.uri, None, [])
        ls.linter.schedule(uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_did_save(ls: NnlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        if params.notebook_document.uri in ls.notebooks:
            ls.linter.schedule(params.notebook_document.uri, delay=0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_did_close(ls: NnlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        uri = params.notebook_document.uri
        ls.notebooks.discard(uri)
        ls.linter.close(uri, clear=False)
        for cell in params.cell_text_documents:
            ls.publish(cell.uri, None, [])

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: NnlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        changes = [(Path(path), change.type) for change in params.changes if (path := to_fs_path(change.uri))]
        configs = [path for path, _ in changes if is_config_file(path)]
        for path in configs:
            ls.config_files.forget(path)
        if configs:
            ls._reported_config_errors.clear()
            ls.relint_all()
        ls.modules_changed_on_disk([(path, kind) for path, kind in changes if path.suffix in PYTHON_SUFFIXES])

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: NnlintServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
            ls.initial_settings = ls.read_client_settings(settings[SECTION], "editor settings")
        await ls.pull_settings()
        ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=KINDS))
    async def code_action(ls: NnlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        result = await ls.linter.current(uri)
        if result is None:
            return None
        workspace_edit = ls.client_capabilities.workspace.workspace_edit if ls.client_capabilities.workspace else None
        versioned = bool(workspace_edit and workspace_edit.document_changes) and result.version is not None

        return await code_actions(uri, result, params, versioned, lambda lint: ls.fix_all_for(uri, lint))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: NnlintServer, params: types.HoverParams) -> types.Hover | None:
        result = await ls.linter.current(params.text_document.uri)
        if result is None:
            return None
        under = [published for published in result.published if contains(published.range, params.position)]
        pages = [page_text(str(published.code)) for published in under]
        pages = [page for page in dict.fromkeys(pages) if page]
        if not pages:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(pages)),
            range=under[0].range,
        )

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: NnlintServer, params: None) -> None:
        ls.pool.close()

    return server
