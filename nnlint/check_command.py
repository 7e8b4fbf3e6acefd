"""What `nnlint check` does once its options are parsed: find files, lint, fix, report, choose the exit code."""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import click

from nnlint.atomic_write import write_atomically
from nnlint.cache import content_hash
from nnlint.config import Settings
from nnlint.diagnostic import Diagnostic
from nnlint.discovery import discover
from nnlint.discovery import force_excluded
from nnlint.project.spec import ProjectSpec
from nnlint.report import read_source_file, write_report, write_statistics
from nnlint.rules import catalogue
from nnlint.runner import FileOutcome, FixRequest, RunResult, Selector, lint_data, run
from nnlint.selection import Selection

PROGRESS_FROM = 50  # files; smaller runs finish before a bar is worth drawing


@dataclass(frozen=True)
class Options:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    output_file: str | None = None
    statistics: bool = False
    exit_zero: bool = False
    exit_non_zero_on_fix: bool = False
    use_cache: bool = True
    stdin_filename: str | None = None
    show_files: bool = False
    force_exclude: bool = False
    add_noqa: bool = False
    quiet: bool = False
    debug: bool = False


def run_check(paths: list[str], settings: Settings, options: Options) -> int:
    """Returns the exit code: 0 clean (or all fixed), 1 findings remain (after --fix too), a non-empty --diff,
    or --exit-non-zero-on-fix and a file was changed; 2 an internal error."""
    _check_standard_streams(paths, options)
    if "-" in paths:
        return _check_stdin(settings, options)
    files = [path for path in discover(paths, settings)
             if not (options.force_exclude and force_excluded(path, settings))]
    if options.show_files:
        for path in files:
            print(path)
        return 0
    with _progress(len(files), options) as tick:
        roots = [Path(path) for path in paths if Path(path).is_dir()]
        result = run(files, settings, fix=_fix_request(settings, options), use_cache=options.use_cache,
                     on_file_done=tick, roots=roots)
    changed = [outcome for outcome in result.outcomes if outcome.changed]
    if options.add_noqa:
        return _report_crashes(result, options) or _added_noqa(result, changed, settings, options)
    if options.diff:
        for outcome in changed:
            sys.stdout.write(_unified_diff(outcome))
        return 0 if not changed or options.exit_zero else 1
    unwritten = _write_fixes(result, changed, settings)
    status = _report(result.diagnostics, [o.path for o in result.outcomes], settings, options, fixed=_fixed_count(result))
    return _report_crashes(result, options) or (2 if unwritten else _fix_status(status, bool(changed), options))


def _check_standard_streams(paths: list[str], options: Options) -> None:
    """A closed stdin or stdout (`<&-`, `>&-`) is None in Python: say so rather than fail on first use."""
    if "-" in paths and sys.stdin is None:
        raise click.ClickException("standard input is closed: there is no code to read from `-`")
    needs_stdout = "-" in paths or options.diff or options.show_files or not options.output_file
    if needs_stdout and sys.stdout is None:
        raise click.ClickException("standard output is closed: nowhere to print the findings "
                                   "(--output-file FILE writes them to a file)")


def _fix_request(settings: Settings, options: Options) -> FixRequest | None:
    if options.add_noqa:
        return FixRequest(frozenset(), False, add_noqa=True)
    return FixRequest(settings.fixable_codes(), options.unsafe_fixes) if options.fix or options.diff else None


def _added_noqa(result: RunResult, changed: list[FileOutcome], settings: Settings, options: Options) -> int:
    """Write the files `--add-noqa` changed; report what could not be silenced (exit 1 while anything remains)."""
    for outcome in changed:
        write_atomically(Path(outcome.path), _encoded(outcome))
    for outcome in result.outcomes:
        for note in outcome.notes:
            print(f"nnlint: note: {note}", file=sys.stderr)
    added = _fixed_count(result)
    files = len(changed)
    # on stderr, like Ruff: stdout carries only the report, in whatever format was asked for
    print(f"Added {added} `noqa` {'code' if added == 1 else 'codes'} to {files} {'file' if files == 1 else 'files'}.",
          file=sys.stderr)
    if not result.diagnostics:
        return 0
    return _report(result.diagnostics, [o.path for o in result.outcomes], settings, options)


def _fix_status(status: int, changed: bool, options: Options) -> int:
    """Ruff's `--exit-non-zero-on-fix`: a hook fails when it changed files, so the user sees and stages them."""
    if changed and options.fix and options.exit_non_zero_on_fix and not options.exit_zero:
        return 1
    return status
def _write_fixes(result: RunResult, changed: list[FileOutcome], settings: Settings) -> int:
    """Write each fixed file; one that cannot be written is one error line, and its findings are reported
    as they stand in the file on disk (unfixed). Returns how many files could not be written."""
    failed = 0
    for outcome in changed:
        try:
            write_atomically(Path(outcome.path), _encoded(outcome))
        except OSError as error:
            failed += 1
            print(f"nnlint: error: cannot write the fixes to {outcome.path}: {error.strerror or error}", file=sys.stderr)
            data = outcome.original.encode(outcome.encoding)
            data = b"\xef\xbb\xbf" + data if outcome.bom else data
            unfixed = lint_data(outcome.path, data, Selector(settings).for_path(outcome.path), None, content_hash(data))
            result.outcomes[result.outcomes.index(outcome)] = unfixed
    return failed


def _report_crashes(result: RunResult, options: Options) -> int:
    """An nnlint bug met on some files: name each file in one line (traceback with --debug), exit 2."""
    for outcome in result.crashes:
        reason = outcome.crash.strip().splitlines()[-1]
        print(f"nnlint: internal error while linting {outcome.path}: {reason} (please report it)", file=sys.stderr)
        if options.debug:
            print(outcome.crash, file=sys.stderr)
    return 2 if result.crashes else 0


def _check_stdin(settings: Settings, options: Options) -> int:
    name = options.stdin_filename or "-"
    data = sys.stdin.buffer.read()
    selection = Selector(settings).for_path(name) if name != "-" else Selection(
        settings.enabled_codes(), skip_generated=not settings.include_generated)
    project = ProjectSpec.of(settings, cached=options.use_cache).view(name) if name != "-" else None
    # a crash here reaches cli.main
    outcome = lint_data(name, data, selection, _fix_request(settings, options), content_hash(data), project)
    if options.diff:
        if outcome.changed:
            sys.stdout.write(_unified_diff(outcome))
        return 1 if outcome.changed and not options.exit_zero else 0
    if options.fix or options.add_noqa:
        # like Ruff: the fixed code goes to stdout, findings that remain to stderr
        sys.stdout.buffer.write(_encoded(outcome) if outcome.changed else data)
        sys.stdout.flush()
        _write(outcome.diagnostics, [name], settings, options, sys.stderr, read_source=lambda _: outcome.fixed)
        return _fix_status(1 if outcome.diagnostics and not options.exit_zero else 0, outcome.changed, options)
    source = data.decode("utf-8", errors="replace")
    return _report(outcome.diagnostics, [name], settings, options, read_source=lambda _: source)


def _report(diagnostics, files, settings: Settings, options: Options, fixed: int = 0, read_source=None) -> int:
    if options.output_file:
        try:
            stream = open(options.output_file, "w", encoding="utf-8")
        except OSError as error:
            raise click.ClickException(f"cannot write {options.output_file}: {error.strerror}") from None
        with stream:
            _write(diagnostics, files, settings, options, stream, read_source, fixed)
    else:
        _write(diagnostics, files, settings, options, sys.stdout, read_source, fixed)
    return 1 if diagnostics and not options.exit_zero else 0


def _write(diagnostics, files, settings, options, stream: TextIO, read_source=None, fixed: int = 0) -> None:
    rules = catalogue()
    color = stream.isatty() and "NO_COLOR" not in os.environ
    if options.statistics:
        write_statistics(diagnostics, stream, rules=rules, color=color)
        return
    fmt = settings.output_format
    write_report(fmt, diagnostics, stream, rules=rules, read_source=read_source or read_source_file, color=color,
                 files_checked=files)
    if fmt in ("full", "concise") and not options.quiet:
        stream.write(_summary(diagnostics, fixed, settings, options))


def _summary(diagnostics: list[Diagnostic], fixed: int, settings: Settings, options: Options) -> str:
    fixable = settings.fixable_codes()
    safe = sum(1 for d in diagnostics if d.fix and d.code in fixable and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diagnostics if d.fix and d.code in fixable and d.fix.applicability == "unsafe")
    fixed_note = f", {fixed} fixed" if fixed else ""
    if not diagnostics:
        return f"Fixed {fixed}; all checks passed!\n" if fixed else "All checks passed!\n"
    noun = "problem" if len(diagnostics) == 1 else "problems"
    line = f"Found {len(diagnostics)} {noun}{fixed_note}."
    if safe:
        line += f" {safe} fixable with `--fix`."
    if unsafe and not options.unsafe_fixes:
        line += f" {unsafe} {'more ' if safe else ''}fixable with `--fix --unsafe-fixes`."
    return line + "\n"


def _fixed_count(result: RunResult) -> int:
    return sum(outcome.fixes_applied for outcome in result.outcomes)


def _encoded(outcome: FileOutcome) -> bytes:
    data = outcome.fixed.encode(outcome.encoding)
    return b"\xef\xbb\xbf" + data if outcome.bom else data


def _unified_diff(outcome: FileOutcome) -> str:
    import difflib  # here, like the notebooks: only --diff shows one

    from nnlint.notebooks import diff as notebook_diff
    from nnlint.notebooks import is_notebook

    if is_notebook(outcome.path):
        return notebook_diff(outcome.path, outcome.original, outcome.fixed)
    lines = difflib.unified_diff(
        outcome.original.splitlines(keepends=True),
        outcome.fixed.splitlines(keepends=True),
        fromfile=outcome.path,
        tofile=outcome.path,
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _progress(total: int, options: Options):
    if options.quiet or total < PROGRESS_FROM or not sys.stderr.isatty():
        return nullcontext(None)
    return _ProgressBar(total)


class _ProgressBar:
    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("linting"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True), transient=True
        )
        self.task = self.progress.add_task("lint", total=total)

    def __enter__(self):
        self.progress.start()
        return lambda: self.progress.advance(self.task)

    def __exit__(self, *exc) -> None:
        self.progress.stop()
