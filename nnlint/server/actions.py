"""Code actions: each finding's fix, "Disable NNxxx for this line", and `source.fixAll.nnlint`.

Every edit is computed on the text that was linted (the document version the client holds) and sent as
small TextEdits, pinned to that version where the client supports versioned edits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from lsprotocol import types

from nnlint.diagnostic import Diagnostic
from nnlint.fix import applicable
from nnlint.rules.engine_codes import ENGINE_CODES
from nnlint.server.convert import fix_edits, overlaps
from nnlint.server.linting import LintResult
from nnlint.server.noqa import noqa_insertion
from nnlint.server.positions import minimal_edits

FIX_ALL = "source.fixAll.nnlint"
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL]
_NOT_SUPPRESSIBLE = {info.code for info in ENGINE_CODES}


class ActionBuilder:
    def __init__(self, uri: str, result: LintResult, versioned: bool) -> None:
        self.uri = uri
        self.result = result
        self.versioned = versioned

    def workspace_edit(self, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        if self.versioned:
            document = types.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.result.version)
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])
        return types.WorkspaceEdit(changes={self.uri: edits})

    def quick_fixes(self, found: Diagnostic, published: types.Diagnostic) -> list[types.CodeAction]:
        actions = []
        settings = self.result.settings
        fix = found.fix
        if fix is not None and found.code in settings.fixable:
            unsafe = fix.applicability == "unsafe"
            title = f"{fix.message} ({found.code}{', unsafe fix' if unsafe else ''})"
            actions.append(types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[published],
                edit=self.workspace_edit(fix_edits(fix, self.result.positions)),
                is_preferred=not unsafe or settings.unsafe,
            ))
        if found.code not in _NOT_SUPPRESSIBLE:
            insertion = noqa_insertion(self.result.source, found.location.row, found.code)
            if insertion is not None:
                position = self.result.positions.position(insertion.at)
                edit = types.TextEdit(range=types.Range(start=position, end=position), new_text=insertion.text)
                actions.append(types.CodeAction(
                    title=f"Disable {found.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[published],
                    edit=self.workspace_edit([edit]),
                ))
        return actions

    def fix_all_wanted(self) -> bool:
        settings = self.result.settings
        return any(applicable(found, settings.fixable, settings.unsafe) for found in self.result.diagnostics)

    def fix_all(self, fixed: str) -> types.CodeAction | None:
        edits = minimal_edits(self.result.source, fixed, self.result.positions)
        if not edits:
            return None
        return types.CodeAction(title="nnlint: fix all auto-fixable problems", kind=FIX_ALL,
                                edit=self.workspace_edit(edits))


def wanted(kind: str, only: list[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for `source.fixAll` includes `source.fixAll.nnlint`."""
    return only is None or any(kind == prefix or kind.startswith(prefix + ".") for prefix in only)


async def code_actions(
    uri: str,
    result: LintResult,
    params: types.CodeActionParams,
    versioned: bool,
    run_fix_all: Callable[[LintResult], Awaitable[str | None]],
) -> list[types.CodeAction]:
    builder = ActionBuilder(uri, result, versioned)
    only = [getattr(kind, "value", kind) for kind in params.context.only] if params.context.only else None
    actions: list[types.CodeAction] = []
    if wanted(types.CodeActionKind.QuickFix.value, only):
        for found, published in zip(result.diagnostics, result.published):
            if overlaps(published.range, params.range):
                actions.extend(builder.quick_fixes(found, published))
    if wanted(FIX_ALL, only) and builder.fix_all_wanted():
        fixed = await run_fix_all(result)
        action = builder.fix_all(fixed) if fixed is not None else None
        if action is not None:
            actions.append(action)
    return actions
