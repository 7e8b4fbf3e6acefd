"""Which file an import means: package re-exports, relative imports, `import x as y`, src/ layouts, the
directories named on the command line — and never a third-party package that shares a project name."""

from __future__ import annotations

from pathlib import Path

from nnlint.config import Settings
from nnlint.project.modules import ModuleFinder, absolute
from tests.project.helpers import lint, write_project

SOFTMAX_NET = """
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(x).softmax(dim=1)
"""

LOOP = """
    import torch.nn.functional as F
    {imports}


    def train(loader, optimizer):
        model = {model}
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def nn201(found):
    return [(file, row) for file, row, code, _ in found if code == "NN201"]


def test_class_re_exported_by_a_package_init(tmp_path):
    write_project(tmp_path, {
        "models/__init__.py": "from .net import Net\n",
        "models/net.py": SOFTMAX_NET,
        "train.py": LOOP.format(imports="from models import Net", model="Net()"),
    })
    assert nn201(lint(tmp_path)) == [("train.py", 9)]


def test_relative_import_inside_a_package(tmp_path):
    write_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/nets/__init__.py": "",
        "pkg/nets/net.py": SOFTMAX_NET,
        "pkg/engine/__init__.py": "",
        "pkg/engine/train.py": LOOP.format(imports="from ..nets.net import Net", model="Net().to('cpu')"),
    })
    assert nn201(lint(tmp_path)) == [("pkg/engine/train.py", 9)]


def test_module_imported_under_an_alias(tmp_path):
    write_project(tmp_path, {
        "nets.py": SOFTMAX_NET,
        "train.py": LOOP.format(imports="import nets as N", model="N.Net()"),
    })
    assert nn201(lint(tmp_path)) == [("train.py", 9)]


def test_src_layout(tmp_path):
    write_project(tmp_path, {
        "src/proj/__init__.py": "",
        "src/proj/net.py": SOFTMAX_NET,
        "src/proj/train.py": LOOP.format(imports="from proj.net import Net", model="Net()"),
    })
    assert nn201(lint(tmp_path)) == [("src/proj/train.py", 9)]


def test_src_setting_names_other_roots(tmp_path):
    write_project(tmp_path, {
        "lib/proj/__init__.py": "",
        "lib/proj/net.py": SOFTMAX_NET,
        "scripts/train.py": LOOP.format(imports="from proj.net import Net", model="Net()"),
    })
    assert nn201(lint(tmp_path, "scripts")) == []  # `proj` is under no root
    settings = Settings(select=("ALL",), root=tmp_path.resolve(), src=(".", "lib"))
    assert nn201(lint(tmp_path, "scripts", settings=settings)) == [("scripts/train.py", 9)]


def test_directory_named_on_the_command_line_is_a_root(tmp_path):
    write_project(tmp_path, {
        "code/__init__.py": "",  # a package dir: its files' absolute imports need a root
        "code/nets.py": SOFTMAX_NET,
        "code/train.py": LOOP.format(imports="from nets import Net", model="Net()"),
    })
    assert nn201(lint(tmp_path, "code")) == [("code/train.py", 9)]


def test_script_directory_is_searched_for_its_own_imports(tmp_path):
    write_project(tmp_path, {
        "experiments/nets.py": SOFTMAX_NET,
        "experiments/train.py": LOOP.format(imports="from nets import Net", model="Net()"),
    })
    assert nn201(lint(tmp_path)) == [("experiments/train.py", 9)]


def test_third_party_package_with_a_project_module_name_is_not_confused(tmp_path):
    # The project has its own `losses.py` and `nets.py` under src/proj/; the script imports the third-party
    # `nets` and `losses` packages (not in the project), whose classes nnlint knows nothing about.
    write_project(tmp_path, {
        "src/proj/__init__.py": "",
        "src/proj/nets.py": SOFTMAX_NET,
        "train.py": LOOP.format(imports="from proj.nets import Net as Mine\nfrom nets import Net", model="Net()"),
    })
    assert nn201(lint(tmp_path)) == []


def test_import_cycles_and_recursive_helpers_terminate(tmp_path):
    write_project(tmp_path, {
        "a.py": """
            from b import build


            def make(depth):
                return build(depth - 1) if depth else make(depth)
        """,
        "b.py": """
            from a import make


            def build(depth):
                return make(depth)
        """,
        "c.py": """
            from a import make


            def train(loader, optimizer):
                criterion = make(3)
                for x, y in loader:
                    loss = criterion(x.softmax(1), y)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
        """,
    })
    assert lint(tmp_path) == []


def test_module_names_and_relative_imports(tmp_path):
    write_project(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": ""})
    finder = ModuleFinder([tmp_path])
    assert finder.name_of(tmp_path / "pkg/sub/mod.py") == ("pkg.sub.mod", False)
    assert finder.name_of(tmp_path / "pkg/sub/__init__.py") == ("pkg.sub", True)
    assert finder.find("pkg.sub.mod") == (tmp_path / "pkg/sub/mod.py").resolve()
    assert finder.find("pkg.sub") == (tmp_path / "pkg/sub/__init__.py").resolve()
    assert finder.find("numpy") is None
    assert absolute("..utils.build", "pkg.sub.mod", False) == "pkg.utils.build"
    assert absolute(".mod", "pkg.sub", True) == "pkg.sub.mod"
    assert absolute("...too.far", "pkg.mod", False) is None
    assert Path(tmp_path).exists()
