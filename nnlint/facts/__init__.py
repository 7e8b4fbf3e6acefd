"""Static facts shared by rules, computed once per file on first request.

Rules ask these questions instead of walking the tree themselves: what torch name does this expression
refer to (whatever the import alias), what was this name assigned from, which function or class encloses a
node.
"""

from nnlint.facts.collector import Binding, Facts

__all__ = ["Binding", "Facts"]
