"""`nnlint server`: the language server's handlers, wiring documents, settings, linting and actions together."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from nnlint import __version__
from nnlint.config import ConfigError, Settings
from nnlint.pages import page_text
from nnlint.server import notebook_sync
from nnlint.server.actions import KINDS, code_actions
from nnlint.server.convert import contains
from nnlint.server.linting import Linter, LintResult, Snapshot
from nnlint.server.pool import LintPool, WorkerCrashed
from nnlint.server.positions import Positions
from nnlint.server.settings import (
    CONFIG_NAMES, ClientSettings, ConfigFiles, DocumentSettings, describe, is_config_file, resolve,
)
from nnlint.server.worker import FixAllJob

SECTION = "nnlint"
CONFIG_WAIT_SECONDS = 2.0  # a client that never answers workspace/configuration still gets diagnostics
PYTHON_SUFFIXES = (".py", ".pyi")


class NnlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("nnlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=notebook_sync.SYNC_OPTIONS)
        self.pool = LintPool()
        self.config_files = ConfigFiles()
        self.initial_settings = ClientSettings()
        self.folder_settings: dict[str, ClientSettings] = {}
        self.settings_ready = asyncio.Event()
        self.python_documents: set[str] = set()
        self.notebooks: set[str] = set()
        self._reported_config_errors: set[str] = set()
        self.linter = Linter(self.pool, self.snapshot, self.document_settings, self.positions_for,
                             self.publish, self.log, self.publish_notebook)

    # -- documents ------------------------------------------------------------------------------------
    def snapshot(self, uri: str) -> Snapshot | None:
        if uri in self.notebooks:
            return self.notebook_snapshot(uri)
        if uri not in self.python_documents or uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        path = (to_fs_path(uri) if uri.startswith("file:") else None) or "untitled.py"
        return Snapshot(uri, path, document.version, document.source)

    def notebook_snapshot(self, uri: str) -> Snapshot | None:
        view = notebook_sync.NotebookView.of(self.workspace, uri)
        if view is None:
            return None
        version = self.workspace.get_notebook_document(notebook_uri=uri).version
        path = (to_fs_path(uri) if uri.startswith("file:") else None) or "notebook.ipynb"
        return Snapshot(uri, path, version, view.notebook.source, view)

    def publish_notebook(self, snapshot: Snapshot, found: list) -> None:
        view = snapshot.notebook
        versions = {cell.uri: cell.version for cell in view.cells}
        for cell_uri, diagnostics in notebook_sync.per_cell(view, found, self.workspace.position_codec).items():
            self.publish(cell_uri, versions[cell_uri], diagnostics)

    def positions_for(self, source: str) -> Positions:
        return Positions(source, self.workspace.position_codec)

    def publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # -- settings -------------------------------------------------------------------------------------
    def folder_of(self, uri: str) -> str | None:
        """The workspace folder holding the document (the deepest one in a nested multi-root workspace)."""
        folders = [folder.uri for folder in self.workspace.folders.values()]
        if not folders and self.workspace.root_uri:
            folders = [self.workspace.root_uri]
        matches = [f for f in folders if uri == f or uri.startswith(f.rstrip("/") + "/")]
        return max(matches, key=len) if matches else None

    async def document_settings(self, uri: str) -> DocumentSettings:
        try:
            await asyncio.wait_for(self.settings_ready.wait(), CONFIG_WAIT_SECONDS)
        except asyncio.TimeoutError:
            self.settings_ready.set()
        path = to_fs_path(uri) if uri.startswith("file:") else None
        document = Path(path) if path else None
        folder_uri = self.folder_of(uri)
        if document is None and folder_uri is None and self.workspace.folders:
            folder_uri = next(iter(self.workspace.folders.values())).uri  # an untitled buffer: the first folder's
        folder = Path(to_fs_path(folder_uri)) if folder_uri else None
        client = self.folder_settings.get(folder_uri or "", self.initial_settings)
        try:
            file_settings, config_file = self.config_files.settings_for(document, folder)
            return resolve(file_settings, client, document, config_file)
        except ConfigError as error:
            self._report_config_error(str(error))
            return resolve(Settings(root=folder or Path.cwd()), ClientSettings(enable=client.enable), document, None)

    def _report_config_error(self, message: str) -> None:
        if message not in self._reported_config_errors:
            self._reported_config_errors.add(message)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error,
                                                             message=describe(ConfigError(message))))

    def read_client_settings(self, data, where: str) -> ClientSettings:
        settings, problems = ClientSettings.from_json(data)
        for problem in problems:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning,
                                                             message=f"{problem} ({where}); ignored"))
        return settings

    async def pull_settings(self) -> None:
        """Ask the client for the `nnlint` section, globally and for each workspace folder."""
        capabilities = self.client_capabilities.workspace
        if capabilities is None or not capabilities.configuration:
            self.settings_ready.set()
            return
        scopes = [None, *(folder.uri for folder in self.workspace.folders.values())]
        items = [types.ConfigurationItem(scope_uri=scope, section=SECTION) for scope in scopes]
        try:
            answers = await self.workspace_configuration_async(types.ConfigurationParams(items=items))
        except Exception as error:  # noqa: BLE001 - a client that fails here still gets its diagnostics
            self.log(types.MessageType.Warning, f"nnlint: workspace/configuration failed: {error!r}")
            answers = [None] * len(scopes)
        base = self.initial_settings
        folder_settings = {}
        for scope, answer in zip(scopes, answers):
            settings = self.read_client_settings(answer, "editor settings").merged_over(base)
            if scope is None:
                base = settings
            folder_settings[scope or ""] = settings
        self.folder_settings = {key: value.merged_over(base) if key else value
                                for key, value in folder_settings.items()}
        self.settings_ready.set()

    def relint_all(self) -> None:
        for uri in [*self.python_documents, *self.notebooks]:
            self.linter.schedule(uri, delay=0)

    async def register_watchers(self) -> None:
        capabilities = self.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched is None or not watched.dynamic_registration:
            return  # such clients (Neovim 0.7) report config edits through didSave of the open file instead
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
        registration = types.Registration(
            id="nnlint-config-files",
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await self.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as error:  # noqa: BLE001
            self.log(types.MessageType.Warning, f"nnlint: cannot watch config files: {error!r}")

    def config_changed(self, path: Path) -> None:
        self.config_files.forget(path)
        self._reported_config_errors.clear()
        self.relint_all()

    async def fix_all_for(self, uri: str, result: LintResult) -> str | None:
        """The whole document after `--fix`'s rounds, computed on the text that was linted."""
        settings = result.settings
        snapshot = self.snapshot(uri)
        path = snapshot.path if snapshot is not None else "untitled.py"
        job = FixAllJob(path, result.source, settings.selection.codes, settings.fixable, settings.unsafe)
        try:
            outcome = await self.pool.run(job)
        except WorkerCrashed as error:
            self.log(types.MessageType.Error, f"nnlint: internal error while fixing {path}: {error}")
            return None
        return outcome.fixed


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
            ls.linter.schedule(params.text_document.uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: NnlintServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.python_documents:
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
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path and is_config_file(Path(path)):
                ls.config_files.forget(Path(path))
        ls._reported_config_errors.clear()
        ls.relint_all()

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
