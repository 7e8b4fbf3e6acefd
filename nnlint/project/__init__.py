"""Whole-project facts: what a file may learn about the other modules of the project it imports.

- `summary`: a module's summary (what its functions return and do, its nn.Module classes' outputs and
  weights, its constants and imports), serialisable and compared by digest.
- `summarise`: builds a summary from the facts the rules already use (`nnlint.facts`).
- `modules`: which file an import means (roots: the `src` setting, the command-line folders, a script's
  own folder; relative imports).
- `index`: summaries by file, cached on disk by content hash, and the answers that follow imports,
  re-exports and references between summaries; what a language server needs: `update(path, text)` gives
  the linted files whose findings used that module's summary (`record` keeps track of them).
- `view`: one file's window on the index, which `nnlint.facts.elsewhere` asks.
- `spec`: what a worker process needs to build its own index.

Nothing is imported or executed: modules are read and parsed.
"""
