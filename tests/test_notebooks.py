"""Jupyter notebooks: found, linted cell by cell, located by cell, fixed in place, never silently passed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import nbformat
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nnlint.engine import Selection, lint_source
from nnlint.notebooks import Notebook, NotebookError

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

SETUP = "%matplotlib inline\nimport torch\n!pip install einops\nfiles = !ls data/\n"
FORWARD = (
    "def forward(x):\n"
    "    b, c, h, w = x.shape\n"
    "    %time y = x.sum()\n"
    "    return x.view(b, h, w, c)\n"
)
HELP = "torch.nn.functional.softmax?\ns = ('%d items'\n     % 3)\n"


def _notebook(*cells) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _train_notebook() -> nbformat.NotebookNode:
    setup = new_code_cell(SETUP, execution_count=1)
    setup.outputs = [new_output("stream", name="stdout", text="Collecting einops\n")]
    return _notebook(
        new_markdown_cell("# Training\nA notebook a user really has."),
        setup,
        new_code_cell(FORWARD),
        new_code_cell(HELP),
    )


@pytest.fixture
def train_ipynb(tmp_path) -> Path:
    path = tmp_path / "train.ipynb"
    nbformat.write(_train_notebook(), str(path))
    return path


def test_a_directory_walk_finds_notebooks_and_locates_findings_by_cell(nnlint, train_ipynb):
    result = nnlint(".", "--output-format", "concise", "-q")
    assert result.code == 1
    # cell 3 (the markdown cell counts), line 4 of that cell, the `view` call's column
    [line] = result.stdout.splitlines()
    assert line.startswith("train.ipynb:cell 3:4:12: NN101 ")
    assert "permute(0, 2, 3, 1)" in line


def test_full_format_shows_the_line_of_the_cell(nnlint, train_ipynb):
    result = nnlint("train.ipynb")
    assert result.code == 1
    assert "train.ipynb:cell 3:4:12: NN101" in result.stdout
    assert "4 |     return x.view(b, h, w, c)" in result.stdout
    assert "  |            ^^^^^^^^^^^^^^^^^^" in result.stdout


def test_ipython_syntax_neither_fails_to_parse_nor_shifts_lines(nnlint, tmp_path):
    notebook = _notebook(
        new_code_cell("%%bash\necho $((1 + 2))\nif [ -d data ]; then ls; fi"),
        new_code_cell(SETUP + HELP),
        new_code_cell("%%time\nfor i in range(3):\n    !echo $i\n    x = torch.zeros(2, 3, 4, 5)\n"
                      "    b, c, h, w = x.shape\n    y = x.view(b, h, w, c)"),
    )
    nbformat.write(notebook, str(tmp_path / "magic.ipynb"))
    result = nnlint("magic.ipynb", "--select", "NN001,NN101", "--output-format", "concise", "-q")
    assert result.code == 1
    [line] = result.stdout.splitlines()  # no NN001: every IPython line was blanked
    assert line.startswith("magic.ipynb:cell 3:6:9: NN101 ")


def test_json_and_sarif_carry_the_cell_and_the_line_within_it(nnlint, train_ipynb):
    [item] = json.loads(nnlint("train.ipynb", "--output-format", "json").stdout)
    assert item["cell"] == 3
    assert item["location"] == {"row": 4, "column": 12}
    assert item["fix"]["edits"][0]["location"] == {"row": 4, "column": 12}

    log = json.loads(nnlint("train.ipynb", "--output-format", "sarif").stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    [result] = log["runs"][0]["results"]
    assert result["properties"] == {"cell": 3, "lineInCell": 4}
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_python_files_have_no_cell(nnlint, write):
    write("model.py", "import torch\n\ndef forward(x):\n    b, c, h, w = x.shape\n    return x.view(b, h, w, c)\n")
    [item] = json.loads(nnlint("model.py", "--output-format", "json").stdout)
    assert item["cell"] is None


def test_fix_rewrites_only_the_changed_cell_and_keeps_the_rest_byte_for_byte(nnlint, train_ipynb):
    before = train_ipynb.read_text(encoding="utf-8")
    result = nnlint("train.ipynb", "--fix", "--unsafe-fixes")
    assert result.code == 0, result.stdout + result.stderr
    after = train_ipynb.read_text(encoding="utf-8")
    expected = before.replace('"    return x.view(b, h, w, c)\\n"', '"    return x.permute(0, 2, 3, 1)\\n"')
    assert expected != before
    assert after == expected  # outputs, metadata, the magics, nbformat's one-space indent: all as they were
    nbformat.validate(nbformat.reads(after, as_version=4))
    assert nnlint("train.ipynb", "--fix", "--unsafe-fixes").code == 0
    assert train_ipynb.read_text(encoding="utf-8") == after  # idempotent


def test_fix_keeps_another_tools_json_layout(nnlint, tmp_path):
    # written by hand with two-space indent, source as one string, CRLF line ends and unsorted keys
    document = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}},
        "cells": [{"cell_type": "code", "source": "import torch\n" + FORWARD + "print('naïve')\n",
                   "metadata": {"tags": ["keep"]}, "outputs": [], "execution_count": None, "id": "a1"}],
    }
    path = tmp_path / "nb.ipynb"
    path.write_bytes(json.dumps(document, indent=2, ensure_ascii=False).replace("\n", "\r\n").encode("utf-8"))
    before = path.read_bytes()
    assert nnlint("nb.ipynb", "--fix", "--unsafe-fixes").code == 0
    assert path.read_bytes() == before.replace(b"x.view(b, h, w, c)", b"x.permute(0, 2, 3, 1)")


def test_fix_on_a_notebook_whose_source_is_a_list_rewrites_the_list_in_its_own_indent(tmp_path):
    notebook = _notebook(new_code_cell("import torch\n" + FORWARD))
    text = nbformat.writes(notebook)
    parsed = Notebook.parse(text.encode())
    fixed = parsed.source.replace("    return x.view(b, h, w, c)", "    y = x.permute(0, 2, 3, 1)\n    return y")
    new_text = parsed.with_source(fixed)
    assert new_text is not None
    assert '    "    y = x.permute(0, 2, 3, 1)\\n",\n    "    return y\\n"\n   ]' in new_text
    source = nbformat.reads(new_text, as_version=4).cells[0].source
    assert source.endswith("\n    %time y = x.sum()\n    y = x.permute(0, 2, 3, 1)\n    return y\n")


def test_diff_shows_the_cell_that_would_change(nnlint, train_ipynb):
    before = train_ipynb.read_bytes()
    result = nnlint("train.ipynb", "--diff", "--unsafe-fixes")
    assert result.code == 1
    assert result.stdout.startswith("--- train.ipynb:cell 3\n+++ train.ipynb:cell 3\n")
    assert "-    return x.view(b, h, w, c)\n+    return x.permute(0, 2, 3, 1)\n" in result.stdout
    assert train_ipynb.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"cells": [', "invalid JSON"),
        (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": []}).encode(), "nbformat is 3"),
        (b"[1, 2]", "no `nbformat`"),
        (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "cell 1's `source` is not text"),
        (b'\xff{"nbformat": 4}', "not valid UTF-8"),
    ],
)
def test_a_broken_notebook_is_one_nn002_finding_not_a_pass(nnlint, write, content, reason):
    write("broken.ipynb", content)
    result = nnlint(".", "--output-format", "concise", "-q")
    assert result.code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("broken.ipynb:1:1: NN002 not a Jupyter notebook")
    assert reason in line


def test_notebook_from_stdin(nnlint, train_ipynb):
    data = train_ipynb.read_bytes()
    result = nnlint("-", "--stdin-filename", "train.ipynb", "--output-format", "concise", stdin=data)
    assert result.code == 1
    assert result.stdout.startswith("train.ipynb:cell 3:4:12: NN101")


def test_other_kernels_are_not_linted_as_python(nnlint, tmp_path):
    notebook = new_notebook(cells=[new_code_cell("x <- c(1, 2)\nx.view <- 3")])
    notebook.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nbformat.write(notebook, str(tmp_path / "analysis.ipynb"))
    result = nnlint("analysis.ipynb", "--select", "ALL")
    assert result.code == 0
    assert "All checks passed!" in result.stdout


def test_positions_map_between_the_joined_source_and_cells(train_ipynb):
    notebook = Notebook.parse(train_ipynb.read_bytes())
    assert [cell.index for cell in notebook.cells] == [2, 3, 4]
    row, column = notebook.to_source(3, 4, 12)
    assert notebook.source.splitlines()[row - 1] == "    return x.view(b, h, w, c)"
    assert notebook.to_cell(row, column) == (3, 4, 12)
    assert notebook.cell(1) is None  # markdown
    assert notebook.cell(2).lines[0] == "%matplotlib inline"
    assert notebook.source.splitlines()[notebook.to_source(2, 1, 1)[0] - 1] == ""  # blanked, not removed


def test_parse_rejects_what_is_not_a_notebook():
    with pytest.raises(NotebookError, match="invalid JSON"):
        Notebook.parse(b"not json")


def test_github_annotation_names_the_cell_instead_of_a_wrong_file_line(nnlint, train_ipynb):
    out = nnlint("train.ipynb", "--output-format", "github").stdout
    assert out.startswith("::error title=nnlint (NN101) cell 3%3A4%3A12,file=train.ipynb::NN101 ")
    assert "line=" not in out


def test_cached_results_keep_the_cell(nnlint, train_ipynb):
    first = nnlint("train.ipynb", "--output-format", "concise", "-q").stdout
    assert (train_ipynb.parent / ".nnlint_cache").is_dir()
    assert nnlint("train.ipynb", "--output-format", "concise", "-q").stdout == first


def test_an_editors_cells_map_like_a_file_and_edits_come_back_per_cell():
    notebook = Notebook.from_cells([(2, SETUP), (3, FORWARD), (5, "x = 1")])
    [finding] = lint_source("nb.ipynb", notebook.source, Selection(frozenset({"NN101"})))
    placed = notebook.localize(finding)
    assert (placed.cell, placed.location.row, placed.location.column) == (3, 4, 12)
    fixed = notebook.source.replace("x.view(b, h, w, c)", "x.permute(0, 2, 3, 1)")
    assert notebook.changed_cells(fixed) == {
        3: ["def forward(x):", "    b, c, h, w = x.shape", "    %time y = x.sum()", "    return x.permute(0, 2, 3, 1)"],
    }
    assert notebook.with_source(fixed) is None  # no file to write into
    broken = fixed.replace("# nnlint-cell 5\n", "")
    assert notebook.changed_cells(broken) is None  # an edit that merged two cells is refused


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
_CELL = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw"]),
     "source": st.text(alphabet="x=%!?( )\n\t'\"#é", max_size=40)
     | st.lists(st.text(alphabet="x=%!?( )\n'#", max_size=12), max_size=4)},
    optional={"metadata": _JSON, "outputs": st.lists(_JSON, max_size=2)},
)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(_CELL, max_size=5), extra=_JSON, indent=st.sampled_from([None, 1, 2, "\t"]),
       ascii_only=st.booleans())
def test_any_nbformat4_document_parses_and_round_trips_unchanged(cells, extra, indent, ascii_only):
    text = json.dumps({"nbformat": 4, "extra": extra, "cells": cells}, indent=indent, ensure_ascii=ascii_only)
    notebook = Notebook.parse(text.encode("utf-8"))
    assert notebook.with_source(notebook.source) == text  # nothing changed: not a byte rewritten
    assert len(notebook.cells) == sum(cell["cell_type"] == "code" for cell in cells)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=60) | st.text(max_size=40).map(str.encode))
def test_arbitrary_bytes_are_a_notebook_error_or_a_notebook(data):
    try:
        Notebook.parse(data)
    except NotebookError:
        pass


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(_CELL, min_size=1, max_size=5), indent=st.sampled_from([None, 1, 2, "\t"]))
@example(cells=[{"cell_type": "code", "source": "\n?"}], indent=None)  # a blank line beside a blanked `?`
def test_an_edit_lands_in_its_cell_and_nowhere_else(cells, indent):
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    text = json.dumps(document, indent=indent)
    notebook = Notebook.parse(text)
    editable = [(cell, k) for cell in notebook.cells for k in range(len(cell.lines)) if k not in cell.blanked]
    if not editable:
        return
    cell, k = editable[0]
    rows = notebook.source.split("\n")
    row, _ = notebook.to_source(cell.index, k + 1, 1)
    rows[row - 1] += "  # edited"
    written = json.loads(notebook.with_source("\n".join(rows)))
    before = json.loads(text)
    for position, (old, new) in enumerate(zip(before["cells"], written["cells"]), start=1):
        assert {**old, "source": None} == {**new, "source": None}  # outputs, metadata: as they were
        old_text = old["source"] if isinstance(old["source"], str) else "".join(old["source"])
        new_text = new["source"] if isinstance(new["source"], str) else "".join(new["source"])
        if position != cell.index:
            assert new["source"] == old["source"]
        else:
            expected = list(cell.lines)
            expected[k] += "  # edited"
            assert new_text == "\n".join(expected) + ("\n" if cell.final_newline else "")
            assert new_text.replace("  # edited", "", 1) == old_text
