"""Run a user's training script in this process under the watchers, then stop it cleanly."""

from __future__ import annotations

import os
import runpy
import sys
import traceback
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field

from nnlint.runtime import distributed, rank_merge
from nnlint.runtime.findings import Finding
from nnlint.runtime.forward_watch import ForwardWatch
from nnlint.runtime.dynamics import PROBE_ROWS, DynamicsWatch
from nnlint.runtime.first_steps import FirstStepsWatch
from nnlint.runtime.lr_plan import LRPlan
from nnlint.runtime.zero_grad_order import ZeroGradOrder
from nnlint.runtime.session import RunSession, StopRun
from nnlint.runtime.step_watch import StepWatch


@dataclass
class RunResult:
    findings: list[Finding]
    notes: list[str]
    steps: int
    rank: int
    world_size: int
    error: str | None = None  # the script's own exception, formatted
    exit_status: int | None = None  # the script's sys.exit() code, when not 0
    stopped: bool = False  # stopped after max_steps
    extra: dict = field(default_factory=dict)


@contextmanager
def _as_main(script: str, args: list[str]):
    """sys.argv and sys.path as `python script args` would set them."""
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        yield
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path


def _user_traceback(error: BaseException) -> str:
    """The script's traceback without the frames of nnlint and runpy that ran it."""
    tb = error.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename.startswith("<frozen")
                              or tb.tb_frame.f_code.co_filename == __file__):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _end_distributed() -> None:
    """The script was stopped mid-training: free its process group so the process can exit."""
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()
    except Exception:  # best effort: the job is ending anyway
        pass


def run_script(script: str, args: list[str], *, max_steps: int | None = None, allow: tuple = (),
               batch_check: bool = True, script_stdout=None, overfit: bool = True, report: bool = False) -> RunResult:
    world_size = distributed.world_size()
    rank = distributed.rank()
    session = RunSession(max_steps=max_steps, allow=allow, batch_check=batch_check,
                         rank=rank if world_size > 1 else None)
    forward = ForwardWatch(session)
    steps = StepWatch(session, lambda p: forward.names.get(id(p), f"a parameter of shape {tuple(p.shape)}"))
    error = exit_status = None
    stopped = False
    forward.install()
    steps.install()
    first_steps = FirstStepsWatch(session, overfit=overfit)
    dynamics = DynamicsWatch(session, detail=report, names=steps.name_of,
                             probe_targets=lambda: _probe_targets(first_steps))
    plan = LRPlan()
    order = ZeroGradOrder(session)
    extras = [first_steps, dynamics, order] + ([plan] if report else [])
    for watch in extras:
        watch.install()
    try:
        with _as_main(script, args), redirect_stdout(script_stdout or sys.stdout):
            runpy.run_path(script, run_name="__main__")
    except StopRun:
        stopped = True
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            exit_status = exit_.code if isinstance(exit_.code, int) else 1
    except Exception as raised:
        error = _user_traceback(raised)
    finally:
        for watch in reversed(extras):
            watch.uninstall()
        forward.uninstall()
        steps.uninstall()
    steps.finish()
    order.explain()
    curves = dynamics.finish()
    if report:
        curves.schedule = plan.plans(session.steps)
    if stopped:
        _end_distributed()
    findings, notes = session.findings, session.notes
    if world_size > 1:
        if rank != 0:
            rank_merge.publish(rank, findings, notes)
        else:
            findings, notes = rank_merge.gather(world_size, findings, notes)
    return RunResult(findings, notes, session.steps, rank, world_size, error, exit_status, stopped,
                     extra={"stats": session.stats, "samples": first_steps.samples, "dynamics": curves})


def _probe_targets(first_steps: FirstStepsWatch):
    samples = first_steps.samples
    return samples[0].targets[:PROBE_ROWS] if samples and samples[0].targets is not None else None

