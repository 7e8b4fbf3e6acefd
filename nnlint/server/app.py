"""The language server's state: open documents and notebooks, settings per workspace folder, the linter."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from nnlint import __version__
from nnlint.config import ConfigError, Settings
from nnlint.server import notebook_sync
from nnlint.server.linting import Linter, LintResult, Snapshot
from nnlint.server.pool import LintPool, WorkerCrashed
from nnlint.server.positions import Positions
from nnlint.server.project_sync import ProjectSync, module_path
from nnlint.server.settings import (
    CONFIG_NAMES, ClientSettings, ConfigFiles, DocumentSettings, describe, resolve,
)
from nnlint.server.worker import FixAllJob

SECTION = "nnlint"
CONFIG_WAIT_SECONDS = 2.0  # a client that never answers workspace/configuration still gets diagnostics


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
        self.project = ProjectSync()
        self.linter = Linter(self.pool, self.snapshot, self.document_settings, self.positions_for,
                             self.publish, self.log, self.publish_notebook, self.buffers, self.project)

    # -- documents ------------------------------------------------------------------------------------
    def snapshot(self, uri: str) -> Snapshot | None:
        if uri in self.notebooks:
            return self.notebook_snapshot(uri)
        if uri not in self.python_documents or uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        path = (to_fs_path(uri) if uri.startswith("file:") else None) or "untitled.py"
        return Snapshot(uri, path, document.version, document.source)

    def buffers(self, folders: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """The open Python documents under `folders`, as (resolved path, unsaved text): they stand in for their
        files when other documents ask what a module holds."""
        found = []
        for uri in self.python_documents:
            path = to_fs_path(uri) if uri.startswith("file:") else None
            if path is None or uri not in self.workspace.text_documents:
                continue
            path = module_path(path)
            if any(path.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders):
                found.append((path, self.workspace.get_text_document(uri).source))
        return tuple(sorted(found))

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
        client = self.folder_settings.get(folder_uri or "") or self.folder_settings.get("") or self.initial_settings
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
        answers = [*(answers or []), *[None] * len(scopes)][: len(scopes)]  # one answer per item, whatever came
        global_answer, *folder_answers = answers
        base = self.read_client_settings(global_answer, "editor settings").merged_over(self.initial_settings)
        self.folder_settings = {"": base}
        for scope, answer in zip(scopes[1:], folder_answers):
            self.folder_settings[scope] = self.read_client_settings(answer, "editor settings").merged_over(base)
        self.settings_ready.set()

    def relint_all(self) -> None:
        for uri in [*self.python_documents, *self.notebooks]:
            self.linter.schedule(uri, delay=0)

    # -- the project: other documents' findings that use a module's summary -------------------------------
    def module_buffer_changed(self, uri: str) -> None:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            self.project.buffer_changed(path)

    def module_buffer_closed(self, uri: str) -> None:
        """The file on disk stands for the module again: documents that used the buffer's summary re-lint."""
        self.project.closed(uri)
        path = to_fs_path(uri) if uri.startswith("file:") else None
        for dependant in self.project.file_changed(path) if path else []:
            self.linter.schedule(dependant)

    def modules_changed_on_disk(self, changes: list[tuple[Path, types.FileChangeType]]) -> None:
        """Files changed by another program (a git checkout): re-lint the open documents that used them. An
        open document's buffer stands for its file, so a change to that file on disk changes nothing."""
        open_paths = {module_path(p) for uri in self.python_documents if (p := to_fs_path(uri))}
        created = [module_path(str(path)) for path, kind in changes if kind == types.FileChangeType.Created]
        dependants = self.project.files_appeared(created) if created else []
        for path, _ in changes:
            if module_path(str(path)) not in open_paths:
                dependants += self.project.file_changed(str(path))
        for uri in dict.fromkeys(dependants):
            self.linter.schedule(uri)

    async def register_watchers(self) -> None:
        capabilities = self.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched is None or not watched.dynamic_registration:
            return  # such clients (Neovim 0.7) report config edits through didSave of the open file instead
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
        watchers.append(types.FileSystemWatcher(glob_pattern="**/*.py"))  # modules the open documents import
        registration = types.Registration(
            id="nnlint-watched-files",
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
        project = self.linter.project_context(uri, snapshot, settings) if snapshot is not None else None
        job = FixAllJob(path, result.source, settings.selection.codes, settings.fixable, settings.unsafe, project)
        try:
            outcome = await self.pool.run(job)
        except WorkerCrashed as error:
            self.log(types.MessageType.Error, f"nnlint: internal error while fixing {path}: {error}")
            return None
        return outcome.fixed
