"""Cross-file findings in the editor: editing `models/net.py` updates the findings of the open `train.py`
that imports it, from the unsaved buffer, without touching train.py; files changed on disk count too."""

from __future__ import annotations

import textwrap
import time

import pytest
from lsprotocol import types

from tests.server.cross_file_project import LOGITS, SOFTMAX, TRAIN

pytestmark = pytest.mark.asyncio

UNRELATED = """
def accuracy(logits, labels):
    return (logits.argmax(1) == labels).float().mean()
"""


def text(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def project(session, net: str = SOFTMAX) -> None:
    session.write("models/__init__.py", "")
    session.write("models/net.py", net)
    session.write("train.py", TRAIN)


async def published_after(session, uri: str, count: int):
    """The next publishDiagnostics for `uri` after the `count` already received."""
    await session.until(lambda: len([p for p in session.client.published if p.uri == uri]) > count)
    return [p for p in session.client.published if p.uri == uri][count]


def publications(session, uri: str) -> int:
    return len([p for p in session.client.published if p.uri == uri])


def codes(diagnostics) -> list[str]:
    return [d.code for d in diagnostics]


async def test_the_loss_in_train_py_names_the_softmax_in_models_net_py(session):
    project(session)
    await session.initialize()
    train = session.open("train.py")
    (found,) = await session.diagnostics(train)
    assert found.code == "NN201"
    assert found.range.start == types.Position(line=9, character=15)  # criterion(model(x), y)
    assert "`F.softmax(...)` in models/net.py:11 " in found.message  # named from the project's root
    (related,) = found.related_information
    assert related.location.uri == session.uri("models/net.py")
    assert related.location.range.start == types.Position(line=10, character=15)  # F.softmax(...)
    assert related.message == "`F.softmax(...)` is here"


async def test_editing_the_model_buffer_updates_train_py_without_touching_it(session):
    project(session)
    await session.initialize()
    train = session.open("train.py")
    assert codes(await session.diagnostics(train)) == ["NN201"]
    net = session.open("models/net.py")
    assert await session.diagnostics(net) == []

    seen = publications(session, train)
    sent = time.perf_counter()
    session.replace_all(net, text(LOGITS))  # unsaved: the file on disk still ends in softmax
    republished = await published_after(session, train, seen)
    print(f"train.py re-published {(republished.at - sent) * 1000:.0f} ms after the edit of models/net.py")
    assert republished.version == 1  # train.py itself is untouched
    assert republished.diagnostics == []
    assert "softmax" in (session.root / "models/net.py").read_text(encoding="utf-8")

    seen = publications(session, train)
    session.replace_all(net, text(SOFTMAX))
    republished = await published_after(session, train, seen)
    assert (republished.version, codes(republished.diagnostics)) == (1, ["NN201"])


async def test_closing_the_edited_buffer_brings_back_the_file_on_disk(session):
    project(session)
    await session.initialize()
    train = session.open("train.py")
    net = session.open("models/net.py", LOGITS)  # the buffer differs from the file: it counts
    await session.diagnostics(net)
    await session.wait_for(lambda p: p.uri == train and p.diagnostics == [])
    seen = publications(session, train)
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=net)))
    republished = await published_after(session, train, seen)
    assert codes(republished.diagnostics) == ["NN201"]  # the file on disk ends in softmax


async def test_a_model_changed_on_disk_updates_the_open_train_py(session):
    project(session)
    await session.initialize()
    await session.until(lambda: any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                                    for r in session.client.registrations))
    train = session.open("train.py")
    assert codes(await session.diagnostics(train)) == ["NN201"]

    seen = publications(session, train)
    session.write("models/net.py", LOGITS)  # e.g. `git checkout` of another branch
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=session.uri("models/net.py"), type=types.FileChangeType.Changed)]))
    republished = await published_after(session, train, seen)
    assert (republished.version, republished.diagnostics) == (1, [])


async def test_a_model_file_that_appears_is_found_by_the_import_that_missed_it(session):
    session.write("models/__init__.py", "")
    await session.initialize()
    train = session.open("train.py", TRAIN)
    assert await session.diagnostics(train) == []  # models/net.py does not exist yet
    # imports that find nothing in the project either, but not a `models/net.py`
    lookalike = session.open("finetune.py", TRAIN.replace("from models.net import Net", "from nets import Net"))
    assert await session.diagnostics(lookalike) == []
    before = publications(session, lookalike)

    seen = len(session.client.published)
    session.write("models/net.py", SOFTMAX)
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=session.uri("models/net.py"), type=types.FileChangeType.Created)]))
    await session.until(lambda: any(p.uri == train and codes(p.diagnostics) == ["NN201"]
                                    for p in session.client.published[seen:]))
    await session.ping()
    assert publications(session, lookalike) == before


async def test_only_the_documents_that_import_the_model_are_re_published(session):
    project(session)
    session.write("src/proj/__init__.py", "")
    session.write("src/proj/nets.py", SOFTMAX)  # the project's `proj.nets`, which nobody here imports
    await session.initialize()
    train = session.open("train.py")
    unrelated = session.open("metrics.py", UNRELATED)
    # the third-party package `nets` shares a project module's name: its Net is not the project's
    lookalike = session.open("finetune.py", TRAIN.replace("from models.net import Net", "from nets import Net"))
    project_nets = session.open("src/proj/nets.py")
    assert codes(await session.diagnostics(train)) == ["NN201"]
    assert await session.diagnostics(unrelated) == []
    assert await session.diagnostics(lookalike) == []
    assert await session.diagnostics(project_nets) == []
    net = session.open("models/net.py")
    await session.diagnostics(net)

    before = {uri: publications(session, uri) for uri in (unrelated, lookalike)}
    seen = publications(session, train)
    session.replace_all(net, text(LOGITS))
    session.replace_all(project_nets, text(LOGITS))
    assert (await published_after(session, train, seen)).diagnostics == []
    await session.diagnostics(project_nets)
    await session.ping()
    assert {uri: publications(session, uri) for uri in (unrelated, lookalike)} == before


async def test_typing_inside_the_model_that_changes_no_summary_does_not_re_lint_train_py(session):
    project(session)
    await session.initialize()
    train = session.open("train.py")
    net = session.open("models/net.py")
    assert codes(await session.diagnostics(train)) == ["NN201"]
    await session.diagnostics(net)
    seen = publications(session, train)
    session.replace_all(net, text(SOFTMAX) + "\n# a comment\n")
    await session.diagnostics(net)
    await session.ping()
    assert publications(session, train) == seen
    session.replace_all(net, text(LOGITS))  # then a change that matters
    assert (await published_after(session, train, seen)).diagnostics == []


async def test_the_config_src_roots_apply_and_a_re_export_is_followed(session):
    session.write("pyproject.toml", '[tool.nnlint]\nsrc = ["lib"]\n')
    session.write("lib/models/__init__.py", "from .net import Net\n")  # train.py imports the package
    session.write("lib/models/net.py", SOFTMAX)
    await session.initialize()
    train = session.open("scripts/train.py", TRAIN.replace("from models.net import Net", "from models import Net"))
    (found,) = await session.diagnostics(train)
    assert found.code == "NN201"
    assert found.related_information[0].location.uri == session.uri("lib/models/net.py")

    net = session.open("lib/models/net.py")
    await session.diagnostics(net)
    seen = publications(session, train)
    session.replace_all(net, text(LOGITS))  # net.py reaches train.py through models/__init__.py
    assert (await published_after(session, train, seen)).diagnostics == []


async def test_the_summaries_of_unsaved_buffers_are_not_written_to_the_cache(session):
    project(session)
    await session.initialize()
    train = session.open("train.py")
    assert codes(await session.diagnostics(train)) == ["NN201"]
    cache = session.root / ".nnlint_cache"
    stored = set(cache.glob("summaries-*/*.json"))
    assert stored  # the file on disk was summarised once, for the command line's runs too
    net = session.open("models/net.py")
    await session.diagnostics(net)
    for version in range(5):
        seen = publications(session, train)
        session.replace_all(net, text(LOGITS if version % 2 == 0 else SOFTMAX) + f"# edit {version}\n")
        await published_after(session, train, seen)
    assert set(cache.glob("summaries-*/*.json")) == stored


async def test_an_excluded_model_is_not_reported_on_but_still_counts_for_train_py(session):
    project(session)
    session.write("pyproject.toml", '[tool.nnlint]\nextend-exclude = ["models/"]\n')
    await session.initialize()
    train = session.open("train.py")
    net = session.open("models/net.py", SOFTMAX.replace("dim=1", ""))  # NN103 if it were linted
    assert await session.diagnostics(net) == []
    await session.wait_for(lambda p: p.uri == train and codes(p.diagnostics) == ["NN201"])
    seen = publications(session, train)
    session.replace_all(net, text(LOGITS))
    assert (await published_after(session, train, seen)).diagnostics == []
    assert await session.diagnostics(net) == []


async def test_the_summary_cache_the_server_writes_is_ignored_by_git(session):
    project(session)
    await session.initialize()
    train = session.open("train.py")
    assert codes(await session.diagnostics(train)) == ["NN201"]  # models/net.py was summarised from disk
    assert (session.root / ".nnlint_cache/.gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


async def test_a_model_reached_through_a_factory_module_that_is_not_open(session):
    project(session)
    session.write("factory.py", """
        from models.net import Net


        def build_model():
            return Net()
    """)
    await session.initialize()
    train = session.open("train.py", TRAIN.replace("from models.net import Net", "from factory import build_model")
                         .replace("model = Net()", "model = build_model()"))
    assert codes(await session.diagnostics(train)) == ["NN201"]
    net = session.open("models/net.py")
    await session.diagnostics(net)
    seen = publications(session, train)
    session.replace_all(net, text(LOGITS))  # train.py -> factory.py -> models/net.py
    assert (await published_after(session, train, seen)).diagnostics == []
