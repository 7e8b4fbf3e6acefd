"""Parse a large module in pieces: libcst's native parser holds memory that grows faster than the file
(a 2 MB file took 1.9 GB in one parse), and a long parse is slower per byte than several short ones.

A piece boundary is a line at column 0 that opens a `def`, `class` or decorator: in a file that Python has
already compiled, a piece that ends inside a string, a bracket or a block does not parse, and then the whole
file is parsed in one go as before. The pieces' statements are put in one `Module` whose code is the
file's text, byte for byte (comment lines between pieces move to the next statement, where a single parse
puts them too).
"""

from __future__ import annotations

import re

import libcst as cst

PIECE_CHARS = 24_000  # about 500 lines; also the size from which a file is split at all
_BOUNDARY = re.compile(r"^(?:def |class |async def |@)", re.MULTILINE)


def parse_module(source: str, piece_chars: int = PIECE_CHARS) -> cst.Module:
    pieces = _pieces(source, piece_chars)
    if len(pieces) < 2:
        return cst.parse_module(source)
    try:
        modules = [cst.parse_module(piece) for piece in pieces]
    except cst.ParserSyntaxError:  # a boundary that was not one (inside a string): parse it whole
        return cst.parse_module(source)
    first = modules[0]
    style = (first.default_indent, first.default_newline)
    if any((module.default_indent, module.default_newline) != style for module in modules[1:]):
        return cst.parse_module(source)  # pieces guessed different indents or newlines: codegen would differ
    body: list[cst.CSTNode] = list(first.body)
    carried = list(first.footer)  # comment and blank lines after a piece's last statement
    for module in modules[1:]:
        statements = list(module.body)
        statements[0] = statements[0].with_changes(
            leading_lines=[*carried, *module.header, *statements[0].leading_lines])
        body.extend(statements)
        carried = list(module.footer)
    return cst.Module(body=body, header=first.header, footer=carried, encoding=first.encoding,
                      default_indent=first.default_indent, default_newline=first.default_newline,
                      has_trailing_newline=modules[-1].has_trailing_newline)


def _pieces(source: str, piece_chars: int) -> list[str]:
    if len(source) < 2 * piece_chars:
        return [source]
    cuts = [0]
    for match in _BOUNDARY.finditer(source):
        start = match.start()
        if start - cuts[-1] < piece_chars or len(source) - start < piece_chars // 2:
            continue
        previous_line = source[source.rfind("\n", 0, start - 1) + 1:start]
        if previous_line.startswith("@") or previous_line.rstrip("\r\n").endswith("\\"):
            continue  # a decorator's function, or a continued line: not a statement start
        cuts.append(start)
    cuts.append(len(source))
    return [source[start:end] for start, end in zip(cuts, cuts[1:])]
