"""`nnlint server --tcp HOST:PORT`: the same server on a socket, for attaching a debugger or a client by hand."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap

import pytest
from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient
from pygls.uris import from_fs_path

from tests.conftest import VIEW_BUG

pytestmark = pytest.mark.asyncio


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def connect(client: BaseLanguageClient, port: int) -> None:
    for _ in range(600):  # the server needs a moment to listen
        try:
            await client.start_tcp("127.0.0.1", port)
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError("nnlint server --tcp never listened")


async def test_server_over_tcp_publishes_diagnostics(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "nnlint", "server", "--tcp", f"127.0.0.1:{port}"])
    client = BaseLanguageClient("tcp-test", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    try:
        await connect(client, port)
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(tmp_path))))
        client.initialized(types.InitializedParams())
        uri = from_fs_path(str(tmp_path / "model.py"))
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=textwrap.dedent(VIEW_BUG).lstrip("\n"))))
        params = await asyncio.wait_for(published.get(), 60)
        assert params.uri == uri and [d.code for d in params.diagnostics] == ["NN101"]
        await client.shutdown_async(None)
        client.exit(None)
        assert await asyncio.to_thread(server.wait, 60) == 0
    finally:
        await client.stop()
        if server.poll() is None:
            server.kill()
