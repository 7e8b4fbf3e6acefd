"""The nnlint language server (pygls): diagnostics as you type, quick fixes, fix-all, hover with the rule page.

Needs the `lsp` extra: `pip install "nnlint[lsp]"`.
"""

from __future__ import annotations


def serve(tcp: str | None = None) -> None:
    """Serve one client on stdio, or on `HOST:PORT` over TCP (for debugging the server)."""
    from nnlint.server.handlers import build_server

    server = build_server()
    if tcp is None:
        server.start_io()
        return
    host, _, port = tcp.rpartition(":")
    server.start_tcp(host or "127.0.0.1", int(port))
