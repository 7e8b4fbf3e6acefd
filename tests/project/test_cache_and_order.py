"""Findings do not depend on the order files are given in, and a warm run notices when a summary that a
file's findings came from has changed (editing models/net.py changes train.py's findings)."""

from __future__ import annotations

from pathlib import Path

from nnlint.config import Settings
from nnlint.project.index import ProjectIndex
from nnlint.runner import run
from tests.project.helpers import lint, working_directory, write_project

NET = """
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 2)
            self.head = {head}

        def forward(self, x):
            return self.head(self.fc(x))
"""
TRAIN = """
    import torch.nn.functional as F
    from models.net import Net


    def train(loader, optimizer):
        model = Net()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def files(root: Path) -> list[Path]:
    return sorted(Path(".").rglob("*.py"))


def test_findings_are_the_same_whatever_the_file_order(tmp_path):
    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN, "other.py": TRAIN})
    settings = Settings(select=("ALL",), root=tmp_path.resolve())
    with working_directory(tmp_path):
        forward = run(files(tmp_path), settings, use_cache=False).diagnostics
        backward = run(list(reversed(files(tmp_path))), settings, use_cache=False).diagnostics
    assert forward == backward
    assert [(d.filename, d.code) for d in forward] == [("other.py", "NN201"), ("train.py", "NN201")]


def test_editing_the_model_changes_the_warm_runs_findings(tmp_path):
    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN})
    cold = lint(tmp_path, use_cache=True)
    assert [(file, code) for file, _, code, _ in cold] == [("train.py", "NN201")]
    assert lint(tmp_path, use_cache=True) == cold  # warm: same answer from the cache

    write_project(tmp_path, {"models/net.py": NET.format(head="nn.Identity()")})  # train.py untouched
    assert lint(tmp_path, use_cache=True) == []

    write_project(tmp_path, {"models/net.py": "\n\n" + NET.format(head="nn.Softmax(1)")})  # moved 2 lines
    [(_, _, _, message)] = lint(tmp_path, use_cache=True)
    assert "models/net.py:11" in message


def test_an_edit_that_changes_no_summary_keeps_the_cached_findings(tmp_path):
    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN})
    settings = Settings(select=("ALL",), root=tmp_path.resolve())
    with working_directory(tmp_path):
        first = run(files(tmp_path), settings)
        [train] = [o for o in first.outcomes if o.path == "train.py"]
        assert str((tmp_path / "models/net.py").resolve()) in train.dependencies
        net = tmp_path / "models/net.py"
        net.write_text(net.read_text() + "\n# a comment\n")
        index = ProjectIndex([tmp_path])
        assert index.unchanged(train.dependencies)  # same summary digest: train.py stays cached


def test_summaries_are_cached_by_content_hash(tmp_path):
    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN})
    lint(tmp_path, use_cache=True)
    stored = list((tmp_path / ".nnlint_cache").glob("summaries-*/*.json"))
    assert stored, "summaries are written beside the findings' cache"


def test_the_index_tells_which_documents_depend_on_an_edited_module(tmp_path):
    """The language server's question: re-summarise this unsaved text; whose diagnostics may change?"""
    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN})
    settings = Settings(select=("ALL",), root=tmp_path.resolve())
    index = ProjectIndex([tmp_path])
    from nnlint.project.view import ProjectView
    from nnlint.engine import Selection, lint_source

    net = tmp_path / "models/net.py"
    train = str(tmp_path / "train.py")
    view = ProjectView(train, index)
    found = lint_source(train, (tmp_path / "train.py").read_text(), Selection(settings.enabled_codes()), view)
    assert [d.code for d in found] == ["NN201"]
    index.record(train, view.used)

    assert index.update(net, net.read_text() + "\n# typing\n") == set()  # nothing other files can see
    assert index.update(net, NET.format(head="nn.Identity()")) == {train}
    view = ProjectView(train, index)
    assert lint_source(train, (tmp_path / "train.py").read_text(), Selection(settings.enabled_codes()), view) == []


def test_a_damaged_summary_cache_is_rebuilt_not_trusted(tmp_path):
    from nnlint.project import spec

    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN})
    lint(tmp_path, use_cache=True)
    cache = tmp_path / ".nnlint_cache"
    summaries = list(cache.glob("summaries-*/*.json"))
    assert summaries
    for number, stored in enumerate(summaries):
        stored.write_text(["1", "[1, 2", "[]", "{}"][number % 4], encoding="utf-8")
    for findings in cache.glob("*.json"):
        findings.unlink()  # train.py must be linted again, from the damaged summaries
    spec._INDEXES.clear()  # as in a new process
    found = lint(tmp_path, use_cache=True)
    assert [(file, code) for file, _, code, _ in found] == [("train.py", "NN201")]


def test_a_model_file_that_appears_invalidates_the_cached_findings_of_its_importer(tmp_path):
    write_project(tmp_path, {"models/__init__.py": "", "train.py": TRAIN})
    assert lint(tmp_path, use_cache=True) == []  # `models.net` does not exist yet: nothing to learn from
    assert lint(tmp_path, use_cache=True) == []  # warm

    write_project(tmp_path, {"models/net.py": NET.format(head="nn.Softmax(1)")})  # train.py untouched
    found = lint(tmp_path, use_cache=True)
    assert [(file, code) for file, _, code, _ in found] == [("train.py", "NN201")]

    (tmp_path / "models/net.py").unlink()  # and gone again
    assert lint(tmp_path, use_cache=True) == []


def test_a_package_that_appears_beside_the_script_is_found_too(tmp_path):
    """Created where the import looks first (the script's own folder), not only under a root."""
    write_project(tmp_path, {"pyproject.toml": '[tool.nnlint]\nsrc = ["lib"]\n', "lib/.keep": "",
                             "experiments/train.py": TRAIN})
    settings = Settings(select=("ALL",), root=tmp_path.resolve(), src=("lib",))
    assert lint(tmp_path, use_cache=True, settings=settings) == []
    write_project(tmp_path, {"experiments/models/__init__.py": "",
                             "experiments/models/net.py": NET.format(head="nn.Softmax(1)")})
    found = lint(tmp_path, use_cache=True, settings=settings)
    assert [(file, code) for file, _, code, _ in found] == [("experiments/train.py", "NN201")]


def test_a_project_reached_through_a_symlink_still_notices_the_edited_model(tmp_path):
    real = tmp_path / "real"
    write_project(real, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                         "train.py": TRAIN})
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    settings = Settings(select=("ALL",), root=link.absolute())
    named = str(link / "train.py")  # `nnlint /path/through/link/train.py`
    assert [code for _, _, code, _ in lint(link, named, use_cache=True, settings=settings)] == ["NN201"]
    write_project(real, {"models/net.py": NET.format(head="nn.Identity()")})
    assert lint(link, named, use_cache=True, settings=settings) == []


def test_a_touched_importer_still_notices_the_edited_model(tmp_path):
    """train.py's mtime changes but not its text (a checkout, an editor's save): its cached findings are
    reused only if the summaries they came from are unchanged too."""
    write_project(tmp_path, {"models/__init__.py": "", "models/net.py": NET.format(head="nn.Softmax(1)"),
                             "train.py": TRAIN})
    assert [code for _, _, code, _ in lint(tmp_path, use_cache=True)] == ["NN201"]
    write_project(tmp_path, {"models/net.py": NET.format(head="nn.Identity()"), "train.py": TRAIN})
    assert lint(tmp_path, use_cache=True) == []
