"""Codes the engine itself emits, for files it could not lint."""

from nnlint.rule_info import RuleInfo

SYNTAX_ERROR = RuleInfo("NN001", "syntax-error", "The file does not parse as Python", None, True)
UNREADABLE = RuleInfo("NN002", "unreadable-file", "The file could not be read or decoded", None, True)

ENGINE_CODES = (SYNTAX_ERROR, UNREADABLE)
