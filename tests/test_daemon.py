"""`nnlint daemon`: runs handed to a resident process print, exit and write exactly as runs made in-process.

Every test drives real processes: `python -m nnlint daemon start` starts a real daemon in a private runtime
folder, and each run is the `nnlint` command line a user types. "Handed off" is checked through the
daemon's own count of runs served, never assumed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import CLAMP_BUG, VIEW_BUG
from tests.test_bad_input import FILES as BAD_FILES

REPO = Path(__file__).parent.parent

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the daemon needs a POSIX system")


def _nnlint(*args, env, cwd, input=None, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlint", *args], env=env, cwd=cwd, input=input,
                          capture_output=True, text=True, timeout=300, preexec_fn=preexec_fn)


def _status(env) -> subprocess.CompletedProcess:
    # From the runtime folder: `python -m` puts the working directory first on sys.path, and a checkout
    # there would be another installation, with a daemon of its own.
    return subprocess.run([sys.executable, "-m", "nnlint", "daemon", "status"], env=env,
                          cwd=env["XDG_RUNTIME_DIR"], capture_output=True, text=True, timeout=60)


def _runs_served(env) -> int | None:
    done = _status(env)
    if done.returncode != 0:
        return None
    return int(re.search(r"(\d+) runs served", done.stdout).group(1))


def _under_way(env) -> int:
    return int(re.search(r"(\d+) under way", _status(env).stdout).group(1))


def _wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def _daemon_pid(env) -> int:
    return int(re.search(r"pid (\d+)", _status(env).stdout).group(1))


@pytest.fixture
def runtime_env():
    """An environment whose daemon folder is private to the test (a short path: sockets allow ~100 bytes)."""
    folder = tempfile.mkdtemp(prefix="nnd-", dir="/tmp")
    env = {**os.environ, "XDG_RUNTIME_DIR": folder}
    env.pop("NNLINT_NO_DAEMON", None)
    yield env
    if _runs_served(env) is not None:
        pid = _daemon_pid(env)
        subprocess.run([sys.executable, "-m", "nnlint", "daemon", "stop"], env=env, cwd=folder, capture_output=True,
                       timeout=60)
        _wait_for(lambda: not Path(f"/proc/{pid}").exists(), 10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def daemon(runtime_env, tmp_path):
    started = _nnlint("daemon", "start", "--idle-timeout", "600", env=runtime_env, cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    assert "started" in started.stdout
    return runtime_env


def _in_process(env) -> dict:
    return {**env, "NNLINT_NO_DAEMON": "1"}


def _same_as_in_process(args, env, cwd, input=None) -> subprocess.CompletedProcess:
    through = _nnlint(*args, env=env, cwd=cwd, input=input)
    here = _nnlint(*args, env=_in_process(env), cwd=cwd, input=input)
    assert (through.returncode, through.stdout, through.stderr) == (here.returncode, here.stdout, here.stderr), args
    return through


def test_runs_through_the_daemon_print_and_exit_as_in_process(daemon, write, tmp_path):
    write("model.py", VIEW_BUG)
    write("loss.py", CLAMP_BUG)
    write("clean.py", "import torch\n\nx = torch.zeros(2)\n")
    served = _runs_served(daemon)
    runs = [
        ((".", "--select", "ALL"), None, 1),
        ((".", "--output-format", "json"), None, 1),
        (("clean.py",), None, 0),
        (("--no-cache", "missing.py"), None, 2),  # a one-line error
        (("--select", "NN999", "."), None, 2),
        (("-", "--stdin-filename", "piped.py"), VIEW_BUG, 1),
        (("rule", "NN205"), None, 0),
        (("--version",), None, 0),
    ]
    for args, stdin, expected in runs:
        result = _same_as_in_process(args, daemon, tmp_path, input=stdin)
        assert result.returncode == expected, (args, result.stderr)
    assert "NN101" in _nnlint(".", env=daemon, cwd=tmp_path).stdout
    assert _runs_served(daemon) == served + len(runs) + 1


def test_the_bad_input_table_reads_the_same_through_the_daemon(daemon, tmp_path):
    served = _runs_served(daemon)
    for name, data, _, code in BAD_FILES:
        folder = tmp_path / name.removesuffix(".py")
        folder.mkdir()
        (folder / name).write_bytes(data)
        assert _same_as_in_process([name, "--no-cache"], daemon, folder).returncode == code, name
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "dangling.py").symlink_to("moved_away.py")
    for odd_path in ("pipe.py", "dangling.py", "missing.py"):
        assert _same_as_in_process([odd_path], daemon, tmp_path).returncode == 2
    assert _runs_served(daemon) == served + len(BAD_FILES) + 3


def test_fix_through_the_daemon_writes_the_file(daemon, write, tmp_path):
    fixed_here = write("here/loss.py", CLAMP_BUG)
    fixed_there = write("there/loss.py", CLAMP_BUG)
    through = _nnlint("--fix", "--unsafe-fixes", "loss.py", env=daemon, cwd=fixed_there.parent)
    here = _nnlint("--fix", "--unsafe-fixes", "loss.py", env=_in_process(daemon), cwd=fixed_here.parent)
    assert (through.returncode, through.stdout) == (here.returncode, here.stdout)
    assert fixed_there.read_text() == fixed_here.read_text() != CLAMP_BUG


def test_a_run_takes_the_callers_directory_environment_and_umask(daemon, write, tmp_path):
    write("project/src/model.py", VIEW_BUG)
    env = {**daemon, "CI_PROJECT_DIR": str(tmp_path)}  # GitLab's report names paths from here
    report = _same_as_in_process(["model.py", "--output-format", "gitlab", "--no-cache"], env,
                                 tmp_path / "project" / "src")
    assert '"path": "project/src/model.py"' in report.stdout

    private = _nnlint(".", env=daemon, cwd=tmp_path / "project", preexec_fn=lambda: os.umask(0o077))
    assert private.returncode == 1
    assert stat.S_IMODE((tmp_path / "project" / ".nnlint_cache").stat().st_mode) == 0o700


def test_ctrl_c_stops_the_run_and_says_so(daemon, write, tmp_path):
    write("big.py", "import torch\n\n" + "".join(
        f"def f{i}(x):\n    y = torch.relu(x)\n    return y.view(y.size(0), -1)\n\n" for i in range(6000)))
    before = _runs_served(daemon)
    caller = subprocess.Popen([sys.executable, "-m", "nnlint", "--no-cache", "big.py"], env=daemon, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert _wait_for(lambda: _under_way(daemon) == 1)
    caller.send_signal(signal.SIGINT)
    _, stderr = caller.communicate(timeout=60)
    assert (caller.returncode, stderr.strip()) == (130, "nnlint: interrupted")
    assert _under_way(daemon) == 0 and _runs_served(daemon) == before + 1

    here = subprocess.Popen([sys.executable, "-m", "nnlint", "--no-cache", "big.py"], env=_in_process(daemon),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)  # well into linting (its imports take well under this)
    here.send_signal(signal.SIGINT)
    _, stderr = here.communicate(timeout=60)
    assert (here.returncode, stderr.strip()) == (130, "nnlint: interrupted")  # as in-process


def test_a_killed_caller_does_not_leave_its_run_behind(daemon, write, tmp_path):
    write("big.py", "import torch\n\n" + "".join(
        f"def f{i}(x):\n    return x.view(x.size(0), -1)\n\n" for i in range(20000)))
    caller = subprocess.Popen([sys.executable, "-m", "nnlint", "--no-cache", "big.py"], env=daemon, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: _under_way(daemon) == 1)
    caller.kill()
    caller.wait()
    assert _wait_for(lambda: _under_way(daemon) == 0, 10)


def test_runs_at_once_each_get_their_own_answer(daemon, write, tmp_path):
    write("a/model.py", VIEW_BUG)
    write("b/clean.py", "import torch\n\nx = torch.zeros(2)\n")
    callers = [subprocess.Popen([sys.executable, "-m", "nnlint", folder, "--no-cache"], env=daemon, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for folder in ("a", "b", "a", "b")]
    results = [(caller.wait(timeout=120), caller.stdout.read()) for caller in callers]
    assert [code for code, _ in results] == [1, 0, 1, 0]
    assert "a/model.py" in results[0][1] and results[0][1] == results[2][1]
    assert "All checks passed!" in results[1][1]


def test_a_daemon_with_older_code_stops_and_the_run_is_made_in_process(runtime_env, write, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "nnlint", site / "nnlint", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**runtime_env, "PYTHONPATH": str(site)}
    project = tmp_path / "project"
    write("project/model.py", VIEW_BUG)
    assert _nnlint("daemon", "start", env=env, cwd=project).returncode == 0
    first = _nnlint(".", env=env, cwd=project)
    assert first.returncode == 1, first.stderr
    assert _runs_served(env) == 1, first.stderr

    rule = site / "nnlint" / "rules" / "view_as_permute.py"
    os.utime(rule, ns=(rule.stat().st_atime_ns, rule.stat().st_mtime_ns + 10**9))  # as an upgrade or an edit would
    after = _nnlint(".", "--no-cache", env=env, cwd=project)
    here = _nnlint(".", "--no-cache", env=_in_process(env), cwd=project)
    assert (after.returncode, after.stdout) == (here.returncode, here.stdout) and after.returncode == 1
    assert after.stderr.strip().startswith("nnlint: the daemon had older nnlint code loaded and has stopped")
    assert _wait_for(lambda: _runs_served(env) is None, 10)


def test_stop_then_runs_are_made_in_process(daemon, write, tmp_path):
    write("model.py", VIEW_BUG)
    pid = _daemon_pid(daemon)
    stopped = _nnlint("daemon", "stop", env=daemon, cwd=tmp_path)
    assert stopped.returncode == 0 and stopped.stdout.strip() == f"nnlint daemon: stopped (pid {pid})"
    assert _wait_for(lambda: not Path(f"/proc/{pid}").exists(), 10)
    status = _nnlint("daemon", "status", env=daemon, cwd=tmp_path)
    assert (status.returncode, status.stdout.strip()) == (1, "nnlint daemon: not running")
    assert _nnlint("daemon", "stop", env=daemon, cwd=tmp_path).stdout.strip() == "nnlint daemon: not running"
    _same_as_in_process(["."], daemon, tmp_path)


def test_an_idle_daemon_stops_by_itself(runtime_env, tmp_path):
    assert _nnlint("daemon", "start", "--idle-timeout", "1", env=runtime_env, cwd=tmp_path).returncode == 0
    assert _wait_for(lambda: _runs_served(runtime_env) is None, 20)
    assert not any(Path(runtime_env["XDG_RUNTIME_DIR"], "nnlint").glob("*.sock"))


def test_a_daemon_killed_outright_leaves_runs_working_and_can_be_started_again(daemon, write, tmp_path):
    write("model.py", VIEW_BUG)
    pid = _daemon_pid(daemon)
    os.kill(pid, signal.SIGKILL)
    assert _wait_for(lambda: _runs_served(daemon) is None, 10)
    assert any(Path(daemon["XDG_RUNTIME_DIR"], "nnlint").glob("*.sock"))  # the dead daemon's socket is left
    _same_as_in_process(["."], daemon, tmp_path)
    again = _nnlint("daemon", "start", env=daemon, cwd=tmp_path)
    assert again.returncode == 0 and "started" in again.stdout
    assert _nnlint("daemon", "start", env=daemon, cwd=tmp_path).stdout.startswith("nnlint daemon: already running")


def test_a_runtime_folder_open_to_others_is_refused(runtime_env, tmp_path):
    folder = Path(runtime_env["XDG_RUNTIME_DIR"], "nnlint")
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    refused = _nnlint("daemon", "start", env=runtime_env, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("nnlint: error: cannot use the daemon folder:")
    assert "open to other users" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1


def test_nnlint_run_is_never_handed_to_the_daemon(daemon, tmp_path):
    served = _runs_served(daemon)
    missing = _nnlint("run", "no_such_script.py", env=daemon, cwd=tmp_path)
    assert missing.returncode == 2
    assert _runs_served(daemon) == served


def test_two_starts_at_once_leave_one_daemon(runtime_env, tmp_path):
    starts = [subprocess.Popen([sys.executable, "-m", "nnlint", "daemon", "start"], env=runtime_env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [start.communicate(timeout=120) for start in starts]
    assert [start.returncode for start in starts] == [0, 0], outputs
    pids = {re.search(r"pid (\d+)", out).group(1) for out, _ in outputs}
    assert len(pids) == 1 and _daemon_pid(runtime_env) == int(pids.pop())


LOCAL_HOOK = """\
repos:
  - repo: local
    hooks:
      - id: nnlint
        name: nnlint
        entry: nnlint check --force-exclude
        language: system
        types_or: [python, jupyter]
"""


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_a_local_pre_commit_hook_is_served_by_the_daemon(daemon, tmp_path):
    scripts = str(Path(sys.executable).parent)  # this environment's `nnlint` and `pre-commit`
    env = {**daemon, "PATH": scripts + os.pathsep + daemon.get("PATH", ""), "PRE_COMMIT_HOME": str(tmp_path / "home")}
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(LOCAL_HOOK)
    (repo / "model.py").write_text(VIEW_BUG.lstrip("\n"))
    for args in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    served = _runs_served(daemon)
    hook = subprocess.run([os.path.join(scripts, "pre-commit"), "run", "--files", "model.py"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert "model.py:6:12: NN101" in hook.stdout
    assert _runs_served(daemon) == served + 1
