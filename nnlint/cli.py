"""The `nnlint` command: parse options, call the engine, print. No linting logic lives here."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from nnlint import __version__
from nnlint.config import ConfigError, Settings, find_config_file, load_settings, with_overrides
from nnlint.daemon.command import daemon_command
from nnlint.discovery import PathError
from nnlint.report import FORMATS
from nnlint.rules import catalogue
from nnlint.runtime.command import run_command

class _DefaultToCheck(click.Group):
    """`nnlint src/` means `nnlint check src/`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        elif not args:
            args = ["check"]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nnlint", message="%(prog)s %(version)s")
def cli() -> None:
    """nnlint: find the silent bugs of PyTorch training code."""


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(code.strip() for code in value.split(",") if code.strip())


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(readable=False))  # unreadable: NN002, as in a tree
@click.option("--select", help="Rule codes or prefixes to enable, comma-separated (e.g. NN1,NN205, ALL).")
@click.option("--extend-select", help="Codes or prefixes to enable on top of the selection.")
@click.option("--ignore", help="Codes or prefixes to disable.")
@click.option("--fix", is_flag=True, help="Apply safe fixes (and unsafe ones with --unsafe-fixes).")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option("--diff", is_flag=True, help="Show the fixes as a unified diff; write nothing.")
@click.option("--add-noqa", is_flag=True,
              help="Silence every current finding with a `# noqa: CODE` comment on its statement (to adopt nnlint "
                   "in an existing codebase).")
@click.option("--output-format", type=click.Choice(FORMATS), help="How to print findings (default: full).")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write findings to this file.")
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="With --fix: exit 1 when any file was changed, even if no finding remains (for hooks).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .nnlint_cache/.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this TOML file.")
@click.option("--stdin-filename", help="The name to report for code read from `-`.")
@click.option("--include-generated", is_flag=True,
              help="Also lint files marked `@generated` or `# nnlint: skip-file` in their first lines.")
@click.option("--force-exclude", is_flag=True,
              help="Apply exclude settings to files named on the command line too (as pre-commit names them).")
@click.option("--show-files", is_flag=True, help="List the files that would be linted, then exit.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary line, no progress.")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def check(paths, select, extend_select, ignore, fix, unsafe_fixes, diff, add_noqa, output_format, output_file,
          statistics, exit_zero, exit_non_zero_on_fix, no_cache, config_file, stdin_filename, include_generated,
          force_exclude, show_files, quiet, debug) -> None:
    """Lint PATHS (files or directories; `-` for stdin)."""
    from nnlint import check_command

    paths = list(paths) or ["."]
    if add_noqa and (fix or diff):
        raise click.UsageError("--add-noqa cannot be combined with --fix or --diff")
    settings = _settings(paths, config_file, select=_codes(select), extend_select=_codes(extend_select),
                         ignore=_codes(ignore), output_format=output_format,
                         include_generated=include_generated or None)
    options = check_command.Options(
        fix=fix, unsafe_fixes=unsafe_fixes, diff=diff, output_file=output_file,
        statistics=statistics, exit_zero=exit_zero,
        exit_non_zero_on_fix=exit_non_zero_on_fix, use_cache=not no_cache, stdin_filename=stdin_filename,
        show_files=show_files, quiet=quiet, debug=debug, force_exclude=force_exclude,
        add_noqa=add_noqa,
    )
    sys.exit(check_command.run_check(paths, settings, options))


def _settings(paths, config_file, **overrides) -> Settings:
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"{config_file}: no such config file")
    else:
        first = next((Path(p) for p in paths if p != "-"), Path.cwd())
        path = find_config_file(first.resolve() if first.exists() else Path.cwd())
    return with_overrides(load_settings(path), **overrides)


@cli.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Explain one rule: its catalogue page."""
    from difflib import get_close_matches

    from rich.console import Console
    from rich.markdown import Markdown

    from nnlint.pages import page_text

    known = catalogue()
    code = code.upper()
    if code not in known:
        close = get_close_matches(code, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise click.UsageError(f"unknown rule code `{code}`{hint}; `nnlint rules` lists them all")
    text = page_text(code)
    if text is None:
        raise click.ClickException(f"the page for {code} is missing from this installation")
    console = Console()
    if console.is_terminal:
        console.print(Markdown(text))
    else:
        click.echo(text, nl=False)


@cli.command("rules")
@click.option("--output-format", type=click.Choice(["table", "json", "markdown"]), default="table")
def rules_command(output_format: str) -> None:
    """List every rule: code, name, group, fix, default."""
    from nnlint import catalogue_table

    catalogue_table.show(catalogue().values(), output_format)


@cli.command("server")
@click.option("--tcp", "tcp", metavar="HOST:PORT", help="Listen on TCP instead of stdio (for debugging).")
def server_command(tcp: str | None) -> None:
    """Run the language server for editors (stdio by default); needs `pip install "nnlint[lsp]"`."""
    if tcp is not None:
        host, _, port = tcp.rpartition(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise click.BadParameter(f"expected HOST:PORT, got {tcp!r}", param_hint="--tcp")
    try:
        import pygls  # noqa: F401

        from nnlint.server import serve
    except ImportError:
        raise click.ClickException('the language server needs pygls: pip install "nnlint[lsp]"') from None
    serve(tcp)


cli.add_command(run_command)  # runtime mode: imports torch only when it runs
cli.add_command(daemon_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error is one line on stderr and exit 2; tracebacks only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or os.environ.get("NNLINT_DEBUG") == "1"
    try:
        cli.main(args=args, prog_name="nnlint", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort as error:
        if isinstance(error.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            click.echo("nnlint: interrupted", err=True)
            sys.exit(130)
        click.echo("nnlint: aborted", err=True)
        sys.exit(2)
    except click.UsageError as error:
        hint = f" (try `nnlint {error.ctx.command.name} --help`)" if error.ctx and error.ctx.command.name else ""
        click.echo(f"nnlint: error: {error.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"nnlint: error: {error.format_message()}", err=True)
        sys.exit(2)
    except (ConfigError, PathError) as error:
        click.echo(f"nnlint: error: {error}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("nnlint: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
    except Exception as error:  # an nnlint bug: say so in one line, the traceback on request
        if debug:
            traceback.print_exc()
        click.echo(f"nnlint: internal error: {type(error).__name__}: {error} (rerun with --debug)", err=True)
        sys.exit(2)
