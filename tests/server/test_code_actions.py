"""Code actions of `nnlint server`: quick fixes, "Disable NNxxx for this line", and source.fixAll.nnlint."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.conftest import VIEW_BUG

pytestmark = pytest.mark.asyncio

THREE = """
import torch
import torch.nn.functional as F
from torch import nn


def conv_block(channels_in, channels_out):
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, 3, padding=1),
        nn.BatchNorm2d(channels_out),
    )


def forward(x):
    b, c, h, w = x.shape
    return x.view(b, h, w, c)


def mask_loss(logits, masks):
    return F.binary_cross_entropy(torch.sigmoid(logits), masks)
"""

THREE_FIXED = (
    THREE.lstrip("\n")
    .replace("padding=1)", "padding=1, bias=False)")
    .replace("x.view(b, h, w, c)", "x.permute(0, 2, 3, 1)")
    .replace("F.binary_cross_entropy(torch.sigmoid(logits), masks)",
             "F.binary_cross_entropy_with_logits(logits, masks)")
)


def titles(actions):
    return [action.title for action in actions]


async def test_unsafe_quick_fix_is_labelled_and_applying_it_clears_the_finding(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    (found,) = await session.diagnostics(uri)
    actions = await session.code_actions(uri, found, only=[types.CodeActionKind.QuickFix])
    assert titles(actions) == ["Use `permute(0, 2, 3, 1)` (NN101, unsafe fix)", "Disable NN101 for this line"]
    fix = actions[0]
    assert fix.kind == types.CodeActionKind.QuickFix and not fix.is_preferred
    assert fix.diagnostics[0].code == "NN101"
    (change,) = fix.edit.document_changes
    assert change.text_document.version == session.versions[uri]
    (edit,) = change.edits  # one small edit, not the whole document
    assert edit.new_text == "x.permute(0, 2, 3, 1)"
    assert edit.range == found.range
    session.apply(uri, fix)
    assert await session.diagnostics(uri) == []
    assert "return x.permute(0, 2, 3, 1)\n" in session.texts[uri]


async def test_a_safe_fix_is_the_preferred_action(session):
    await session.initialize()
    uri = session.open("loss.py", THREE)
    found = [d for d in await session.diagnostics(uri) if d.code == "NN203"][0]
    actions = await session.code_actions(uri, found)
    fix = actions[0]
    assert fix.title == "Use `binary_cross_entropy_with_logits` on the logits (NN203)"
    assert fix.is_preferred
    session.apply(uri, fix)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN701", "NN101"]


async def test_unsafe_fixes_enabled_by_the_user_are_preferred(session):
    await session.initialize(options={"settings": {"fixUnsafe": True}})
    uri = session.open("model.py", VIEW_BUG)
    (found,) = await session.diagnostics(uri)
    actions = await session.code_actions(uri, found)
    assert titles(actions) == ["Use `permute(0, 2, 3, 1)` (NN101, unsafe fix)", "Disable NN101 for this line",
                               "nnlint: fix all auto-fixable problems"]
    assert actions[0].is_preferred


async def test_fix_all_applies_every_safe_fix_with_minimal_edits(session):
    await session.initialize()
    uri = session.open("three.py", THREE)
    assert len(await session.diagnostics(uri)) == 3
    (fix_all,) = await session.code_actions(uri, only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == "source.fixAll.nnlint"
    (change,) = fix_all.edit.document_changes
    (edit,) = change.edits  # only the safe NN203 fix: unsafe ones wait for fix-unsafe
    assert edit.range.start.line == edit.range.end.line == 18
    session.apply(uri, fix_all)
    assert [d.code for d in await session.diagnostics(uri)] == ["NN701", "NN101"]


async def test_fix_all_with_unsafe_fixes_enabled_fixes_all_three(session):
    await session.initialize(options={"settings": {"fixUnsafe": True}})
    uri = session.open("three.py", THREE)
    assert len(await session.diagnostics(uri)) == 3
    (fix_all,) = await session.code_actions(uri, only=["source.fixAll.nnlint"])
    (change,) = fix_all.edit.document_changes
    assert len(change.edits) == 3
    assert all(edit.range.start.line == edit.range.end.line for edit in change.edits)  # no whole-document edit
    session.apply(uri, fix_all)
    assert await session.diagnostics(uri) == []
    assert session.texts[uri] == THREE_FIXED


async def test_fix_all_is_not_offered_when_nothing_is_fixable(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)  # its only fix is unsafe
    assert await session.diagnostics(uri)
    assert await session.code_actions(uri, only=[types.CodeActionKind.SourceFixAll]) == []


async def test_noqa_action_adds_a_comment_that_silences_the_finding(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG)
    (found,) = await session.diagnostics(uri)
    noqa = [a for a in await session.code_actions(uri, found) if a.title == "Disable NN101 for this line"][0]
    (edit,) = noqa.edit.document_changes[0].edits
    assert edit.new_text == "  # noqa: NN101" and edit.range.start == edit.range.end  # an insertion
    session.apply(uri, noqa)
    assert await session.diagnostics(uri) == []
    assert "    return x.view(b, h, w, c)  # noqa: NN101\n" in session.texts[uri]


async def test_noqa_action_extends_an_existing_noqa_and_keeps_its_codes(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG.replace("w, c)", "w, c)  # shape trick # noqa: NN201"))
    (found,) = await session.diagnostics(uri)
    noqa = [a for a in await session.code_actions(uri, found) if a.title.startswith("Disable")][0]
    session.apply(uri, noqa)
    assert await session.diagnostics(uri) == []
    assert "return x.view(b, h, w, c)  # shape trick # noqa: NN201, NN101\n" in session.texts[uri]


async def test_noqa_on_a_statement_spanning_lines_goes_after_its_last_line(session):
    await session.initialize()
    text = VIEW_BUG.replace("return x.view(b, h, w, c)", "return x.view(\n        b, h, w, c\n    )")
    uri = session.open("model.py", text)
    (found,) = await session.diagnostics(uri)
    noqa = [a for a in await session.code_actions(uri, found) if a.title.startswith("Disable")][0]
    session.apply(uri, noqa)
    assert await session.diagnostics(uri) == []
    assert "        b, h, w, c\n    )  # noqa: NN101\n" in session.texts[uri]


async def test_positions_count_utf16_units_like_the_editor(session):
    await session.initialize()
    uri = session.open("model.py", VIEW_BUG.replace("return x.view", "y = '😀'; return x.view"))
    (found,) = await session.diagnostics(uri)
    before = "    y = '😀'; return "  # the emoji is one code point but two UTF-16 units (a surrogate pair)
    assert found.range.start.character == len(before.encode("utf-16-le")) // 2 == len(before) + 1
    (fix, _) = await session.code_actions(uri, found)
    assert fix.edit.document_changes[0].edits[0].range == found.range
