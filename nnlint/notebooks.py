"""Jupyter notebooks as Python source, and back.

`Notebook.parse(data)` reads an `.ipynb` file (nbformat 4) into one Python text, `notebook.source`, that the
engine lints like a `.py` file:

- each code cell starts after a marker comment line (`# nnlint-cell 3`), so cells never run into each other
  and a fixed text can be split back into its cells;
- IPython syntax (`%magic`, `%%cell_magic`, `!shell`, `x = !ls`, `obj?`, `?obj`) is blanked line by line: an
  empty line at the top level, `pass` inside a block, so it neither fails to parse nor shifts any line.

Positions map both ways: `to_cell(row, column)` turns a row of `source` into (cell, row in cell, column),
`to_source(cell, row, column)` goes back, `localize(diagnostic)` moves a finding into its cell. An editor that
holds a notebook's cells rather than its file builds the same object with `Notebook.from_cells`, and reads an
edit back per cell with `changed_cells(fixed)`. Cells are numbered from 1 among all the notebook's cells (markdown
included), as they appear top to bottom in Jupyter. `with_source(fixed)` returns the notebook's JSON with only
the changed cells' `source` rewritten: outputs, metadata, key order, indentation and line endings of the rest
of the file stay byte for byte.

The command line and the language server both use this module; it imports neither.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from json.decoder import scanstring

from nnlint.diagnostic import Diagnostic, Edit, Location

SUFFIX = ".ipynb"
MARKER = "# nnlint-cell {index}"

# Cell magics whose body is Python (the magic only times or captures it); any other cell magic (%%bash,
# %%html, %%writefile ...) makes the whole cell foreign text.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "snakeviz"})

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_MAGIC = re.compile(r"[%!]|\?")  # a line starting with one of these is IPython, not Python
_SHELL_ASSIGNMENT = re.compile(r"[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]")  # `files = !ls`, `t = %timeit -o f()`
_HELP = re.compile(r"[\w.\[\]()'\"]+\?\??")  # `model.forward?`, `torch.nn??`
_DECODER = json.JSONDecoder()


class NotebookError(ValueError):
    """The bytes are not an nbformat 4 notebook; the message says why in one line."""


def is_notebook(path: str) -> bool:
    return path.lower().endswith(SUFFIX)


@dataclass(frozen=True)
class Cell:
    """One code cell as it appears in the joined source."""

    index: int  # 1-based among all cells of the notebook
    marker_row: int  # the row of its marker comment in the joined source; its first line is marker_row + 1
    lines: tuple[str, ...]  # the cell's own text, line by line (IPython syntax intact)
    blanked: frozenset[int]  # 0-based lines of `lines` replaced for the parser
    final_newline: bool = False  # the cell's text ends with a line break

    @property
    def first_row(self) -> int:
        return self.marker_row + 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Notebook:
    text: str  # the file's JSON text (without a UTF-8 BOM)
    source: str  # every code cell as Python, joined; what the engine lints
    cells: tuple[Cell, ...]  # the code cells, in order
    _spans: dict[int, tuple[int, int]]  # cell index -> character span of its "source" value in `text`
    bom: bool = False

    @classmethod
    def parse(cls, data: bytes | str) -> Notebook:
        """Read a notebook; raises NotebookError when it is not valid JSON or not nbformat 4."""
        text, bom = _decode(data)
        try:
            document = json.loads(text)
        except ValueError as error:
            raise NotebookError(f"not a Jupyter notebook: invalid JSON ({error})") from None
        raw_cells = _validated_cells(document)
        if not _is_python(document):
            return cls(text, "", (), {}, bom)
        spans = _source_spans(text)
        code = [(position + 1, raw["source"] if isinstance(raw["source"], str) else "".join(raw["source"]))
                for position, raw in enumerate(raw_cells) if raw.get("cell_type") == "code"]
        source, cells = _join(code)
        return cls(text, source, cells, {cell.index: spans[cell.index - 1] for cell in cells}, bom)

    @classmethod
    def from_cells(cls, code_cells: list[tuple[int, str]]) -> Notebook:
        """A notebook known by its code cells' texts, (cell index, text), as an editor holds an open one.

        Positions map as for a parsed file; `changed_cells` gives what an edit did to each cell
        (`with_source` needs the file's JSON and returns None here).
        """
        source, cells = _join(code_cells)
        return cls("", source, cells, {})

    def cell(self, index: int) -> Cell | None:
        """The code cell numbered `index` (1-based among all cells), None if that cell is not code."""
        return next((cell for cell in self.cells if cell.index == index), None)

    def to_cell(self, row: int, column: int) -> tuple[int, int, int]:
        """A 1-based (row, column) of `source` as (cell index, row within the cell, column).

        A position on a marker line (a finding about the whole file) lands on its cell's first line.
        """
        if not self.cells:
            return 1, row, column
        cell = self.cells[0]
        for candidate in self.cells:
            if candidate.marker_row > row:
                break
            cell = candidate
        within = row - cell.marker_row
        if within < 1:
            return cell.index, 1, 1
        if within > max(len(cell.lines), 1):  # past the cell's end (a syntax error at end of input)
            last = cell.lines[-1] if cell.lines else ""
            return cell.index, max(len(cell.lines), 1), len(last) + 1
        return cell.index, within, column

    def to_source(self, index: int, row: int, column: int) -> tuple[int, int]:
        """(row, column) of `source` for a 1-based row and column within code cell `index`."""
        cell = self.cell(index)
        if cell is None:
            raise KeyError(f"cell {index} is not a code cell")
        return cell.marker_row + row, column

    def localize(self, diagnostic: Diagnostic) -> Diagnostic:
        """A finding on `source` placed in its cell: `cell` set, rows (its fix's too) relative to the cell."""
        cell, row, column = self.to_cell(diagnostic.location.row, diagnostic.location.column)
        fix = diagnostic.fix
        if fix is not None:
            edits = tuple(Edit(e.content, self._within(e.location), self._within(e.end_location)) for e in fix.edits)
            fix = replace(fix, edits=edits)
        return replace(diagnostic, cell=cell, location=Location(row, column),
                       end_location=self._within(diagnostic.end_location), fix=fix)

    def _within(self, location: Location) -> Location:
        _, row, column = self.to_cell(location.row, location.column)
        return Location(row, column)

    def with_source(self, fixed: str) -> str | None:
        """The notebook's JSON text after `fixed` (an edited `source`) is written back into its cells.

        Only the cells whose text changed are rewritten; IPython lines come back as they were. None when the
        edit cannot be split back into cells (a marker line was touched, or an edit rewrote a blanked line).
        """
        changed = self.changed_cells(fixed)
        if changed is None or any(cell.index not in self._spans for cell in self.cells):
            return None
        replacements = []
        for cell in self.cells:
            if cell.index in changed:
                start, end = self._spans[cell.index]
                lines = changed[cell.index]
                replacements.append((start, end, self._render_source(start, end, lines, cell.final_newline)))
        text = self.text
        for start, end, value in sorted(replacements, reverse=True):
            text = text[:start] + value + text[end:]
        return text

    def changed_cells(self, fixed: str) -> dict[int, list[str]] | None:
        """Cell index -> its new lines, for each code cell that an edited `source` (`fixed`) changes, with the
        cell's IPython lines as they were. None when the edit cannot be split back into cells."""
        parts = _split_cells(fixed, self.cells)
        if parts is None:
            return None
        changed = {}
        for cell, python_lines in zip(self.cells, parts):
            lines = _restore_ipython(cell, python_lines)
            if lines is None:
                return None
            if tuple(lines) != cell.lines:
                changed[cell.index] = lines
        return changed

    def encode(self, text: str) -> bytes:
        """A JSON text of this notebook as the bytes to write: UTF-8, with the BOM if the file had one."""
        return ("\ufeff" + text if self.bom else text).encode("utf-8")

    def _render_source(self, start: int, end: int, lines: list[str], final_newline: bool) -> str:
        """A cell's new `source` value, laid out like the value it replaces (string or list of lines)."""
        ensure_ascii = self.text.isascii()
        old = self.text[start:end]
        items = [line + "\n" for line in lines]
        if items and not final_newline:
            items[-1] = lines[-1]
        if old.lstrip().startswith('"'):
            return json.dumps("".join(items), ensure_ascii=ensure_ascii)
        if not items:
            return "[]"
        newline = "\r\n" if "\r\n" in self.text else "\n"
        item_indent, close_indent = _list_indents(self.text, start, end)
        rendered = ("," + newline).join(item_indent + json.dumps(item, ensure_ascii=ensure_ascii) for item in items)
        return "[" + newline + rendered + newline + close_indent + "]"


def _join(code_cells: list[tuple[int, str]]) -> tuple[str, tuple[Cell, ...]]:
    """The joined Python source of code cells (index, text), and where each cell landed in it."""
    pieces: list[str] = []
    cells: list[Cell] = []
    row = 1
    for index, cell_source in code_cells:
        lines = tuple(_LINE_BREAK.split(cell_source)) if cell_source else ()
        final_newline = len(lines) > 1 and lines[-1] == ""
        if final_newline:
            lines = lines[:-1]  # a cell ending in a newline has no extra empty line
        python, blanked = blank_ipython(list(lines))
        cells.append(Cell(index, row, lines, frozenset(blanked), final_newline))
        pieces.append(MARKER.format(index=index))
        pieces.extend(python)
        row += 1 + len(lines)
    return ("\n".join(pieces) + "\n" if pieces else ""), tuple(cells)


def diff(path: str, before: str, after: str) -> str:
    """A unified diff per changed cell between two JSON texts of one notebook (`--diff`)."""
    old, new = Notebook.parse(before), Notebook.parse(after)
    chunks = []
    for cell in old.cells:
        changed = new.cell(cell.index)
        after_lines = changed.lines if changed is not None else ()
        if after_lines == cell.lines:
            continue
        name = f"{path}:cell {cell.index}"
        chunks.extend(difflib.unified_diff([line + "\n" for line in cell.lines],
                                           [line + "\n" for line in after_lines], fromfile=name, tofile=name))
    return "".join(chunks)


def cell_text(notebook_text: str, index: int) -> str | None:
    """The text of cell `index` of a notebook's JSON text (for showing a finding), None if unavailable."""
    notebook = _parsed(notebook_text)
    cell = notebook.cell(index) if notebook is not None else None
    return None if cell is None else cell.text


@lru_cache(maxsize=4)
def _parsed(notebook_text: str) -> Notebook | None:
    """One parse per notebook however many cells a report shows."""
    try:
        return Notebook.parse(notebook_text)
    except NotebookError:
        return None


def blank_ipython(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines with IPython syntax blanked for the parser, and the 0-based numbers of the blanked lines."""
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        name = first.lstrip()[2:].split(maxsplit=1)[0] if first.strip() != "%%" else ""
        if name not in PYTHON_CELL_MAGICS:
            return ["" for _ in lines], [number for number, line in enumerate(lines) if line]
    out: list[str] = []
    blanked: list[int] = []
    state = _Continuation()
    for number, line in enumerate(lines):
        if not state.open and _is_ipython(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + "pass" if indent else "")
            blanked.append(number)
            continue
        out.append(line)
        state.feed(line)
    return out, blanked


def _is_ipython(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    return bool(
        _MAGIC.match(stripped) or _SHELL_ASSIGNMENT.match(stripped) or _HELP.fullmatch(stripped)
    )


class _Continuation:
    """Whether the next line continues a statement (open bracket, open triple-quoted string, backslash):
    a `%` or `!` at the start of such a line is Python (`"%d" \\n % n`), not IPython."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # the open triple quote, if any
        self.backslash = False

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.quote is not None or self.backslash

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        while i < n:
            char = line[i]
            if self.quote is not None:
                if char == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote = None
                    continue
                i += 1
                continue
            if char == "#":
                break
            if char in "\"'":
                triple = line[i : i + 3]
                if triple in ('"""', "'''"):
                    self.quote = triple
                    i += 3
                    continue
                i = _end_of_string(line, i)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(self.depth - 1, 0)
            i += 1
        self.backslash = self.quote is None and line.endswith("\\")


def _end_of_string(line: str, start: int) -> int:
    quote = line[start]
    i = start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return len(line)


def _split_cells(fixed: str, cells: tuple[Cell, ...]) -> list[list[str]] | None:
    lines = _LINE_BREAK.split(fixed)
    if lines and lines[-1] == "":
        lines = lines[:-1]
    markers = [number for number, line in enumerate(lines) if line.startswith("# nnlint-cell ")]
    expected = [MARKER.format(index=cell.index) for cell in cells]
    if [lines[number] for number in markers] != expected:
        return None
    bounds = [*markers, len(lines)]
    return [lines[bounds[k] + 1 : bounds[k + 1]] for k in range(len(cells))]


def _restore_ipython(cell: Cell, python_lines: list[str]) -> list[str] | None:
    """The cell's new lines with its IPython lines put back; None if an edit touched one of them."""
    if not cell.blanked:
        return python_lines
    before, _ = blank_ipython(list(cell.lines))
    if len(before) == len(python_lines):  # lines edited in place: match them by row, not by content (blank
        out = []                           # lines are alike, and a diff could pair the wrong ones)
        for number, (was, now) in enumerate(zip(before, python_lines)):
            if was == now:
                out.append(cell.lines[number])
            elif number in cell.blanked:
                return None
            else:
                out.append(now)
        return out
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, before, python_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(cell.lines[i1:i2])
        elif any(number in cell.blanked for number in range(i1, i2)):
            return None
        else:
            out.extend(python_lines[j1:j2])
    return out


def _decode(data: bytes | str) -> tuple[str, bool]:
    if isinstance(data, str):
        return (data[1:], True) if data.startswith("\ufeff") else (data, False)
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookError(f"not a Jupyter notebook: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset "
                            f"{error.start})") from None
    return text, bom


def _validated_cells(document) -> list[dict]:
    if not isinstance(document, dict) or "cells" not in document and "nbformat" not in document:
        raise NotebookError("not a Jupyter notebook: the JSON has no `nbformat` and no `cells`")
    version = document.get("nbformat")
    if version != 4:
        raise NotebookError(f"not a Jupyter notebook in nbformat 4: nbformat is {version!r} (save it with "
                            "Jupyter >= 4, or `jupyter nbconvert --to notebook --nbformat 4`)")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a Jupyter notebook: `cells` must be a list")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"not a Jupyter notebook: cell {number} has no `cell_type`")
        source = cell.get("source")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise NotebookError(f"not a Jupyter notebook: cell {number}'s `source` is not text")
    return cells


def _is_python(document: dict) -> bool:
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    kernel = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    language = info.get("name") or kernel.get("language") or "python"
    return str(language).lower() == "python"


def _source_spans(text: str) -> list[tuple[int, int]]:
    """The character span of each cell's `source` value in the JSON text (the last one if a key repeats)."""
    members = _object_members(text, _skip(text, 0))
    cells_start, _ = members["cells"]
    spans = []
    for item_start, _ in _array_items(text, cells_start):
        spans.append(_object_members(text, item_start)["source"])
    return spans


def _object_members(text: str, i: int) -> dict[str, tuple[int, int]]:
    members: dict[str, tuple[int, int]] = {}
    i = _skip(text, i + 1)  # past "{"
    while text[i] != "}":
        key, i = scanstring(text, i + 1)
        i = _skip(text, _skip(text, i) + 1)  # past ":"
        _, end = _DECODER.raw_decode(text, i)
        members[key] = (i, end)
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return members


def _array_items(text: str, i: int) -> list[tuple[int, int]]:
    items = []
    i = _skip(text, i + 1)  # past "["
    while text[i] != "]":
        _, end = _DECODER.raw_decode(text, i)
        items.append((i, end))
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return items


def _skip(text: str, i: int) -> int:
    return _WHITESPACE.match(text, i).end()


def _list_indents(text: str, start: int, end: int) -> tuple[str, str]:
    """Indentation of a list's items and of its closing bracket, copied from the list being replaced, or
    derived from the line that holds it (one more step of the file's indent unit) when it was empty."""
    old = text[start:end]
    lines = _LINE_BREAK.split(old)
    if len(lines) > 2:
        item = lines[1][: len(lines[1]) - len(lines[1].lstrip())]
        close = lines[-1][: len(lines[-1]) - len(lines[-1].lstrip())]
        return item, close
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    holder = text[line_start:start]
    close = holder[: len(holder) - len(holder.lstrip())]
    return close + _indent_unit(text), close


def _indent_unit(text: str) -> str:
    match = re.search(r"\{[ \t]*\r?\n([ \t]+)\"", text)
    return match.group(1) if match else " "
