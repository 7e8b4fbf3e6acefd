"""The server keeps serving: a crashing rule, a rule that never returns, a huge buffer."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.conftest import CLAMP_BUG, VIEW_BUG

pytestmark = pytest.mark.asyncio

BOTH = VIEW_BUG + "\n" + CLAMP_BUG  # NN101 and NN205


async def test_a_crashing_rule_is_logged_and_the_other_rules_still_report(faulty_session):
    session = faulty_session
    await session.initialize()
    uri = session.open("model.py", "# CRASH_NN101\n" + BOTH)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN205"]
    (logged,) = [m for m in session.client.log_messages if "crashed" in m.message]
    assert logged.type == types.MessageType.Error
    assert "rule NN101 crashed on" in logged.message and "RuntimeError: injected fault in NN101" in logged.message
    session.replace_all(uri, BOTH)  # the same server goes on serving, NN101 included
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101", "NN205"]


async def test_superseded_runs_are_stopped_even_when_they_would_never_finish(faulty_session):
    """Each of these versions hangs NN101 forever; without cancelling superseded runs the workers stay stuck."""
    session = faulty_session
    await session.initialize()
    assert await session.diagnostics(session.open("warm.py", "import torch\n")) == []  # the workers are up
    uri = session.open("model.py", "# HANG_NN101 v1\n" + VIEW_BUG)
    for version in range(2, 6):
        await session.ping()
        await asyncio.sleep(0.3)  # past the debounce: each version starts its own run
        session.replace_all(uri, f"# HANG_NN101 v{version}\n" + VIEW_BUG)
    await session.ping()
    await asyncio.sleep(0.3)
    session.replace_all(uri, VIEW_BUG)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN101"]
    assert [p.version for p in session.client.published if p.uri == uri] == [session.versions[uri]]


async def test_the_server_answers_while_it_lints_a_huge_buffer(session):
    await session.initialize()
    small = session.open("small.py", VIEW_BUG)
    (found,) = await session.diagnostics(small)
    huge_text = VIEW_BUG.lstrip("\n") + "".join(
        f"\n\ndef forward_{i}(x):\n    b, c, h, w = x.shape\n    y = x.view(b, c, h * w)\n    return y.mean(-1)\n"
        for i in range(4000)
    )  # 20,000 lines
    assert huge_text.count("\n") >= 20_000
    huge = session.open("huge.py", huge_text)
    hover = await session.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=small), position=found.range.start))
    assert hover.contents.value.startswith("# NN101")
    assert not [p for p in session.client.published if p.uri == huge], "answered only after the huge lint"
    # closing the huge buffer stops its lint; the server goes on linting the small one
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=huge)))
    session.replace_all(small, VIEW_BUG.lstrip("\n") + "\nx = 1\n")
    assert [d.code for d in await session.diagnostics(small)] == ["NN101"]
    assert [p.diagnostics for p in session.client.published if p.uri == huge] == [[]]  # cleared on close
