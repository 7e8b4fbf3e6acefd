"""Lint one file: decode, skip if no rule could match, parse once, run every selected rule in one pass."""

from __future__ import annotations

import codecs
import io
import sys
import tokenize
from dataclasses import replace

import libcst as cst
from libcst.metadata import MetadataWrapper

from nnlint.chunked_parse import parse_module
from nnlint.context import FileContext
from nnlint.diagnostic import Diagnostic, Edit, Fix, Location, Related
from nnlint.generated import is_skipped
from nnlint.positions import full_ranges, node_ranges, top_statement
from nnlint.rules.base import Report, RuleInfo
from nnlint.python_syntax import python_error
from nnlint.rules.engine_codes import SYNTAX_ERROR, UNREADABLE
from nnlint.selection import Selection  # noqa: F401 - re-exported: its old home
from nnlint.suppression import parse_suppressions
from nnlint.walk import replay_batched
from nnlint.rules.engine_codes import UNSUPPRESSIBLE, UNUSED_NOQA
from nnlint.unused_noqa import unused_noqa

if sys.version_info >= (3, 11):  # pure-Python recursion no longer uses the C stack: deep limits are safe
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))


def decode(data: bytes) -> str:
    """Source bytes to text: UTF-8 (with or without BOM), or the PEP 263 coding cookie's encoding."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


_WIDE_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
)


def lint_bytes(path: str, data: bytes, selection: Selection, project=None) -> list[Diagnostic]:
    wide = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
    if wide is not None:  # Python cannot read these at all; say what the file is rather than "bad cookie"
        message = f"cannot decode file: it is {wide} text (byte-order mark); Python source must be UTF-8"
        return _file_diagnostic(UNREADABLE, path, message, selection)
    try:
        source = decode(data)
    except (UnicodeDecodeError, LookupError, SyntaxError) as error:
        return _file_diagnostic(UNREADABLE, path, f"cannot decode file: {_reason(error)}", selection)
    return lint_source(path, source, selection, project)


def lint_source(
    path: str, source: str, selection: Selection, project=None, *, line_noqa: bool = True,
) -> list[Diagnostic]:
    """The findings in `source`, less those its `# noqa` comments silence (`line_noqa=False` leaves line
    comments to the caller, as flake8 applies its own). `project`: the file's nnlint.project ProjectView, for
    names imported from other files of the project."""
    if selection.skip_generated and is_skipped(source):
        return []
    try:
        found = _lint_source(path, source, selection, project)
    except RecursionError:  # libcst recurses per nesting level: e.g. thousands of implicitly joined strings
        return _file_diagnostic(SYNTAX_ERROR, path, "cannot analyse: the code is nested too deeply", selection)
    return _apply_noqa(path, source, found, selection, line_noqa)


def _apply_noqa(path: str, source: str, found: list[Diagnostic], selection: Selection, line_noqa: bool):
    check_unused = UNUSED_NOQA.code in selection.codes and "noqa" in source.lower()
    if not found and not check_unused:
        return found
    suppressions = parse_suppressions(source)
    kept = [
        diagnostic for diagnostic in found
        if diagnostic.code in UNSUPPRESSIBLE
        or not suppressions.suppresses(diagnostic.code, diagnostic.location.row, lines=line_noqa)
    ]
    if check_unused and not any(diagnostic.code == SYNTAX_ERROR.code for diagnostic in found):
        stale = unused_noqa(path, source, suppressions, found, selection.codes)
        kept.extend(d for d in stale if not suppressions.suppresses(d.code, d.location.row, lines=line_noqa))
        kept.sort(key=Diagnostic.sort_key)
    return kept


def _lint_source(path: str, source: str, selection: Selection, project) -> list[Diagnostic]:
    # every file, triggered or not: a file Python rejects is reported, and never reaches libcst
    rejected = python_error(source, path)
    if rejected is not None:
        if SYNTAX_ERROR.code not in selection.codes:
            return []
        location = Location(rejected.row, rejected.column)
        return [_diagnostic(SYNTAX_ERROR, path, rejected.message, location, location)]
    rules = [rule for rule in selection.rules() if any(t in source for t in rule.triggers)]
    if not rules:
        return []
    try:
        module = parse_module(source)  # in pieces when large: bounded memory
    except cst.ParserSyntaxError:  # valid Python with a construct libcst does not support: nothing to report
        return []
    context = FileContext(path, source, module, project)
    visitors = [rule(context) for rule in rules]
    if any(visitor.get_inherited_dependencies() for visitor in visitors):
        MetadataWrapper(module, unsafe_skip_copy=True).visit_batched(visitors)
    else:  # replay the facts' one walk of the tree (shared with every fact) instead of walking again
        replay_batched(context.facts.nodes(), context.facts.parent, visitors, context.facts.order)
    reports = [(visitor.info(), report) for visitor in visitors for report in visitor.reports]
    if not reports:
        return []
    return _to_diagnostics(context, reports)


def _to_diagnostics(context: FileContext, reports: list[tuple[RuleInfo, Report]]) -> list[Diagnostic]:
    positions = _positions(context, reports)

    def span(node: cst.CSTNode) -> tuple[Location, Location]:
        code_range = positions[node]
        return (
            Location(code_range.start.line, code_range.start.column + 1),
            Location(code_range.end.line, code_range.end.column + 1),
        )

    diagnostics = []
    for info, report in reports:
        start, end = span(report.node)
        fix = None
        if report.fix is not None:
            edits = tuple(Edit(edit.replacement, *span(edit.node)) for edit in report.fix.edits)
            fix = Fix(report.fix.applicability, report.fix.message, edits)
        diagnostic = _diagnostic(info, context.path, report.message, start, end, fix)
        if report.related is not None:
            diagnostic = replace(diagnostic, related=(related_location(report.related, context.path),))
        diagnostics.append(diagnostic)
    return sorted(set(diagnostics), key=Diagnostic.sort_key)


def _positions(context: FileContext, reports: list[tuple[RuleInfo, Report]]):
    """The ranges of the reported and edited nodes: from their top-level statements alone when the facts
    know where each one sits, else (or if one is missing) from the whole module, as before."""
    nodes = [report.node for _, report in reports]
    nodes += [edit.node for _, report in reports if report.fix is not None for edit in report.fix.edits]
    facts = context.__dict__.get("facts")  # only when already built: building it has effects of its own
    statements = [top_statement(facts, node) for node in nodes] if facts is not None else [None]
    if None not in statements:
        ranges = node_ranges(context.module, statements)
        if all(node in ranges for node in nodes):
            return ranges
    return full_ranges(context.module)


def related_location(where, path: str) -> Related:
    """A project `Where` (another file, or this one when its path is empty) as a diagnostic's related place."""
    return Related(where.path or path, Location(where.line, where.column), f"`{where.label}` is here")


def _file_diagnostic(info: RuleInfo, path: str, message: str, selection: Selection) -> list[Diagnostic]:
    """A finding about the whole file, placed at its start."""
    if info.code not in selection.codes:
        return []
    start = Location(1, 1)
    return [_diagnostic(info, path, message, start, start)]


def _diagnostic(info, path, message, start, end, fix=None) -> Diagnostic:
    return Diagnostic(info.code, info.name, message, path, start, end, fix, info.url)


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"not valid {error.encoding} (byte 0x{error.object[error.start]:02x} at offset {error.start})"
    return str(error)
