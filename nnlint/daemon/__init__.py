"""A resident nnlint: `nnlint daemon start` keeps one process with the parser, the rules and the reporters
already imported, and every later `nnlint` run is handed to a fork of it.

Importing libcst and the rules costs more than linting one edited file, so a hook or an editor's on-save
command that lints a few files pays mostly for start-up. The daemon pays it once. It keeps no state about
the files it lints: each run is a fresh fork that adopts the caller's terminal, working directory,
environment and umask, runs the ordinary command line, and exits with the ordinary exit code, so a run
through the daemon prints what the same run in-process prints. Findings stay as fresh as the cache makes
them; the daemon only saves the imports.

Modules: `address` (where a daemon of this installation listens), `protocol` (the messages on its socket),
`launcher` (the `nnlint` entry point: hand off or run in-process), `server` (the resident process),
`forked_run` (what each fork does), `freshness` (is the code it imported still the code on disk), `command`
(`nnlint daemon start|stop|status`).
"""
