"""`nnlint run SCRIPT [-- ARGS...]`: run a training script under the runtime watchers and report.

Importing this module does not import torch: the static CLI registers the command without paying for it.
Exit codes as in static mode: 0 no findings, 1 findings, 2 usage error / script missing / torch missing /
the script crashed.
"""

from __future__ import annotations

import os
import sys

import click

from nnlint.report import FORMATS, read_source_file
from nnlint.runtime.costs import check_costs

MACHINE_FORMATS = {"json", "json-lines", "sarif", "junit", "github"}


def _fail(message: str) -> None:
    click.echo(f"nnlint: error: {message}", err=True)
    sys.exit(2)


@click.command("run", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("script", type=click.Path(dir_okay=False))
@click.argument("script_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- ARGS]...")
@click.option("--max-steps", type=click.IntRange(min=1), default=None,
              help="Stop the script after this many optimizer steps.")
@click.option("--output-format", type=click.Choice(FORMATS), default="full", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--allow", multiple=True, metavar="MODULE",
              help="A module that mixes samples on purpose: class name or qualified name (repeatable).")
@click.option("--no-batch-check", is_flag=True, help="Do not run the batch-independence check on first forwards.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), default=None,
              help="Write a self-contained HTML report (batch, overfit curve, dynamics) to this file.")
@click.option("--report-dir", type=click.Path(file_okay=False), default=None,
              help="Write the report's charts as PNG files plus report.json into this folder.")
@click.option("--no-overfit-check", is_flag=True,
              help="Do not train a copy of the model on the first batch (NN910).")
@click.option("--color/--no-color", default=None, help="Colour the human formats (default: when a terminal).")
def run_command(script: str, script_args: tuple[str, ...], max_steps: int | None, output_format: str,
                output_file: str | None, exit_zero: bool, allow: tuple[str, ...], no_batch_check: bool,
                color: bool | None, no_overfit_check: bool = False, report_file: str | None = None,
                report_dir: str | None = None) -> None:
    """Run SCRIPT (with ARGS after --) under instrumentation and report what went wrong at runtime.

    On the first training forward of each model it proves batch independence (NN901); it watches optimizer
    steps for gradients never zeroed (NN905), a collapsing learning rate (NN907), non-finite values (NN908),
    parameters without gradients (NN904), and evaluation with dropout/BatchNorm in train mode (NN906).
    On the first training batch it trains a copy of the model to overfit it (NN910), checks the batch
    (NN911, NN912) and, for a sequence model, causality (NN902); it watches for exploding gradients (NN913).
    --report writes one HTML page with the batch, the overfit curve and the training dynamics.
    With a machine-readable format on stdout, the script's own prints go to stderr.
    """
    if not os.path.isfile(script):
        _fail(f"script not found: {script}")
    try:
        import torch  # noqa: F401
    except ImportError:
        _fail("`nnlint run` needs torch: pip install 'nnlint[runtime]'")
    wants_report = bool(report_file or report_dir)
    if wants_report:
        from nnlint.runtime.report import REPORT_EXTRA_MESSAGE, matplotlib_available

        if not matplotlib_available():
            _fail(REPORT_EXTRA_MESSAGE)
    from nnlint.report import write_report
    from nnlint.runtime.codes import RUNTIME_RULES_BY_CODE
    from nnlint.runtime.diagnostics import to_diagnostics
    from nnlint.runtime.script_runner import run_script

    quiet_stdout = output_format in MACHINE_FORMATS and output_file is None
    result = run_script(script, list(script_args), max_steps=max_steps, allow=tuple(allow),
                        batch_check=not no_batch_check, script_stdout=sys.stderr if quiet_stdout else None,
                        overfit=not no_overfit_check, report=wants_report)
    if result.world_size > 1 and result.rank != 0:
        return  # rank 0 reports for the whole job
    for note in result.notes:
        click.echo(f"nnlint: note: {note}", err=True)
    stopped = f" (stopped after --max-steps {max_steps})" if result.stopped else ""
    ranks = f" on each of {result.world_size} ranks" if result.world_size > 1 else ""
    click.echo(f"nnlint: watched {result.steps} optimizer step(s){ranks}{stopped}", err=True)
    cost = check_costs(result.extra.get("stats", {}))
    if cost:
        click.echo(f"nnlint: checks cost {cost}", err=True)
    if result.error:
        click.echo(result.error.rstrip(), err=True)
        click.echo(f"nnlint: error: {script} raised before finishing; findings so far are reported", err=True)
    elif result.exit_status:
        click.echo(f"nnlint: error: {script} exited with status {result.exit_status}; findings so far are reported",
                   err=True)
    diagnostics = to_diagnostics(result.findings, script)
    never_stepped = not result.error and not result.exit_status and result.steps == 0
    if never_stepped:  # the step checks never ran: with nothing found, a clean report would be a lie
        level = "note" if diagnostics else "error"
        click.echo(f"nnlint: {level}: {script} finished without calling an optimizer's step(): the training "
                   "checks did not run", err=True)
    if wants_report:
        _write_report(result, diagnostics, script, report_file, report_dir)
    stream = open(output_file, "w", encoding="utf-8") if output_file else sys.stdout
    try:
        use_color = color if color is not None else (output_file is None and sys.stdout.isatty())
        write_report(output_format, diagnostics, stream, rules=RUNTIME_RULES_BY_CODE, read_source=read_source_file,
                     color=use_color, files_checked=[script])
    finally:
        if output_file:
            stream.close()
    if result.error or result.exit_status or (never_stepped and not diagnostics):
        sys.exit(2)
    sys.exit(0 if exit_zero or not diagnostics else 1)


def _write_report(result, diagnostics, script: str, report_file: str | None, report_dir: str | None) -> None:
    from nnlint.runtime.report.build import write

    try:
        write(result, diagnostics, script, html_path=report_file, directory=report_dir)
    except OSError as error:
        _fail(f"cannot write the report: {error.strerror or error}: {error.filename or report_file or report_dir}")
    for target in (report_file, report_dir):
        if target:
            click.echo(f"nnlint: report written to {target}", err=True)
