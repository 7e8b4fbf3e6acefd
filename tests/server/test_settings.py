"""Editor settings override the project's config: initializationOptions and workspace/configuration."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.conftest import CLAMP_BUG, VIEW_BUG

pytestmark = pytest.mark.asyncio


async def test_initialization_options_select_overrides_the_config(session):
    session.write("pyproject.toml", '[tool.nnlint]\nselect = ["NN1"]\n')
    await session.initialize(options={"settings": {"select": ["NN205"]}})
    view = session.open("view.py", VIEW_BUG)
    clamp = session.open("clamp.py", CLAMP_BUG)
    assert await session.diagnostics(view) == []
    assert [d.code for d in await session.diagnostics(clamp)] == ["NN205"]


async def test_workspace_configuration_per_folder(session):
    first, second = session.root / "first", session.root / "second"
    session.client.set_configuration({"ignore": ["NN101"]}, section="nnlint", scope_uri=first.as_uri())
    session.client.set_configuration({"enable": False}, section="nnlint", scope_uri=second.as_uri())
    await session.initialize(folders=[first, second])
    ignored = session.open("first/view.py", VIEW_BUG)
    still = session.open("first/clamp.py", CLAMP_BUG)
    disabled = session.open("second/clamp.py", CLAMP_BUG)
    assert await session.diagnostics(ignored) == []
    assert [d.code for d in await session.diagnostics(still)] == ["NN205"]
    assert await session.diagnostics(disabled) == []


async def test_changed_settings_apply_without_a_restart(session):
    await session.initialize()
    uri = session.open("view.py", VIEW_BUG)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    session.client.set_configuration({"ignore": ["NN1"]}, section="nnlint")
    session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await session.wait_for(lambda p: p.uri == uri and not p.diagnostics)


async def test_a_bad_setting_is_reported_and_ignored(session):
    await session.initialize(options={"settings": {"select": "NN999", "fixUnsafe": "yes"}})
    uri = session.open("view.py", VIEW_BUG)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    shown = " ".join(m.message for m in session.client.messages)
    assert "`fixUnsafe` must be true or false" in shown
    assert "unknown rule code or prefix `NN999`" in shown


async def test_shutdown_and_exit_end_the_server_with_code_0(session):
    await session.initialize()
    uri = session.open("view.py", VIEW_BUG)
    assert await session.diagnostics(uri)
    await session.client.shutdown_session()
    assert session.client._server.returncode == 0
