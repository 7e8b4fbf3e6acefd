"""Codes the engine itself emits: for files it could not lint, and for stale suppressions."""

from nnlint.rule_info import RuleInfo

SYNTAX_ERROR = RuleInfo("NN001", "syntax-error", "The file does not parse as Python", None, True)
UNREADABLE = RuleInfo("NN002", "unreadable-file", "The file could not be read or decoded", None, True)

UNUSED_NOQA = RuleInfo("NN003", "unused-noqa", "A `# noqa` names an nnlint rule that does not fire on its line",
                       "safe", False)

ENGINE_CODES = (SYNTAX_ERROR, UNREADABLE, UNUSED_NOQA)
# Findings about the file itself: no `# noqa` silences them.
UNSUPPRESSIBLE = frozenset({SYNTAX_ERROR.code, UNREADABLE.code})
