"""`python -m nnlint.runtime SCRIPT [-- ARGS]`: the `nnlint run` command on its own (e.g. under torchrun)."""

from nnlint.runtime.command import run_command

if __name__ == "__main__":
    run_command(prog_name="nnlint run")
